"""``docflow archive renew``: renew issued documents' archive timestamps now.

The service does the same every ``DOCFLOW_ARCHIVE_RENEWAL_HOURS``; this runs one pass
(cron, or before retiring a time-stamping authority's certificate). Exit 0 when every due
document was renewed, 1 when some failed (each named).
"""

from __future__ import annotations

import sys

import click

__all__ = ["register"]


@click.group("archive")
def archive_group() -> None:
    """Long-term archive: renew the archive timestamps of issued documents."""


@archive_group.command("renew")
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="At most this many documents in this run.",
)
def archive_renew(limit: int) -> None:
    """Add a new archive timestamp to every issued document that needs one."""
    from docflow.cli.startup import with_runtime
    from docflow.documents.archive import renew_due

    report = with_runtime(lambda runtime: renew_due(runtime, limit=limit), store=True)
    click.echo(f"renewed {len(report.renewed)} document(s)")
    for document_id, reason in report.failed:
        click.echo(f"document {document_id}: not renewed: {reason}", err=True)
    sys.exit(1 if report.failed else 0)


def register(main: click.Group) -> None:
    main.add_command(archive_group)
