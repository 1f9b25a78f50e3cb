"""Checks run before a command does real work, each failing with one readable sentence.

Every function raises ``ConfigurationError`` (the settings are wrong) or
``StartupError`` (a service does not answer); the CLI prints either as one line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncEngine

from docflow.core.db import describe_error, mask_url, ping_database, sqlite_path
from docflow.core.errors import ConfigurationError, StartupError
from docflow.core.migrate import current_revision, head_revision
from docflow.core.objects import describe_store_error, open_object_store, ping_store
from docflow.core.settings import Settings
from storage import InvalidStorageURL, ObjectStore, StoreUnavailable

if TYPE_CHECKING:
    from docflow.core.runtime import Runtime

T = TypeVar("T")

__all__ = [
    "check_database",
    "check_schema",
    "check_store",
    "command_settings",
    "load_settings",
    "open_store_or_explain",
    "preflight",
    "with_runtime",
]


def load_settings(*, production_checks: bool = True) -> Settings:
    """Settings from the environment; in production also refuse unsafe ones."""
    settings = Settings.from_env()
    if production_checks and settings.is_production:
        problems = settings.production_problems()
        if problems:
            raise ConfigurationError(
                ["refusing to run in production (DOCFLOW_ENV=production):", *problems]
            )
    return settings


def open_store_or_explain(settings: Settings) -> ObjectStore:
    """The store of ``settings.storage_url``, or a ``ConfigurationError`` saying how to fix it."""
    try:
        return open_object_store(settings.storage_url)
    except InvalidStorageURL as exc:
        # The storage package's message names the URL (secret masked) and the accepted forms.
        raise ConfigurationError(f"DOCFLOW_STORAGE_URL is not usable: {exc}") from exc


async def check_store(settings: Settings, store: ObjectStore) -> None:
    """Make the store ready (directories, bucket) and ping it."""
    where = mask_url(settings.storage_url)
    try:
        with anyio.fail_after(30):
            await anyio.to_thread.run_sync(store.ensure_ready, abandon_on_cancel=True)
        await ping_store(store)
    except StoreUnavailable as exc:
        # The storage package's sentence already says what is wrong and what to check.
        raise StartupError(f"{exc} (DOCFLOW_STORAGE_URL is {where})") from exc
    # Edge: a probe of an outside service; whatever fails, the operator gets the reason
    # (type and message) and the same advice.
    except Exception as exc:  # noqa: BLE001 - every failure gets the same advice
        hint = (
            "check DOCFLOW_DATA_DIR or DOCFLOW_STORAGE_URL"
            if settings.storage_url.startswith("file:")
            else "start MinIO (or your S3 server) or set DOCFLOW_STORAGE_URL"
        )
        raise StartupError(
            f"cannot reach the object store at {where} ({describe_store_error(exc)}); {hint}"
        ) from exc


async def check_database(
    settings: Settings, engine: AsyncEngine, *, must_exist: bool = True
) -> None:
    """``SELECT 1`` on the database, or a ``StartupError`` saying what to do.

    With ``must_exist``, a SQLite file that is not there yet is an error (connecting
    would create an empty one) rather than something to create.
    """
    path = sqlite_path(settings.database_url)
    if must_exist and path is not None and not path.exists():
        raise StartupError(
            f"the SQLite database {path} does not exist yet; run `docflow db upgrade` "
            "(or check DOCFLOW_DATA_DIR and DOCFLOW_DATABASE_URL)"
        )
    try:
        await ping_database(engine)
    # Edge: a probe of the database; the driver's reason (type and message) picks the advice.
    except Exception as exc:  # noqa: BLE001 - re-raised as StartupError with the reason
        reason = describe_error(exc)
        if path is not None:
            raise StartupError(
                f"cannot open the SQLite database {path} ({reason}); "
                "check DOCFLOW_DATA_DIR or DOCFLOW_DATABASE_URL"
            ) from exc
        if "does not exist" in reason:
            hint = "create it (createdb) or set DOCFLOW_DATABASE_URL"
        elif "authentication" in reason or "password" in reason:
            hint = "fix the user or password in DOCFLOW_DATABASE_URL"
        else:
            hint = "start PostgreSQL or set DOCFLOW_DATABASE_URL"
        raise StartupError(
            f"cannot reach the database at {mask_url(settings.database_url)} ({reason}); {hint}"
        ) from exc


async def check_schema(settings: Settings, engine: AsyncEngine) -> None:
    """The database is migrated to the revision this code expects."""
    async with engine.connect() as conn:
        current = await conn.run_sync(current_revision)
    head = head_revision()
    if current == head:
        return
    where = mask_url(settings.database_url)
    if current is None:
        raise StartupError(
            f"the database at {where} has no docflow schema yet; run `docflow db upgrade`"
        )
    raise StartupError(
        f"the database at {where} is at revision {current}, this docflow needs {head}; "
        "run `docflow db upgrade`"
    )


def command_settings(*, production_checks: bool = True) -> Settings:
    """Settings for a command, with logging configured (quiet libraries)."""
    from docflow.core.log import configure_logging

    settings = load_settings(production_checks=production_checks)
    configure_logging(settings.log_level)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    # urllib3 warns on each retry; the store reports the outcome in one sentence.
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    # Alembic's "Context impl" lines are noise except while migrating (see `db upgrade`).
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return settings


async def preflight(settings: Settings, *, store: bool, schema: bool) -> None:
    """The database answers (and, with ``schema``, is migrated); with ``store``, the
    object store answers. Each failure is one readable sentence."""
    from docflow.core.db import create_engine

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


def with_runtime(work: Callable[[Runtime], Awaitable[T]], *, store: bool = False) -> T:
    """Run ``work(runtime)`` for a command: settings, preflight, the runtime, disposed
    after. ``work`` owns its transactions (``runtime.transaction()``)."""
    from docflow.bootstrap import build_runtime

    settings = command_settings()

    async def go() -> T:
        await preflight(settings, store=store, schema=True)
        runtime = build_runtime(settings)
        try:
            return await work(runtime)
        finally:
            await runtime.dispose()

    return asyncio.run(go())
