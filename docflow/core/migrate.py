"""Apply the Alembic migrations from code (``docflow db upgrade``, tests, startup scripts)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from docflow.core.db import ensure_sqlite_directory
from docflow.core.settings import REPO_ROOT

__all__ = ["alembic_config", "current_revision", "downgrade", "head_revision", "upgrade"]


def migrations_directory() -> Path:
    """The ``migrations/`` directory: next to the package in a checkout, else in the cwd."""
    for candidate in (REPO_ROOT / "migrations", Path.cwd() / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(
        "the migrations/ directory was not found next to the docflow package or in the "
        "current directory"
    )


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision``; creates a SQLite file's directory.

    Blocking (it runs its own event loop): from async code call it in a worker thread.
    """
    ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at ``url`` down to ``revision``. Blocking, like ``upgrade``."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision a database is at (None when it was never migrated); use in ``run_sync``."""
    return MigrationContext.configure(connection).get_current_revision()
