"""``docflow serve``, ``docflow db upgrade`` and ``docflow demo``: running the service,
its schema and its demo data."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import click

from docflow.core.errors import ConfigurationError, StartupError

__all__ = ["register"]


# --------------------------------------------------------------------------- serve


@click.command()
@click.option("--host", default=None, help="Address to bind (default DOCFLOW_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to bind (default DOCFLOW_PORT or 8000).")
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Processes serving HTTP (default DOCFLOW_WEB_WORKERS, else one per CPU core).",
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the HTTP service after checking the database, the schema and the object store.

    With several workers, each process has its own event loop and its own database pool
    (DOCFLOW_DB_POOL_SIZE + DOCFLOW_DB_POOL_OVERFLOW connections); one of them runs the
    background work unless DOCFLOW_WEB_BACKGROUND=off (``docflow.core.http.workers``)."""
    import os
    import tempfile

    from docflow.cli.startup import command_settings, preflight
    from docflow.core.http.workers import BACKGROUND_LOCK_ENV

    # Warm-up on unless asked otherwise: the serve processes inherit it (core.warm_up).
    os.environ.setdefault("DOCFLOW_WARM_UP", "on")
    settings = command_settings()
    asyncio.run(preflight(settings, store=True, schema=True))
    count = workers or settings.web_workers or os.cpu_count() or 1
    if count > 1:
        # The children inherit the environment: the lock elects the one that runs the
        # job runner and periodic loops (a lock per serve, released when it exits).
        lock = tempfile.NamedTemporaryFile(prefix="docflow-serve-", suffix=".lock")  # noqa: SIM115
        os.environ[BACKGROUND_LOCK_ENV] = lock.name
    click.echo(f"docflow serve: {count} worker process{'es' if count > 1 else ''}", err=True)
    click.echo(f"background jobs: {_who_runs_jobs(settings)}", err=True)
    if settings.warm_up:
        click.echo("warm-up: signing workers and keys in the background "
                   "(DOCFLOW_WARM_UP=off to skip)", err=True)
    options: dict[str, Any] = {
        "factory": True,
        "log_config": None,
        # Never uvicorn's X-Forwarded-For handling (it trusts 127.0.0.1 by default): the
        # app believes the header only from DOCFLOW_TRUSTED_PROXIES and validates it.
        "proxy_headers": False,
        "forwarded_allow_ips": "",
        "access_log": False,  # docflow.access logs each request with its request id
        "server_header": False,
    }
    address, number = host or settings.host, port or settings.port
    # Several workers: each accepts on a socket of its own (core.http.listeners); with
    # uvicorn's one shared socket a burst of keep-alive connections could all land in one.
    from docflow.core.http.listeners import PortUnavailable
    from docflow.core.http.listeners import serve as serve_app

    try:
        serve_app("docflow.cli.server:worker_app", host=address, port=number, workers=count,
                  **options)
    except PortUnavailable as exc:
        raise StartupError(f"cannot listen on {address}:{number} ({exc.strerror})") from exc


def worker_app() -> Any:
    """The app of one ``serve`` process (uvicorn's factory): a worker process started by
    ``--workers`` did not run the CLI, so it configures logging as the CLI does first."""
    from docflow.app import create_app
    from docflow.cli.startup import command_settings
    from docflow.core.http.listeners import end_with_parent

    end_with_parent()  # a worker of `serve --workers N` stops when serve is killed
    return create_app(command_settings())


# --------------------------------------------------------------------------- db


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema as DOCFLOW_MIGRATIONS_DATABASE_URL (the owner), then
    grant the DOCFLOW_DATABASE_URL role its rights (see docflow.core.db_roles)."""
    import dataclasses

    from docflow.cli.startup import command_settings, preflight
    from docflow.core.db import describe_error, ensure_sqlite_directory, mask_url
    from docflow.core.db_roles import grant_service_role
    from docflow.core.migrate import upgrade

    settings = command_settings()
    url = settings.migrations_database_url
    ensure_sqlite_directory(url)
    owner = dataclasses.replace(settings, database_url=url)
    asyncio.run(preflight(owner, store=False, schema=False))
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    try:
        upgrade(url, revision)
        granted = asyncio.run(grant_service_role(url, settings.database_url))
    # Edge: alembic and the driver may fail in any way; reported as one StartupError line
    # (describe_error gives the driver's error type and message).
    except Exception as exc:  # noqa: BLE001 - re-raised as StartupError with the reason
        raise StartupError(
            f"migrating the database at {mask_url(url)} failed ({describe_error(exc)})"
        ) from exc
    from docflow.core.migrate import head_revision

    reached = head_revision() if revision == "head" else revision
    click.echo(f"database at {mask_url(url)} is at revision {reached}")
    click.echo(granted)


# --------------------------------------------------------------------------- demo


@click.command()
@click.option(
    "--agencies",
    "only",
    default=None,
    help="Seed only these demo agencies, abbreviations separated by commas (e.g. "
    "UBNDVT,UBNDCT for a second deployment); default all.",
)
def demo(only: str | None) -> None:
    """Seed demo agencies and users (idempotent); prints the demo logins."""
    from docflow.cli.demo import demo_subset
    from docflow.cli.startup import command_settings

    settings = command_settings()
    if settings.is_production:
        raise ConfigurationError(
            "refusing to seed demo users in production (DOCFLOW_ENV=production); "
            "demo data is for the embedded default only"
        )
    agencies = demo_subset(only)
    report = asyncio.run(_seed(settings, agencies))
    if report.created_anything:
        for line in report.created:
            click.echo(f"created {line}")
    else:
        click.echo("demo data already present; nothing created")
    click.echo(
        f"demo users (password from DOCFLOW_DEMO_PASSWORD, default docflow-demo): "
        f"{', '.join(report.usernames)}"
    )


async def _seed(settings: Any, agencies: Any) -> Any:
    from docflow.bootstrap import build_runtime
    from docflow.cli.demo import seed_demo
    from docflow.cli.startup import preflight

    await preflight(settings, store=True, schema=True)
    runtime = build_runtime(settings)
    try:
        async with runtime.transaction() as session:
            return await seed_demo(session, settings.demo_password, agencies)
    finally:
        await runtime.dispose()


def register(main: click.Group) -> None:
    main.add_command(serve)
    main.add_command(db)
    main.add_command(demo)


def _who_runs_jobs(settings: Any) -> str:
    """One line saying where deliveries, stamps and periodic work run, so an operator
    on PostgreSQL without a worker sees why nothing is delivered."""
    if not settings.web_background:
        return "not in this service (DOCFLOW_WEB_BACKGROUND=off): run `docflow worker`"
    if settings.job_backend == "procrastinate" and not settings.serve_with_worker:
        return (
            "by `docflow worker` processes (PostgreSQL queue); start at least one, or set "
            "DOCFLOW_SERVE_WITH_WORKER=1 to run them here"
        )
    return "in one process of this service"
