"""Database engine and sessions (SQLAlchemy async; SQLite or PostgreSQL).

One engine per process (built by ``create_app`` or the CLI); sessions come from
``create_session_factory(engine)`` and are SQLModel ``AsyncSession``s.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from docflow.core.errors import ConfigurationError

__all__ = [
    "AsyncSession",
    "create_engine",
    "create_session_factory",
    "describe_error",
    "ensure_sqlite_directory",
    "mask_url",
    "ping_database",
    "sqlite_path",
]

#: Seconds to wait for a database connection before calling it unreachable.
CONNECT_TIMEOUT = 5.0
#: PostgreSQL connections kept per process, and how many more a burst may open.
POOL_SIZE = 20
POOL_OVERFLOW = 20


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"DOCFLOW_DATABASE_URL {mask_url(url)!r} is not a database URL ({exc}); use "
            "sqlite+aiosqlite:///path/docflow.db or postgresql+asyncpg://user:pass@host/db."
        ) from exc


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (safe to print and log)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        # Not a SQLAlchemy URL: mask a userinfo password by hand.
        scheme, sep, rest = url.partition("://")
        if not sep or "@" not in rest.split("/", 1)[0]:
            return url
        userinfo, at, hostpart = rest.partition("@")
        user = userinfo.split(":", 1)[0]
        return f"{scheme}://{user}:***@{hostpart}" if ":" in userinfo else url
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = _parse(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def ensure_sqlite_directory(url: str) -> None:
    """Create the directory of a SQLite database file if it is missing."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets foreign keys and WAL switched on."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"DOCFLOW_DATABASE_URL {mask_url(url)!r} names the {backend!r} database; "
            "docflow runs on SQLite (sqlite+aiosqlite://) or PostgreSQL (postgresql+asyncpg://)."
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    if backend == "sqlite" and parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    options: dict[str, Any] = {"pool_pre_ping": True}
    if backend == "postgresql":
        options["connect_args"] = {"timeout": CONNECT_TIMEOUT}
        # Enough connections for a few dozen concurrent requests (one each) without
        # queueing on the pool: SQLAlchemy's default is 5 (+10 overflow).
        options["pool_size"] = POOL_SIZE
        options["max_overflow"] = POOL_OVERFLOW
    else:
        options["connect_args"] = {"timeout": 30}  # seconds to wait on a locked database
    options.update(kwargs)
    engine = create_async_engine(parsed, **options)
    if backend == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # SQLite ignores foreign keys unless asked, per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers work while one writer commits.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to ``engine``; objects stay usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def ping_database(engine: AsyncEngine, timeout: float = CONNECT_TIMEOUT) -> None:
    """Run ``SELECT 1``; raise whatever the driver raises (or ``TimeoutError``)."""

    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.wait_for(probe(), timeout=timeout)


def describe_error(exc: BaseException) -> str:
    """A short, one-line reason for a database or network failure (no SQL, no URL)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    # Walk to the driver's own error: SQLAlchemy wraps it with SQL and a help link.
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            current = orig
            continue
        cause = current.__cause__ or current.__context__
        if cause is None:
            break
        current = cause
    root = current or exc
    if isinstance(exc, TimeoutError) or isinstance(root, TimeoutError):
        return "timed out"
    if isinstance(root, ConnectionRefusedError):
        return "connection refused"
    if isinstance(root, OSError) and root.strerror:
        return root.strerror.lower()
    message = str(root).strip().splitlines()[0] if str(root).strip() else ""
    if "Connect call failed" in message or "Multiple exceptions" in message:
        return "connection refused"
    return message or root.__class__.__name__
