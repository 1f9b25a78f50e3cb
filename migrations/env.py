"""Alembic environment: async engine, SQLModel metadata, batch mode on SQLite.

The URL is, in order: ``config.attributes["url"]`` (``docflow.core.migrate``), then
``sqlalchemy.url`` if set, then the docflow settings (``DOCFLOW_DATABASE_URL``).
A caller may also pass an open sync connection as ``config.attributes["connection"]``.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from docflow.bootstrap import register_tables
from docflow.core.db import create_engine

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

register_tables()
target_metadata = SQLModel.metadata


def database_url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    from docflow.core.settings import Settings

    return Settings.from_env().database_url


def _not_procrastinate(name: str | None, type_: str, parent_names: object) -> bool:
    """procrastinate's queue tables (0013) are its own schema, not docflow's models."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def configure(connection: Connection | None = None, url: str | None = None) -> None:
    dialect = connection.dialect.name if connection is not None else (url or "").split(":")[0]
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=dialect.startswith("sqlite"),
        compare_type=True,
        literal_binds=connection is None,
        include_name=_not_procrastinate,
    )


def do_run_migrations(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    configure(url=database_url())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    asyncio.run(run_async_migrations(database_url()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
