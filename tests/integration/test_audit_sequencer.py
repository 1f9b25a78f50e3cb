"""The sequencer: concurrent appends take no lock, the sequencer chains every committed
event exactly once in a total order, and verification reports (and checks) the events
not sequenced yet: an edit or a deletion before sequencing is named."""

from __future__ import annotations

import asyncio
from pathlib import Path

import anyio.to_thread
from sqlmodel import col, select

from docflow.audit.chain import check_chain
from docflow.audit.sequencer import run_sequencer_every, sequence_pending
from docflow.audit.verify import verify_trail
from docflow.core.audit_append import Actor, record_event
from docflow.core.audit_models import AuditLog
from tests.integration.audit_support import add_events, as_owner, fresh_runtime
from tests.integration.test_audit_chain_tamper import _audit_verify_cli

EVENTS = 8


async def test_concurrent_appends_are_chained_once_each_in_one_order(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await fresh_runtime(database_url, tmp_path)
    loop = asyncio.create_task(run_sequencer_every(runtime, 0.05))

    async def writer(w: int) -> None:
        for i in range(15):
            async with runtime.sessions() as session:
                await record_event(session, "test.event", actor=Actor(user_id=w), details={"i": i})
                await asyncio.sleep(0)  # let the others (and the sequencer) in
                await session.commit()

    try:
        await asyncio.gather(*(writer(w) for w in range(8)))
        # a second sequencer (another runtime: its own lock state) races the loop
        other = await fresh_runtime(database_url, tmp_path / "other")
        try:
            await asyncio.gather(sequence_pending(runtime), sequence_pending(other, full=True))
        finally:
            await other.dispose()
        loop.cancel()
        await sequence_pending(runtime, full=True)
        async with runtime.session() as session:
            log = (await session.exec(select(AuditLog).order_by(col(AuditLog.position)))).all()
            status = await check_chain(session)
        assert [row.position for row in log] == list(range(1, 121))
        assert sorted(row.event_seq for row in log) == list(range(1, 121))
        assert status.ok and status.events_checked == 120 and status.pending.count == 0
    finally:
        loop.cancel()
        await runtime.dispose()


async def test_verify_reports_pending_events_and_sequences_them(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await fresh_runtime(database_url, tmp_path)
    try:
        await add_events(runtime, EVENTS)
        await add_events(runtime, 3, start=100, sequence=False)
        async with runtime.session() as session:
            body = (await check_chain(session)).to_dict()
        assert body["status"] == "ok", body
        assert (body["sequenced"], body["unsequenced"]) == (EVENTS, 3)
        assert body["oldest_unsequenced_age_seconds"] >= 0
        status = await verify_trail(runtime)  # sequences first
        assert status.ok and status.events_checked == EVENTS + 3 and status.pending.count == 0
        cli = await anyio.to_thread.run_sync(_audit_verify_cli, database_url, tmp_path)
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert f"chain intact up to seq {EVENTS + 3}" in cli.stdout
        assert "events not yet sequenced: 0" in cli.stdout
    finally:
        await runtime.dispose()


async def test_an_event_edited_before_sequencing_is_named(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await fresh_runtime(database_url, tmp_path)
    try:
        await add_events(runtime, EVENTS)
        await add_events(runtime, 3, start=100, sequence=False)
        await as_owner(runtime.engine, ["UPDATE audit_event SET action = 'x.y' WHERE seq = 10"])
        async with runtime.session() as session:
            status = await check_chain(session)
        assert status.first_broken is not None and status.first_broken.seq == 10
        assert "not sequenced yet" in status.first_broken.problem
        # once sequenced, the log names it by its position (the same number here)
        status = await verify_trail(runtime)
        assert status.first_broken is not None and status.first_broken.seq == 10
        assert "does not match its digest" in status.first_broken.problem
        cli = await anyio.to_thread.run_sync(_audit_verify_cli, database_url, tmp_path)
        assert cli.returncode == 1 and "BROKEN at event 10" in cli.stdout, cli.stdout
    finally:
        await runtime.dispose()


async def test_an_event_deleted_before_sequencing_is_named(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await fresh_runtime(database_url, tmp_path)
    try:
        await add_events(runtime, EVENTS)
        await add_events(runtime, 3, start=100, sequence=False)
        await as_owner(runtime.engine, ["DELETE FROM audit_event WHERE seq = 10"])
        status = await verify_trail(runtime)
        if runtime.engine.dialect.name == "sqlite":
            # numbers without gaps: a missing one was deleted
            assert status.first_broken is not None and status.first_broken.seq == 10
            assert "event seq 10 is missing" in status.first_broken.problem
        else:
            # rolled-back transactions leave unused numbers too: reported, not failed
            assert status.first_broken is None
            assert any("unused (first [10])" in w for w in status.warnings), status.warnings
        assert status.to_dict()["unused_event_numbers"] == 1
    finally:
        await runtime.dispose()


async def test_an_event_committed_after_a_later_number_is_still_sequenced(
    postgres_database, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL numbers events when they are inserted, not when they commit: an event
    whose transaction is still open is a hole the floor waits for; past the grace, the
    full sweep still finds it."""
    import docflow.audit.sequencer as sequencer

    runtime = await fresh_runtime(postgres_database.url, tmp_path)
    try:
        await add_events(runtime, 2)
        for grace, full in ((60.0, False), (0.0, True)):
            monkeypatch.setattr(sequencer, "HOLE_GRACE", grace)
            async with runtime.sessions() as slow:
                late = await record_event(slow, "test.slow")  # not committed yet
                await add_events(runtime, 1, start=50, sequence=False)
                assert await sequence_pending(runtime) == 1
                await slow.commit()
            assert await sequence_pending(runtime) == (0 if full else 1)
            assert await sequence_pending(runtime, full=full) == (1 if full else 0)
            async with runtime.session() as session:
                log = (await session.exec(select(AuditLog).order_by(col(AuditLog.position)))).all()
                status = await check_chain(session)
            assert log[-1].event_seq == late.seq and log[-2].event_seq == late.seq + 1
            assert status.ok and status.pending.count == 0
    finally:
        await runtime.dispose()
