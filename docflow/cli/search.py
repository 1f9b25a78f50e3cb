"""``docflow search reindex``: (re)build the search index of existing documents (after
migration 0017, or if the index was lost); new documents are indexed as they come."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from docflow.core.runtime import Runtime

__all__ = ["register"]


@click.group("search")
def search_group() -> None:
    """The search index."""


@search_group.command("reindex")
@click.option("--missing", is_flag=True, help="Only documents that have no index entry yet.")
def search_reindex(missing: bool) -> None:
    """Index every document's number, symbol, subject, sender and text layer."""
    from docflow.cli.startup import with_runtime

    async def run(runtime: Runtime) -> int:
        from docflow.search.index import reindex

        return await reindex(runtime, missing_only=missing)

    done = with_runtime(run, store=True)
    click.echo(f"indexed {done} document(s)")


def register(main: click.Group) -> None:
    main.add_command(search_group)
