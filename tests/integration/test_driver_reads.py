"""Statements run straight on asyncpg (``fetch_on_driver``: the sign-in check's revision
read and the first inbox page) behave like SQLAlchemy's: the same rows, the same
errors, and a server restart under the pool costs one failed statement, not one per
pooled connection, whatever instant of the restart the statement meets."""

from __future__ import annotations

import asyncio
import struct

import asyncpg
import pytest
from sqlalchemy import exc as sa

from docflow.accounts.principal_cache import read_revision
from docflow.core.db import create_engine, fetch_on_driver
from docflow.core.db_outage import is_connection_error
from docflow.core.migrate import upgrade
from tests.services import PostgresDatabase

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


_OTHERS = "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()"


async def _terminate_others(url: str) -> int:
    """Every other backend of the database ended, as a restart ends them, and gone."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        ended = int(await conn.fetchval(f"SELECT count(pg_terminate_backend(pid)) {_OTHERS}"))
        # pg_terminate_backend only signals. Until a backend has exited, the client may
        # hold its "terminating connection" message without the socket's end, and
        # asyncpg then refuses a statement with InternalClientError ("another operation
        # is in progress"), whichever way it is sent.
        for _ in range(100):
            if not await conn.fetchval(f"SELECT count(*) {_OTHERS}"):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)  # and the clients' event loop has read the sockets' end
        return ended
    finally:
        await conn.close()


async def test_rows_and_plain_errors_are_asyncpg_s_own(
    postgres_database: PostgresDatabase,
) -> None:
    await asyncio.to_thread(upgrade, postgres_database.url)
    engine = create_engine(postgres_database.url)
    try:
        async with engine.connect() as conn:
            rows = await fetch_on_driver(conn, "SELECT $1::int + 1, $2::text", 41, "x")
            assert [tuple(r) for r in rows] == [(42, "x")]
            # The revision the sign-in check keys its cache on, read both ways.
            via_sqlalchemy = (
                await conn.exec_driver_sql("SELECT n FROM auth_revision WHERE id = 1")
            ).scalar_one()
            assert await read_revision(conn) == via_sqlalchemy
            # A bad statement is not a lost connection: raised as it is; it spoils the
            # transaction SQLAlchemy began, as any failed statement does, and the
            # session's rollback puts the connection right.
            with pytest.raises(asyncpg.exceptions.UndefinedTableError) as err:
                await fetch_on_driver(conn, "SELECT * FROM no_such_table")
            assert not is_connection_error(err.value)
            await conn.rollback()
            assert [tuple(r) for r in await fetch_on_driver(conn, "SELECT 1")] == [(1,)]
    finally:
        await engine.dispose()


async def test_a_restart_under_the_pool_fails_one_statement_then_every_connection_is_fresh(
    postgres_database: PostgresDatabase,
) -> None:
    engine = create_engine(postgres_database.url)
    try:
        # Three pooled connections, idle in the pool (busy ones are not pinged on checkout).
        held = [await engine.connect() for _ in range(3)]
        for conn in held:
            await fetch_on_driver(conn, "SELECT 1")
        for conn in held:
            await conn.close()
        assert await _terminate_others(postgres_database.url) >= 3

        async with engine.connect() as conn:
            with pytest.raises(sa.DBAPIError) as err:
                await fetch_on_driver(conn, "SELECT 1")
        # Failed through SQLAlchemy's handle_error hook: a 503 for the request, and the
        # pool threw away every connection opened before (mark_disconnects).
        assert is_connection_error(err.value)

        together = [await engine.connect() for _ in range(3)]
        try:
            for conn in together:
                assert [tuple(r) for r in await fetch_on_driver(conn, "SELECT 1")] == [(1,)]
        finally:
            for conn in together:
                await conn.close()
    finally:
        await engine.dispose()


def _backend_s_last_words() -> bytes:
    """The ErrorResponse a backend sends as a restart (or pg_terminate_backend) ends it,
    just before it closes the socket."""
    fields = (
        (b"S", b"FATAL"),
        (b"V", b"FATAL"),
        (b"C", b"57P01"),
        (b"M", b"terminating connection due to administrator command"),
    )
    body = b"".join(code + text + b"\0" for code, text in fields) + b"\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


@pytest.mark.parametrize("through", ["asyncpg", "sqlalchemy"])
async def test_a_statement_sent_between_a_backend_s_last_message_and_its_end_is_a_lost_connection(
    postgres_database: PostgresDatabase, through: str
) -> None:
    # The instant a restart's FATAL message has been read and the socket's end not yet:
    # asyncpg then refuses any statement with InternalClientError ("another operation
    # (2) is in progress") and closes the connection. SQLAlchemy's dialect took that for
    # a disconnect; fetch_on_driver raised it as it was, and the sign-in check answered
    # 500 in CI. Both ways it is a lost connection (503, the pool started over).
    engine = create_engine(postgres_database.url)
    try:
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            before = driver.get_server_pid()
            driver._protocol.data_received(_backend_s_last_words())
            with pytest.raises(sa.DBAPIError) as err:
                if through == "asyncpg":
                    await fetch_on_driver(conn, "SELECT 1")
                else:
                    await conn.exec_driver_sql("SELECT 1")
        assert is_connection_error(err.value)
        assert err.value.connection_invalidated  # the engine's hook took it for a disconnect

        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver.get_server_pid() != before
            assert [tuple(r) for r in await fetch_on_driver(conn, "SELECT 1")] == [(1,)]
    finally:
        await engine.dispose()
