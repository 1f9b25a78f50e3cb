"""Tampering with the stored trail, as the database's owner could, is found and the first
bad event named: edits, deletions, reordering; with checkpoints, also rewrites with
every digest and link recomputed, wiped trails, cut tails and altered checkpoints, thanks
to the checkpoints' copies outside the database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import anyio.to_thread
import pytest
from sqlalchemy import text

from docflow.audit.chain import check_chain
from docflow.audit.checkpoints import create_checkpoint
from docflow.audit.copies import export_copies
from docflow.audit.verify import verify_trail
from tests.integration.audit_support import (
    WIPE,
    add_events,
    as_owner,
    delete_from,
    forge_event,
    fresh_runtime,
)

EVENTS = 8

CASES = {
    "edit": (["UPDATE audit_event SET action = 'forged.action' WHERE seq = 4"], 4),
    "edit_details": (["UPDATE audit_event SET request_id = 'other' WHERE seq = 2"], 2),
    "delete": (
        ["DELETE FROM audit_log WHERE position = 4", "DELETE FROM audit_event WHERE seq = 4"],
        4,
    ),
    "reorder": (
        [
            "UPDATE audit_log SET position = -5 WHERE position = 5",
            "UPDATE audit_log SET position = 5 WHERE position = 4",
            "UPDATE audit_log SET position = 4 WHERE position = -5",
        ],
        4,
    ),
}


def _audit_verify_cli(url: str, data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCFLOW_DATABASE_URL": url, "DOCFLOW_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "docflow", "audit", "verify", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def test_tampering_is_found_naming_the_first_bad_event(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await fresh_runtime(database_url, tmp_path)
    try:
        await add_events(runtime, EVENTS)
        async with runtime.session() as session:
            status = await check_chain(session)
        assert status.ok and status.events_checked == EVENTS
        for name, (statements, first_bad) in CASES.items():
            await as_owner(runtime.engine, WIPE)
            await add_events(runtime, EVENTS)
            await as_owner(runtime.engine, statements)
            async with runtime.session() as session:
                status = await check_chain(session)
            assert not status.ok, name
            assert status.first_broken is not None and status.first_broken.seq == first_bad, (
                name,
                status.first_broken,
            )
            assert status.to_dict()["status"] == "broken"
        cli = await anyio.to_thread.run_sync(_audit_verify_cli, database_url, tmp_path)
        assert cli.returncode == 1, cli.stdout + cli.stderr
        assert "BROKEN at event 4" in cli.stdout
    finally:
        await runtime.dispose()


async def _checkpointed(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A trail of 8 events, a checkpoint of them (its own event is the 9th), 3 more."""
    runtime = await fresh_runtime(database_url, tmp_path)
    await add_events(runtime, EVENTS)
    checkpoint = await create_checkpoint(runtime)
    assert checkpoint.size == EVENTS
    await add_events(runtime, 3, start=100)
    status = await verify_trail(runtime)
    assert status.ok, status.to_dict()
    assert status.last_checkpoint is not None and status.last_checkpoint.signature_valid
    return runtime


async def test_a_wiped_trail_is_broken_because_the_checkpoint_copies_remain(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _checkpointed(database_url, tmp_path)
    try:
        await as_owner(runtime.engine, WIPE)
        status = await verify_trail(runtime)
        assert not status.ok
        assert status.first_broken is not None and status.first_broken.seq == 1
        assert "truncated" in status.first_broken.problem
        assert any("missing from the database" in p for p in status.problems)
        cli = await anyio.to_thread.run_sync(_audit_verify_cli, database_url, tmp_path)
        assert cli.returncode == 1 and "BROKEN at event 1" in cli.stdout, cli.stdout
    finally:
        await runtime.dispose()


@pytest.mark.parametrize("delete_checkpoints", [False, True])
async def test_a_rewrite_with_every_digest_recomputed_names_the_edited_event(
    database_url: str, tmp_path: Path, delete_checkpoints: bool
) -> None:
    runtime = await _checkpointed(database_url, tmp_path)
    try:
        statements = await forge_event(runtime, 3, "forged.action")
        if delete_checkpoints:
            statements.append("DELETE FROM audit_checkpoint")
        await as_owner(runtime.engine, statements)
        async with runtime.session() as session:
            alone = await check_chain(session)  # the database agrees with itself
        assert alone.first_broken is None or delete_checkpoints is False
        status = await verify_trail(runtime)
        assert status.first_broken is not None, status.to_dict()
        assert status.first_broken.seq == 3, status.first_broken
        assert "rewritten after it was signed" in status.first_broken.problem
        cli = await anyio.to_thread.run_sync(_audit_verify_cli, database_url, tmp_path)
        assert cli.returncode == 1 and "BROKEN at event 3" in cli.stdout, cli.stdout
    finally:
        await runtime.dispose()


async def test_a_trail_cut_below_its_checkpoint_is_shorter_than_the_checkpoint(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _checkpointed(database_url, tmp_path)
    try:
        await as_owner(runtime.engine, [*delete_from(6), "DELETE FROM audit_checkpoint"])
        status = await verify_trail(runtime)
        assert status.first_broken is not None and status.first_broken.seq == 6
        assert "checkpoint 8" in status.first_broken.problem
        assert "truncated" in status.first_broken.problem
    finally:
        await runtime.dispose()


async def test_deleting_the_events_after_the_last_checkpoint_is_found(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _checkpointed(database_url, tmp_path)
    try:
        await as_owner(runtime.engine, delete_from(EVENTS + 1))
        status = await verify_trail(runtime)
        assert status.first_broken is not None and status.first_broken.seq == EVENTS + 1
        assert "after the checkpoint were deleted" in status.first_broken.problem
    finally:
        await runtime.dispose()


async def test_an_altered_or_forged_checkpoint_is_found(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _checkpointed(database_url, tmp_path)
    try:
        await as_owner(
            runtime.engine,
            ["UPDATE audit_checkpoint SET created_by_id = 7, signature = timestamp_token"],
        )
        status = await verify_trail(runtime)
        assert not status.ok
        assert any("differs from its copy" in p for p in status.problems), status.problems
        # A row inserted by someone with only the application's rights: INSERT is allowed,
        # but it cannot be signed.
        async with runtime.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO audit_checkpoint (size, created_at, reason, statement, "
                    "signature, timestamp_token, timestamp_time, frontier) SELECT 500, "
                    "created_at, reason, statement, signature, timestamp_token, "
                    "timestamp_time, frontier FROM audit_checkpoint WHERE size = 8"
                )
            )
        status = await verify_trail(runtime)
        assert any("checkpoint 500" in p and "not genuine" in p for p in status.problems)
        assert status.last_checkpoint is not None and status.last_checkpoint.seq == EVENTS
    finally:
        await runtime.dispose()


async def test_exported_copies_catch_a_wipe_of_the_database_and_the_store(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _checkpointed(database_url, tmp_path / "server")
    try:
        exported = tmp_path / "auditor"
        assert await export_copies(runtime, exported) == 1
        await as_owner(runtime.engine, WIPE)
        shutil.rmtree(tmp_path / "server" / "objects" / "named")  # the embedded store's copies
        assert (await verify_trail(runtime)).ok  # nothing left to compare with
        status = await verify_trail(runtime, exported)
        assert status.first_broken is not None and status.first_broken.seq == 1
        cli = await anyio.to_thread.run_sync(
            _audit_verify_cli, database_url, tmp_path / "server", "--checkpoints", str(exported)
        )
        assert cli.returncode == 1 and "copy in the export remains" in cli.stdout, cli.stdout
    finally:
        await runtime.dispose()


async def test_interval_checkpoints_cover_new_events_only(
    database_url: str, tmp_path: Path
) -> None:
    from sqlmodel import func, select

    from docflow.bootstrap import periodic_work
    from docflow.core.audit_models import AuditCheckpoint

    runtime = await fresh_runtime(database_url, tmp_path)
    try:
        await add_events(runtime, EVENTS)
        # The periodic work as the queue runs it, several periods: one checkpoint,
        # then nothing new to sign.
        (work,) = [w for w in periodic_work(runtime.settings) if w.name == "audit_checkpoint"]
        for _ in range(3):
            await work.run(runtime)
        async with runtime.session() as session:
            count = (await session.exec(select(func.count()).select_from(AuditCheckpoint))).one()
        status = await verify_trail(runtime)
        assert count == 1
        assert status.ok and status.last_checkpoint is not None
        assert status.last_checkpoint.seq == EVENTS
        assert runtime.store.list_named("audit/checkpoints/") == [
            "audit/checkpoints/000000000008.json"
        ]
    finally:
        await runtime.dispose()


async def test_the_parallel_path_for_long_chains_finds_the_same_first_bad_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long logs are checked in worker processes, several batches in flight: force that
    path on a short log with tiny batches."""
    import docflow.audit.chain as audit_chain

    runtime = await fresh_runtime(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", tmp_path)
    monkeypatch.setattr(audit_chain, "PARALLEL_FROM", 1)
    try:
        await add_events(runtime, EVENTS)
        async with runtime.session() as session:
            assert (await check_chain(session, batch=2)).ok
        for name, (statements, first_bad) in CASES.items():
            await as_owner(runtime.engine, WIPE)
            await add_events(runtime, EVENTS)
            await as_owner(runtime.engine, statements)
            async with runtime.session() as session:
                status = await check_chain(session, batch=2)
            assert status.first_broken is not None, name
            assert status.first_broken.seq == first_bad, (name, status.first_broken)
    finally:
        await runtime.dispose()
