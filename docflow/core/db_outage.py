"""The database away: which failures mean "cannot reach PostgreSQL right now", how the
engine drops every pooled connection when one of them breaks, and how a background
loop waits for the database to come back.

``is_connection_error`` is the one definition the HTTP layer (503, nothing changed, try
again), the pool (``mark_disconnects``) and the background loops (the job worker, the
audit sequencer) share. A refused constraint, a bad statement or a missing table are
not connection errors: they stay what they were (a handled refusal or a logged 500).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import asyncpg.exceptions as pg
from sqlalchemy import exc as sa

__all__ = ["Reconnect", "describe_error", "is_connection_error", "mark_disconnects"]

logger = logging.getLogger("docflow.db")

#: SQLAlchemy's and asyncpg's own errors that say the connection is gone, or cannot be
#: had yet.
_CONNECTION_CLASSES: tuple[type[BaseException], ...] = (
    sa.TimeoutError,  # no pooled connection came free in time
    sa.DisconnectionError,  # the idle-connection ping failed
    pg.PostgresConnectionError,  # SQLSTATE class 08, ConnectionDoesNotExistError among them
    pg.InterfaceError,  # "connection is closed", raised by the client side
    pg.CannotConnectNowError,  # the server is starting up or shutting down
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.TooManyConnectionsError,
)
#: Code whose ``OSError`` (refused, reset, timed out, unknown host) is a database's.
_DRIVERS = ("asyncpg", "psycopg", "psycopg_pool")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, the driver error SQLAlchemy wraps (``orig``), and their causes."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(
            e
            for e in (getattr(current, "orig", None), current.__cause__, current.__context__)
            if isinstance(e, BaseException)
        )


def _raised_by_driver(exc: BaseException) -> bool:
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.split(".", 1)[0] in _DRIVERS:
            return True
        tb = tb.tb_next
    return False


def _sqlite_schema_problem(exc: BaseException) -> bool:
    # SQLite says "no such table" or "syntax error" with an OperationalError too.
    orig = getattr(exc, "orig", None)
    message = str(orig)
    return isinstance(orig, sqlite3.OperationalError) and (
        message.startswith("no such") or "syntax error" in message
    )


def _one_is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, sa.DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, (sa.OperationalError, sa.InterfaceError)):
            return not _sqlite_schema_problem(exc)
        return False
    if isinstance(exc, _CONNECTION_CLASSES):
        return True
    psycopg: Any = sys.modules.get("psycopg")  # procrastinate's driver, if it ever loaded
    if psycopg is not None and isinstance(exc, psycopg.OperationalError):
        return not isinstance(exc, psycopg.errors.QueryCanceled)
    return isinstance(exc, OSError) and _raised_by_driver(exc)


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps or was raised from) says the database cannot be
    reached or the connection broke: retrying later may work, and the transaction it
    happened in did not commit."""
    return any(_one_is_connection_error(e) for e in _chain(exc))


def mark_disconnects(context: Any) -> None:
    """SQLAlchemy ``handle_error`` hook (PostgreSQL engines): a connection error the
    dialect did not take for a disconnect (e.g. "terminating connection due to
    administrator command", raised before the socket closed) is one too, so the pool
    throws that connection and every other one opened before it away instead of
    handing dead connections to the next requests."""
    if not context.is_disconnect and is_connection_error(context.original_exception):
        context.is_disconnect = True


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


async def pause(seconds: float, stop: asyncio.Event | None = None) -> None:
    """Sleep ``seconds``, or less once ``stop`` is set: a background loop's wait that a
    shutdown ends at once (it then stops between two pieces of work, never in one)."""
    if stop is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


@dataclass
class Reconnect:
    """How a background loop (``what``) waits for the database: 1, 2, 4 … ``cap`` seconds
    between tries, one log line per failed try, the count reset once a try lasted."""

    what: str
    first: float = 1.0
    cap: float = 30.0
    failures: int = 0

    def delay(self) -> float:
        return float(min(self.cap, self.first * 2 ** max(0, self.failures - 1)))

    async def wait(self, exc: BaseException | None, stop: asyncio.Event | None = None) -> None:
        """Log why ``what`` lost the database and sleep the next delay (or until ``stop``)."""
        self.failures += 1
        delay = self.delay()
        why = describe_error(exc) if exc is not None else "it stopped"
        logger.warning("%s lost the database (%s); trying again in %.0f s", self.what, why, delay)
        await pause(delay, stop)

    def succeeded(self) -> None:
        if self.failures:
            logger.warning("%s reached the database again", self.what)
        self.failures = 0
