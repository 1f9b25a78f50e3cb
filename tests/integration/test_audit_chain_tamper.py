"""Tampering with the stored trail (as a database administrator could) is found, naming
the first bad event: edits, deletions, reordering, truncation, and a rewrite with every
hash recomputed (caught by the signed checkpoint). On PostgreSQL the append-only trigger
is disabled first, as a superuser would."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import anyio.to_thread
import pytest
from sqlalchemy import text

from docflow.audit import Actor, record_event
from docflow.db import create_engine, create_session_factory
from docflow.evidence.chain import GENESIS_HASH, canonical_event_bytes
from docflow.migrate import upgrade
from docflow.runtime import Runtime
from docflow.services.audit_chain import check_chain
from docflow.services.audit_checkpoints import checkpoint_status, create_checkpoint
from docflow.settings import Settings

EVENTS = 8

CASES = {
    "edit": (["UPDATE audit_event SET action = 'forged.action' WHERE seq = 4"], 4),
    "edit_details": (["UPDATE audit_event SET request_id = 'other' WHERE seq = 2"], 2),
    "delete": (["DELETE FROM audit_event WHERE seq = 4"], 4),
    "reorder": (
        [
            "UPDATE audit_event SET seq = -5 WHERE seq = 5",
            "UPDATE audit_event SET seq = 5 WHERE seq = 4",
            "UPDATE audit_event SET seq = 4 WHERE seq = -5",
        ],
        4,
    ),
    "truncate_tail": (["DELETE FROM audit_event WHERE seq = 8"], 8),
}


async def _fresh_chain(engine, sessions) -> None:
    await _tamper(
        engine,
        [
            "DELETE FROM audit_checkpoint",
            "DELETE FROM audit_event",
            f"UPDATE audit_chain_head SET last_seq = 0, last_hash = '{GENESIS_HASH}'",
        ],
    )
    for i in range(EVENTS):
        async with sessions() as session:
            await record_event(
                session,
                "test.event",
                actor=Actor(user_id=i, agency_id=1),
                subject_type="document",
                subject_id=i,
                details={"n": i, "tên": "Nguyễn"},
            )
            await session.commit()


async def _tamper(engine, statements: list[str]) -> None:
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as conn:
        if postgres:
            await conn.execute(
                text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
            )
        for statement in statements:
            await conn.execute(text(statement))
        if postgres:
            await conn.execute(
                text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
            )


def _audit_verify_cli(url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCFLOW_DATABASE_URL": url, "DOCFLOW_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "docflow", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def test_tampering_is_found_naming_the_first_bad_event(
    database_url: str, tmp_path: Path
) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        await _fresh_chain(engine, sessions)
        async with sessions() as session:
            status = await check_chain(session)
        assert status.ok and status.events_checked == EVENTS
        for name, (statements, first_bad) in CASES.items():
            await _fresh_chain(engine, sessions)
            await _tamper(engine, statements)
            async with sessions() as session:
                status = await check_chain(session)
            assert not status.ok, name
            assert status.first_broken is not None and status.first_broken.seq == first_bad, (
                name,
                status.first_broken,
            )
            assert status.to_dict()["status"] == "broken"
        # the command line says the same (exit 1, the event named)
        cli = await anyio.to_thread.run_sync(_audit_verify_cli, database_url, tmp_path)
        assert cli.returncode == 1, cli.stdout + cli.stderr
        assert "BROKEN at event 8" in cli.stdout
    finally:
        await engine.dispose()


async def test_a_rewrite_with_recomputed_hashes_is_caught_by_the_signed_checkpoint(
    database_url: str, tmp_path: Path
) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)
    settings = Settings.from_env(
        {"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": database_url}
    )
    runtime = Runtime.build(settings)
    try:
        await _fresh_chain(runtime.engine, runtime.sessions)
        checkpoint = await create_checkpoint(runtime)
        assert checkpoint.seq == EVENTS
        assert (await checkpoint_status(runtime, checkpoint)).signature_valid
        ok = await anyio.to_thread.run_sync(_audit_verify_cli, database_url, tmp_path)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "status: ok" in ok.stdout
        # An administrator edits event 3 and recomputes every later hash and the head.
        from sqlmodel import select

        from docflow.models import AuditEvent

        async with runtime.session() as session:
            events = (await session.exec(select(AuditEvent).order_by(AuditEvent.seq))).all()  # type: ignore[arg-type]
        statements, previous = [], GENESIS_HASH
        for event in events:
            action = "forged.action" if event.seq == 3 else event.action
            body = canonical_event_bytes(
                event.seq,
                event.occurred_at,
                event.actor_user_id,
                event.actor_agency_id,
                action,
                event.subject_type,
                event.subject_id,
                event.request_id,
                event.details,
                previous,
            )
            digest = hashlib.sha256(previous.encode() + body).hexdigest()
            statements.append(
                f"UPDATE audit_event SET action = '{action}', prev_hash = '{previous}', "
                f"hash = 'x{event.seq}' WHERE seq = {event.seq}"
            )
            statements.append(f"UPDATE audit_event SET hash = '{digest}' WHERE seq = {event.seq}")
            previous = digest
        statements.append(f"UPDATE audit_chain_head SET last_hash = '{previous}'")
        await _tamper(runtime.engine, statements)
        async with runtime.session() as session:
            status = await check_chain(session)
        assert status.first_broken is not None, "a full rewrite went unnoticed"
        assert status.first_broken.seq <= EVENTS
        assert "checkpoint" in status.first_broken.problem
    finally:
        await runtime.dispose()


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"]
)
async def test_postgresql_trigger_refuses_edits(postgres_database, statement: str) -> None:
    url = postgres_database.url
    await anyio.to_thread.run_sync(upgrade, url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            await record_event(session, "test.event")
            await session.commit()
        async with sessions() as session:
            with pytest.raises(Exception, match="append-only"):
                await session.exec(text(statement))  # type: ignore[call-overload]
    finally:
        await engine.dispose()


async def test_interval_checkpoints_cover_new_events_only(
    database_url: str, tmp_path: Path
) -> None:
    import asyncio

    from sqlmodel import func, select

    from docflow.models import AuditCheckpoint
    from docflow.services.audit_checkpoints import run_checkpoints_every

    await anyio.to_thread.run_sync(upgrade, database_url)
    settings = Settings.from_env(
        {"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": database_url}
    )
    runtime = Runtime.build(settings)
    try:
        await _fresh_chain(runtime.engine, runtime.sessions)
        loop = asyncio.create_task(run_checkpoints_every(runtime, 0.2))
        await asyncio.sleep(2.5)  # several intervals: one checkpoint, then nothing new
        loop.cancel()
        async with runtime.session() as session:
            count = (await session.exec(select(func.count()).select_from(AuditCheckpoint))).one()
            status = await check_chain(session)
        assert count == 1
        assert status.ok and status.last_checkpoint is not None
        assert status.last_checkpoint.seq == EVENTS
    finally:
        await runtime.dispose()


async def test_the_parallel_path_for_long_chains_finds_the_same_first_bad_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long chains are hashed in worker processes, several batches in flight: force that
    path on a short chain with tiny batches."""
    import docflow.services.audit_chain as audit_chain

    url = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    await anyio.to_thread.run_sync(upgrade, url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    monkeypatch.setattr(audit_chain, "PARALLEL_FROM", 1)
    try:
        await _fresh_chain(engine, sessions)
        async with sessions() as session:
            assert (await check_chain(session, batch=3)).ok
        for name, (statements, first_bad) in CASES.items():
            await _fresh_chain(engine, sessions)
            await _tamper(engine, statements)
            async with sessions() as session:
                status = await check_chain(session, batch=3)
            assert status.first_broken is not None, name
            assert status.first_broken.seq == first_bad, (name, status.first_broken)
    finally:
        await engine.dispose()
