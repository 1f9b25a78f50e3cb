"""Registers the signing commands (`docflow sign`, `docflow verify`) on the CLI group."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    try:
        from docflow.cli.sign import sign_command
    except ImportError as exc:  # only a missing module is tolerated, not a broken one
        if exc.name != "docflow.cli.sign":
            raise
    else:
        main.add_command(sign_command, "sign")
    try:
        from docflow.cli.verify import verify_command
    except ImportError as exc:
        if exc.name != "docflow.cli.verify":
            raise
    else:
        main.add_command(verify_command, "verify")
