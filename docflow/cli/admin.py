"""``docflow agency add`` and ``docflow user add|passwd``: the operator's administration.

Run as the operator (no signed-in person): the audit trail records them with no actor.
Bad input prints one line (``docflow: ...``) and exits non-zero.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click

__all__ = ["register"]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _run(work: Callable[[Any], Awaitable[Any]]) -> Any:
    """``work(session)`` in one transaction, committed when it returns."""
    from docflow.cli.startup import with_runtime

    async def in_transaction(runtime: Any) -> Any:
        async with runtime.transaction() as session:
            return await work(session)

    return with_runtime(in_transaction)


@click.group("agency")
def agency_group() -> None:
    """Agencies (cơ quan)."""


@agency_group.command("add")
@click.option(
    "--code",
    "codes",
    multiple=True,
    required=True,
    help="Identifier code, e.g. 000.02.00.H30 (repeatable).",
)
@click.option("--name", required=True, help="Full name in Vietnamese.")
@click.option("--abbrev", required=True, help="Abbreviation, e.g. STTTT.")
@click.option("--parent", default=None, help="Abbreviation of the parent agency.")
@click.option(
    "--seal-cert",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The agency's seal certificate (PEM file).",
)
@click.option(
    "--seal-key",
    default=None,
    help="Where the seal key lives: a PKCS#11 URI, a .p12 path, or devpki:<abbrev> (demo).",
)
def agency_add(
    codes: tuple[str, ...],
    name: str,
    abbrev: str,
    parent: str | None,
    seal_cert: str | None,
    seal_key: str | None,
) -> None:
    """Add an agency."""
    from pathlib import Path

    from docflow.accounts.agencies import create_agency

    cert_text = Path(seal_cert).read_text(encoding="utf-8", errors="replace") if seal_cert else None
    info = _run(
        lambda s: create_agency(
            s,
            None,
            codes=list(codes),
            name=name,
            abbreviation=abbrev,
            parent=parent,
            seal_key_ref=seal_key,
            seal_certificate_pem=cert_text,
        )
    )
    click.echo(f"created agency {info.abbreviation} ({', '.join(info.codes)}) {info.name}")


@click.group("user")
def user_group() -> None:
    """People (users) and their passwords."""


@user_group.command("add")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name in Vietnamese.")
@click.option("--agency", required=True, help="Abbreviation of the person's agency.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["clerk", "leader", "specialist", "auditor", "admin"]),
    help="Role (repeatable).",
)
@click.option("--department", default=None, help="Department name (created if missing).")
@click.option("--province", is_flag=True, help="Province-level admin or auditor.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
def user_add(
    username: str,
    full_name: str,
    agency: str,
    roles: tuple[str, ...],
    department: str | None,
    province: bool,
    password_stdin: bool,
) -> None:
    """Add a person to an agency."""
    from docflow.accounts.agencies import agency_by_abbreviation, department_id_for
    from docflow.accounts.users import create_user

    password = _read_password(password_stdin)

    async def work(session: Any) -> Any:
        found = await agency_by_abbreviation(session, agency)
        assert found.id is not None
        dept = await department_id_for(session, found.id, department) if department else None
        return await create_user(
            session,
            None,
            username=username,
            full_name=full_name,
            agency_id=found.id,
            roles=roles,
            password=password,
            department_id=dept,
            province_scope=province,
        )

    info = _run(work)
    click.echo(f"created user {info.username} ({info.full_name}) roles {', '.join(info.roles)}")


@user_group.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
def user_passwd(username: str, password_stdin: bool) -> None:
    """Set a person's password."""
    from docflow.accounts.users import set_password

    password = _read_password(password_stdin)
    _run(lambda s: set_password(s, None, username, password))
    click.echo(f"password of {username.strip().lower()} changed")


def register(main: click.Group) -> None:
    main.add_command(agency_group)
    main.add_command(user_group)
