"""Read sessions (GET and HEAD requests) on PostgreSQL: plain SELECTs run without a
transaction; the first write begins one, which commit keeps and rollback undoes."""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy import text

from docflow.core.db import AsyncSession, create_engine, create_read_session_factory
from docflow.core.migrate import upgrade
from tests.services import PostgresDatabase

INSERT = text(
    "INSERT INTO login_throttle (key, failures, last_attempt_at, refused) "
    "VALUES (:k, 0, now(), 0)"
)
XID = text("SELECT txid_current()")
COUNT = text("SELECT count(*) FROM login_throttle WHERE key = :k")


async def _xid(session: AsyncSession) -> int:
    return int((await (await session.connection()).execute(XID)).scalar_one())


async def test_reads_run_outside_a_transaction_and_writes_inside_one(
    postgres_database: PostgresDatabase,
) -> None:
    url = postgres_database.url
    await anyio.to_thread.run_sync(upgrade, url)
    engine = create_engine(url)
    reading = create_read_session_factory(engine)
    try:
        async with reading() as session:
            # Each statement its own transaction: each gets a transaction id of its own.
            first, second = [await _xid(session) for _ in range(2)]
            assert first != second
            await (await session.connection()).execute(INSERT, {"k": "undone"})
            first, second = [await _xid(session) for _ in range(2)]
            assert first == second  # the INSERT began a transaction
            await session.rollback()
        async with reading() as session:
            await (await session.connection()).execute(INSERT, {"k": "kept"})
            await session.commit()
        async with engine.connect() as conn:
            assert (await conn.execute(COUNT, {"k": "undone"})).scalar() == 0
            assert (await conn.execute(COUNT, {"k": "kept"})).scalar() == 1
        # The pool gave the connection back in its default (transactional) mode.
        async with engine.connect() as conn:
            await conn.execute(INSERT, {"k": "plain"})
            await conn.rollback()
            assert (await conn.execute(COUNT, {"k": "plain"})).scalar() == 0
    finally:
        await engine.dispose()
