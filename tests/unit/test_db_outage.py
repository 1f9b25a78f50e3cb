"""Which failures count as "the database is away" (503 and a retry, not a 500), and the
back-off of the background loops while it is (no server needed: a refused connect to a
free port is the real thing)."""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg
import pytest
from sqlalchemy import exc as sa

from docflow.core.db_outage import Reconnect, is_connection_error
from tests.services import free_port


def _wrapped(cls: type[sa.DBAPIError], orig: BaseException, **kw: bool) -> sa.DBAPIError:
    return cls("SELECT 1", {}, orig, **kw)


@pytest.mark.parametrize(
    "exc",
    [
        _wrapped(sa.OperationalError, Exception("server closed the connection unexpectedly")),
        _wrapped(sa.InterfaceError, Exception("connection is closed")),
        _wrapped(sa.DBAPIError, Exception("terminating connection"), connection_invalidated=True),
        _wrapped(sa.DBAPIError, asyncpg.AdminShutdownError("terminating connection")),
        sa.TimeoutError("QueuePool limit of size 10 overflow 5 reached"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        asyncpg.exceptions.PostgresConnectionError("connection failure"),
        _wrapped(sa.OperationalError, sqlite3.OperationalError("database is locked")),
    ],
    ids=lambda e: type(e).__name__,
)
def test_connection_errors_are_told_apart(exc: BaseException) -> None:
    assert is_connection_error(exc)


@pytest.mark.parametrize(
    "exc",
    [
        _wrapped(sa.IntegrityError, asyncpg.UniqueViolationError("duplicate key")),
        _wrapped(sa.ProgrammingError, asyncpg.UndefinedTableError("no such table")),
        _wrapped(sa.DBAPIError, asyncpg.QueryCanceledError("statement timeout")),
        _wrapped(sa.OperationalError, sqlite3.OperationalError("no such table: document")),
        ConnectionRefusedError(111, "Connection refused"),  # not from a database driver
        OSError("No space left on device"),
        ValueError("bad input"),
    ],
    ids=lambda e: f"{type(e).__name__}:{e}"[:40],
)
def test_other_failures_are_not_connection_errors(exc: BaseException) -> None:
    assert not is_connection_error(exc)


def test_a_refused_connect_is_one_and_so_is_what_it_caused() -> None:
    async def connect() -> None:
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/x", timeout=5)

    with pytest.raises(OSError) as refused:
        asyncio.run(connect())
    assert is_connection_error(refused.value)
    try:
        raise RuntimeError("could not load the page") from refused.value
    except RuntimeError as caused:
        assert is_connection_error(caused)


def test_the_back_off_doubles_up_to_its_cap_and_starts_over_after_success() -> None:
    reconnect = Reconnect("test loop")
    delays = []
    for _ in range(7):
        reconnect.failures += 1
        delays.append(reconnect.delay())
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    reconnect.succeeded()
    reconnect.failures += 1
    assert reconnect.delay() == 1


def test_waiting_ends_early_when_stopped() -> None:
    async def run() -> float:
        stop = asyncio.Event()
        stop.set()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await Reconnect("test loop", first=30).wait(ConnectionRefusedError(), stop)
        return loop.time() - started

    assert asyncio.run(run()) < 1
