"""Helpers for the audit trail tests: a runtime on a fresh database and store, events, and
tampering as the database's owner would (triggers switched off, then on again)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import anyio.to_thread
from sqlalchemy import text
from sqlmodel import select

from docflow.audit.sequencer import sequence_pending
from docflow.bootstrap import build_runtime
from docflow.core.audit_append import Actor, record_event
from docflow.core.audit_digest import GENESIS_CHAIN, canonical_event_bytes, chain_next
from docflow.core.audit_models import AUDIT_TABLES, AuditEvent, AuditLog
from docflow.core.migrate import upgrade
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings


async def fresh_runtime(database_url: str, data_dir: Path) -> Runtime:
    await anyio.to_thread.run_sync(upgrade, database_url)
    settings = Settings.from_env(
        {"DOCFLOW_DATA_DIR": str(data_dir), "DOCFLOW_DATABASE_URL": database_url}
    )
    runtime = build_runtime(settings)
    await anyio.to_thread.run_sync(runtime.store.ensure_ready)
    return runtime


async def add_events(
    runtime: Runtime, count: int, start: int = 0, *, sequence: bool = True
) -> None:
    """Append ``count`` events, then sequence them (as the background sequencer would)
    unless ``sequence`` is false: those stay pending."""
    for i in range(start, start + count):
        async with runtime.session() as session:
            await record_event(
                session,
                "test.event",
                actor=Actor(user_id=i, agency_id=1),
                subject_type="document",
                subject_id=i,
                details={"n": i, "tên": "Nguyễn"},
            )
            await session.commit()
    if sequence:
        # full: tests wipe the tables behind the sequencer's back, numbers start again
        await sequence_pending(runtime, full=True)


async def as_owner(engine, statements: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Run ``statements`` with the audit tables' protections off, as their owner can."""
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        saved: list[str] = []
        if postgres:
            for table in AUDIT_TABLES:
                await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            rows = await conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            )
            for name, sql in rows.all():
                saved.append(sql)
                await conn.execute(text(f"DROP TRIGGER {name}"))
        for statement in statements:
            await conn.execute(text(statement))
        if postgres:
            for table in AUDIT_TABLES:
                await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            # Number the next event after the highest left, as SQLite's row ids do.
            await conn.execute(text(RESYNC_SEQUENCE))
        for sql in saved:
            await conn.execute(text(sql))


RESYNC_SEQUENCE = (
    "SELECT setval('audit_event_seq_seq', COALESCE(MAX(seq), 0) + 1, false) FROM audit_event"
)


async def forge_event(runtime: Runtime, seq: int, action: str) -> list[str]:
    """Statements that change event ``seq``'s action and recompute its digest and every
    later chain link: a rewrite the database alone cannot tell from the truth."""
    async with runtime.session() as session:
        events = (await session.exec(select(AuditEvent).order_by(AuditEvent.seq))).all()  # type: ignore[arg-type]
        log = (await session.exec(select(AuditLog).order_by(AuditLog.position))).all()  # type: ignore[arg-type]
    statements, chain = [], GENESIS_CHAIN
    by_seq = {e.seq: e for e in events}
    for row in log:
        event = by_seq[row.event_seq]
        digest = row.digest
        if event.seq == seq:
            body = canonical_event_bytes(
                event.occurred_at,
                event.actor_user_id,
                event.actor_agency_id,
                action,
                event.subject_type,
                event.subject_id,
                event.request_id,
                event.details,
            )
            digest = hashlib.sha256(body).hexdigest()
            statements.append(
                f"UPDATE audit_event SET action = '{action}', digest = '{digest}' "
                f"WHERE seq = {seq}"
            )
        chain = chain_next(chain, digest)
        statements.append(
            f"UPDATE audit_log SET digest = '{digest}', chain = '{chain}' "
            f"WHERE position = {row.position}"
        )
    return statements


def delete_from(position: int) -> list[str]:
    """Delete the log's rows and events from ``position`` on (as an owner could)."""
    return [
        f"DELETE FROM audit_log WHERE position >= {position}",
        f"DELETE FROM audit_event WHERE seq >= {position}",
    ]


WIPE = ["DELETE FROM audit_log", "DELETE FROM audit_event", "DELETE FROM audit_checkpoint"]
