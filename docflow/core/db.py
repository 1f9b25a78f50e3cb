"""Database engine and sessions (SQLAlchemy async; SQLite or PostgreSQL).

One engine per process (built by ``create_app`` or the CLI); sessions come from
``create_session_factory(engine)`` and are SQLModel ``AsyncSession``s.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.dialects.postgresql.asyncpg import PGCompiler_asyncpg
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import NullType
from sqlalchemy.util import await_only
from sqlmodel.ext.asyncio.session import AsyncSession

from docflow.core.db_outage import describe_error, is_connection_error, mark_disconnects
from docflow.core.errors import ConfigurationError
from docflow.core.settings import Settings

__all__ = [
    "AsyncSession",
    "create_engine",
    "create_read_session_factory",
    "create_session_factory",
    "describe_error",
    "ensure_sqlite_directory",
    "fetch_on_driver",
    "mask_url",
    "ping_database",
    "pool_options",
    "release_after_reading",
    "sqlite_path",
]

#: Seconds to wait for a database connection before calling it unreachable.
CONNECT_TIMEOUT = 5.0
#: PostgreSQL connections kept per process, and how many more a burst may open, unless
#: DOCFLOW_DB_POOL_SIZE / DOCFLOW_DB_POOL_OVERFLOW say otherwise (``pool_options``). With
#: ``docflow serve --workers N`` every worker has its own pool: N x instances x (size +
#: overflow) plus the background worker's must stay below PostgreSQL's max_connections
#: (default 100; 2 instances x 2 workers x 15 + 17 = 77). No overflow by default: an
#: overflow connection is closed when given back, so under steady load beyond the pool
#: every such request opened a new connection (TLS handshake, a server process forked):
#: the same 15 kept open cost less.
POOL_SIZE = 15
POOL_OVERFLOW = 0


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


def pool_options(settings: Settings) -> dict[str, int]:
    """The pool of one process as the settings size it (PostgreSQL; SQLite has no pool)."""
    if not settings.database_url.startswith("postgresql"):
        return {}
    return {"pool_size": settings.db_pool_size, "max_overflow": settings.db_pool_overflow}


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
    # PostgreSQL: a connection idle for a while is checked when taken (``_ping_if_idle``);
    # asyncpg's pre-ping is BEGIN, a query and ROLLBACK on every checkout.
    options: dict[str, Any] = {"pool_pre_ping": backend != "postgresql"}
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
    else:
        if engine.dialect.driver == "asyncpg":  # the compiler it extends is asyncpg's
            engine.sync_engine.dialect.statement_compiler = LiteralLimitCompiler
        # A connection that broke mid-request is thrown away with every pooled one
        # opened before it (a restarted server killed them all), not handed out again.
        event.listen(engine.sync_engine, "handle_error", mark_disconnects)
        if not options["pool_pre_ping"]:
            event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
            event.listen(engine.sync_engine.pool, "checkin", _note_checkin)
    return engine


class LiteralLimitCompiler(PGCompiler_asyncpg):
    """PostgreSQL statements with their ``LIMIT`` and ``OFFSET`` written in as numbers.

    SQLAlchemy sends them as parameters. With ``LIMIT $n`` PostgreSQL cannot cost a
    generic plan (it assumes a tenth of the rows), keeps planning the prepared statement
    anew on every execution, and the planning cost more than running it: the inbox page
    took 350 µs of the server's time instead of 210. Written in (at execution, so
    SQLAlchemy's compiled-statement cache still holds one entry per query), each limit
    gets a prepared statement whose plan PostgreSQL keeps."""

    def limit_clause(self, select: Any, **kw: Any) -> str:
        clauses = (select._limit_clause, select._offset_clause)
        if not any(isinstance(getattr(c, "type", None), NullType) for c in clauses):
            # (A bindparam() without a type cannot be written in: left a parameter.)
            kw = {**kw, "literal_execute": True}
        return str(super().limit_clause(select, **kw))  # type: ignore[no-untyped-call]


#: A pooled connection idle longer than this is pinged before use (a restarted server
#: or a dropped network leaves dead ones behind); busy ones are not pinged at all.
PING_AFTER_IDLE = 10.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: take a fresh connection
        # The pool discards this connection and checks out (or opens) another.
        raise DisconnectionError(describe_error(exc)) from exc


#: How long a new connection keeps trying to switch a fresh SQLite file to WAL.
WAL_SWITCH_SECONDS = 30.0


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode (it stays so). Only a file still in its first mode needs
    the switch, which takes the whole file: SQLite refuses it at once, without waiting
    out the busy timeout, when another connection writes or switches at that moment (an
    app's first connections opening together on a new file), so it is tried again."""
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # the driver's OperationalError, wrapped by the adapter
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            # Called inside SQLAlchemy's async bridge: wait on the event loop, not block it.
            await_only(asyncio.sleep(0.02))


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # SQLite ignores foreign keys unless asked, per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers work while one writer commits.
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to ``engine``; objects stay usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that normally only read (GET, HEAD): no BEGIN and ROLLBACK
    round trips around their queries.

    On PostgreSQL the connection runs in autocommit (each query its own snapshot, as under
    READ COMMITTED anyway) until a statement that writes or locks (anything but a plain
    ``SELECT``: ``INSERT``, ``UPDATE``, ``FOR UPDATE``, advisory locks, ``nextval``): that
    one begins a transaction, which the session commits or rolls back like any other, so
    a read that also records something (a refusal's audit event) stays one unit of work
    from its first write on. SQLite (no round trips to save): the ordinary factory.
    """
    if engine.dialect.name != "postgresql":
        return create_session_factory(engine)
    reading = engine.execution_options(isolation_level="AUTOCOMMIT")
    event.listen(reading.sync_engine, "before_cursor_execute", _begin_before_writing)
    return async_sessionmaker(reading, class_=AsyncSession, expire_on_commit=False)


_LOCKING = (" FOR UPDATE", " FOR SHARE", " FOR NO KEY", " FOR KEY SHARE", "PG_ADVISORY",
            "NEXTVAL(", "SETVAL(", "PG_NOTIFY(")


@functools.lru_cache(maxsize=4096)
def reads_only(statement: str) -> bool:
    """Whether ``statement`` is a plain ``SELECT`` that neither writes nor locks."""
    if statement.lstrip()[:6].upper() != "SELECT":
        return False
    upper = statement.upper()
    return not any(word in upper for word in _LOCKING)


def _begin_before_writing(
    conn: Any, _cursor: Any, statement: str, *_args: Any
) -> None:
    if reads_only(statement):
        return
    adapted = conn.connection.dbapi_connection  # SQLAlchemy's asyncpg adapter
    if getattr(adapted, "isolation_level", None) == "autocommit":
        # The adapter begins a transaction before the next statement (this one) unless
        # it is in autocommit; the session's commit or rollback ends it, and the pool's
        # reset on return puts the connection's default isolation back.
        adapted.isolation_level = None


async def fetch_on_driver(conn: AsyncConnection, sql: str, *args: Any) -> Sequence[Any]:
    """The rows of ``sql`` (asyncpg's ``$1`` placeholders) run straight on the asyncpg
    connection under ``conn``: for the few statements every request runs, SQLAlchemy's
    execution and result set-up cost about as much CPU as asyncpg's whole round trip.

    For plain reads only: the autocommit hook (``_begin_before_writing``) never sees
    these statements, and one may be sent twice. Same connection, so the same
    transaction or autocommit read as the session's other statements. After a connection
    error the statement goes once more through SQLAlchemy, so a dead connection fails
    there, through the engine's ``handle_error`` hook that throws away every pooled
    connection opened before it (``mark_disconnects``), not only this one.

    A connection error is one ``is_connection_error`` names, or any failure after which
    asyncpg closed the connection: SQLAlchemy's dialect takes the same for a disconnect.
    (A statement sent after a backend's last "terminating connection" message was read
    but before its socket's end fails with asyncpg's InternalClientError, and asyncpg
    closes the connection then.)"""
    driver: Any = (await conn.get_raw_connection()).driver_connection
    try:
        rows: Sequence[Any] = await driver.fetch(sql, *args)
    except Exception as exc:
        if not (is_connection_error(exc) or driver.is_closed()):
            raise
        return (await conn.exec_driver_sql(sql, args)).all()
    return rows


async def ping_database(engine: AsyncEngine, timeout: float = CONNECT_TIMEOUT) -> None:
    """Run ``SELECT 1``; raise whatever the driver raises (or ``TimeoutError``)."""

    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.wait_for(probe(), timeout=timeout)


async def release_after_reading(session: AsyncSession) -> None:
    """End a unit of work's reading stretch so its connection goes back to the pool
    before slow work outside the database (signing workers, the object store); the
    session takes a connection again at its next statement.

    Only where the unit has *read* so far and nothing it does later relies on a lock or
    a snapshot of that stretch (a check of permissions and names before an insert):
    under load, a request holding an idle transaction while it queues for a signing
    worker starves every other request of connections. Refuses (``RuntimeError``) if
    the session holds changes not yet written. Objects loaded stay usable
    (``expire_on_commit=False``)."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("release_after_reading: the session holds unwritten changes")
    await session.commit()
