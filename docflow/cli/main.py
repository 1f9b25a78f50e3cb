"""The ``docflow`` command: ``serve``, ``db upgrade``, ``demo`` (more are registered below).

A problem with the settings or with a service prints one line on stderr,
``docflow: <what is wrong>; <how to fix it>``, and exits non-zero: 2 for bad
settings, 1 for a service that does not answer. Other commands join with
``main.add_command(...)`` from ``docflow.cli.signing.register(main)``.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from docflow import __version__
from docflow.core.errors import ConfigurationError, DocflowError
from storage.errors import StorageError

__all__ = ["main"]

EXIT_SERVICE = 1
EXIT_CONFIGURATION = 2


def fail(message: str, code: int = EXIT_SERVICE) -> None:
    """Print ``docflow: <message>`` as one line on stderr and exit with ``code``."""
    one_line = " ".join(message.split())
    click.echo(f"docflow: {one_line}", err=True)
    sys.exit(code)


class DocflowGroup(click.Group):
    """Turns docflow's errors into one line on stderr instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigurationError as exc:
            fail(str(exc), EXIT_CONFIGURATION)
        except (DocflowError, StorageError) as exc:
            fail(str(exc), EXIT_SERVICE)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        # Edge: the top of every command; one line (type and message), never a traceback.
        except Exception as exc:  # noqa: BLE001 - never a bare traceback for an operator
            if os.environ.get("DOCFLOW_LOG_LEVEL", "").upper() == "DEBUG":
                traceback.print_exc()
            detail = " ".join(str(exc).split()) or exc.__class__.__name__
            fail(
                f"unexpected error ({exc.__class__.__name__}: {detail[:300]}); "
                "run with DOCFLOW_LOG_LEVEL=DEBUG for the traceback",
                EXIT_SERVICE,
            )


@click.group(cls=DocflowGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="docflow")
def main() -> None:
    """docflow: signed official documents between state agencies."""


# --------------------------------------------------------------------------- extensions

try:
    from docflow.cli.signing import register as _register_signing
except ImportError as _exc:  # only a missing module is tolerated, not a broken one
    if _exc.name != "docflow.cli.signing":
        raise
else:
    _register_signing(main)


from docflow.cli.server import register as _register_server  # noqa: E402 - after `main`

_register_server(main)

from docflow.cli.admin import register as _register_admin  # noqa: E402 - after `main`

_register_admin(main)

from docflow.cli.audit import register as _register_audit  # noqa: E402 - after `main`

_register_audit(main)

from docflow.cli.archive import register as _register_archive  # noqa: E402 - after `main`

_register_archive(main)

from docflow.cli.edxml import register as _register_edxml  # noqa: E402 - after `main`

_register_edxml(main)

from docflow.cli.peer import register as _register_peer  # noqa: E402 - after `main`

_register_peer(main)

from docflow.cli.jobs import register as _register_jobs  # noqa: E402 - after `main`

_register_jobs(main)

from docflow.cli.search import register as _register_search  # noqa: E402 - after `main`

_register_search(main)


if __name__ == "__main__":
    main(prog_name="docflow")
