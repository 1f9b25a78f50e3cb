"""The audit trail: concurrent appends stay one gapless chain; PostgreSQL refuses edits."""

from __future__ import annotations

import asyncio

import anyio.to_thread
import pytest
from sqlalchemy import text
from sqlmodel import select

from docflow.audit.chain import verify_chain
from docflow.core.audit_append import Actor, record_event
from docflow.core.audit_models import AuditEvent
from docflow.core.db import create_engine, create_session_factory
from docflow.core.migrate import upgrade


async def test_concurrent_appends_form_one_gapless_chain(database_url: str) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)

    async def append(i: int) -> None:
        async with sessions() as session:
            await record_event(session, "test.event", actor=Actor(user_id=i), details={"n": i})
            await asyncio.sleep(0.001)  # hold the transaction open a little
            await session.commit()

    try:
        await asyncio.gather(*(append(i) for i in range(20)))
        async with sessions() as session:
            report = await verify_chain(session)
            seqs = (await session.exec(select(AuditEvent.seq).order_by(AuditEvent.seq))).all()  # type: ignore[arg-type]
        assert report.intact, report
        assert list(seqs) == list(range(1, 21))
    finally:
        await engine.dispose()


async def test_postgresql_refuses_to_change_or_delete_events(postgres_database) -> None:
    url = postgres_database.url
    await anyio.to_thread.run_sync(upgrade, url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            await record_event(session, "test.event")
            await session.commit()
        for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
            async with sessions() as session:
                with pytest.raises(Exception, match="append-only"):
                    await session.exec(text(statement))  # type: ignore[call-overload]
    finally:
        await engine.dispose()
