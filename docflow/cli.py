"""The ``docflow`` command: ``serve``, ``db upgrade``, ``demo`` (more are registered below).

A problem with the settings or with a service prints one line on stderr,
``docflow: <what is wrong>; <how to fix it>``, and exits non-zero: 2 for bad
settings, 1 for a service that does not answer. Other commands join with
``main.add_command(...)`` from ``docflow.cli_signing.register(main)``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from typing import Any

import click

from docflow import __version__
from docflow.errors import ConfigurationError, DocflowError, StartupError
from docflow.settings import Settings
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


def _settings(*, production_checks: bool = True) -> Settings:
    from docflow.log import configure_logging
    from docflow.startup import load_settings

    settings = load_settings(production_checks=production_checks)
    configure_logging(settings.log_level)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    # urllib3 warns on each retry; the store reports the outcome in one sentence.
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    # Alembic's "Context impl" lines are noise except while migrating (see `db upgrade`).
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return settings


# --------------------------------------------------------------------------- serve


@main.command()
@click.option("--host", default=None, help="Address to bind (default DOCFLOW_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to bind (default DOCFLOW_PORT or 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Run the HTTP service after checking the database, the schema and the object store."""
    import uvicorn

    settings = _settings()
    asyncio.run(_preflight(settings, store=True, schema=True))
    uvicorn.run(
        "docflow.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        # Never uvicorn's X-Forwarded-For handling (it trusts 127.0.0.1 by default): the
        # app believes the header only from DOCFLOW_TRUSTED_PROXIES and validates it.
        proxy_headers=False,
        forwarded_allow_ips="",
        access_log=False,  # docflow.access logs each request with its request id
        server_header=False,
    )


async def _preflight(settings: Settings, *, store: bool, schema: bool) -> None:
    from docflow.db import create_engine
    from docflow.startup import check_database, check_schema, check_store, open_store_or_explain

    object_store = open_store_or_explain(settings)  # a bad URL is found before any I/O
    engine = create_engine(settings.database_url)
    try:
        await check_database(settings, engine, must_exist=schema)
        if schema:
            await check_schema(settings, engine)
    finally:
        await engine.dispose()
    if store:
        await check_store(settings, object_store)


# --------------------------------------------------------------------------- db


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema as DOCFLOW_MIGRATIONS_DATABASE_URL (the owner), then
    grant the DOCFLOW_DATABASE_URL role its rights (see docflow.db_roles)."""
    import dataclasses

    from docflow.db import describe_error, ensure_sqlite_directory, mask_url
    from docflow.db_roles import grant_service_role
    from docflow.migrate import upgrade

    settings = _settings()
    url = settings.migrations_database_url
    ensure_sqlite_directory(url)
    owner = dataclasses.replace(settings, database_url=url)
    asyncio.run(_preflight(owner, store=False, schema=False))
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    try:
        upgrade(url, revision)
        granted = asyncio.run(grant_service_role(url, settings.database_url))
    except Exception as exc:
        raise StartupError(
            f"migrating the database at {mask_url(url)} failed ({describe_error(exc)})"
        ) from exc
    from docflow.migrate import head_revision

    reached = head_revision() if revision == "head" else revision
    click.echo(f"database at {mask_url(url)} is at revision {reached}")
    click.echo(granted)


# --------------------------------------------------------------------------- demo


@main.command()
def demo() -> None:
    """Seed demo agencies and users (idempotent); prints the demo logins."""
    settings = _settings()
    if settings.is_production:
        raise ConfigurationError(
            "refusing to seed demo users in production (DOCFLOW_ENV=production); "
            "demo data is for the embedded default only"
        )
    report = asyncio.run(_seed(settings))
    if report.created_anything:
        for line in report.created:
            click.echo(f"created {line}")
    else:
        click.echo("demo data already present; nothing created")
    click.echo(
        f"demo users (password from DOCFLOW_DEMO_PASSWORD, default docflow-demo): "
        f"{', '.join(report.usernames)}"
    )


async def _seed(settings: Settings) -> Any:
    from docflow.demo import seed_demo
    from docflow.runtime import Runtime

    await _preflight(settings, store=True, schema=True)
    runtime = Runtime.build(settings)
    try:
        async with runtime.session() as session:
            return await seed_demo(session, settings.demo_password)
    finally:
        await runtime.dispose()


# --------------------------------------------------------------------------- extensions

try:
    from docflow.cli_signing import register as _register_signing
except ImportError as _exc:  # only a missing module is tolerated, not a broken one
    if _exc.name != "docflow.cli_signing":
        raise
else:
    _register_signing(main)


from docflow.cli_admin import register as _register_admin  # noqa: E402 - after `main`

_register_admin(main)

from docflow.cli_audit import register as _register_audit  # noqa: E402 - after `main`

_register_audit(main)

from docflow.cli_archive import register as _register_archive  # noqa: E402 - after `main`

_register_archive(main)


if __name__ == "__main__":
    main(prog_name="docflow")
