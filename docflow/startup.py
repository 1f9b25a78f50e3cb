"""Checks run before a command does real work, each failing with one readable sentence.

Every function raises ``ConfigurationError`` (the settings are wrong) or
``StartupError`` (a service does not answer); the CLI prints either as one line.
"""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncEngine

from docflow.db import describe_error, mask_url, ping_database, sqlite_path
from docflow.errors import ConfigurationError, StartupError
from docflow.migrate import current_revision, head_revision
from docflow.objects import describe_store_error, open_object_store, ping_store
from docflow.settings import Settings
from storage import InvalidStorageURL, ObjectStore, StoreUnavailable

__all__ = [
    "check_database",
    "check_schema",
    "check_store",
    "load_settings",
    "open_store_or_explain",
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
    except Exception as exc:  # noqa: BLE001
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
