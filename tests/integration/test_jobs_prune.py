"""Finished jobs are forgotten after a month on either backend (the ``job`` table, or
procrastinate's queue on PostgreSQL); recent history and failed work stay, and a
forgotten job's key can be queued and run again."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from docflow.core.jobs.prune import KEEP_DONE, prune_finished
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from tests.integration.test_jobs_queue import Note, _run_due, _runtime, note, tsa_down


async def _age(runtime: Runtime, key: str, by: timedelta) -> None:
    """What a month of waiting does to a finished job's record."""
    if runtime.settings.job_backend == "procrastinate":
        sql = ("UPDATE procrastinate_events SET at = at - CAST(:by AS interval) WHERE job_id IN "
               "(SELECT id FROM procrastinate_jobs WHERE queueing_lock = :key)")
    else:
        sql = "UPDATE job SET finished_at = :at WHERE key = :key"
    params: dict[str, Any] = {"key": key, "by": by, "at": utcnow() - by}
    async with runtime.transaction() as session:
        await (await session.connection()).execute(text(sql), params)


async def _state(runtime: Runtime, key: str) -> str | None:
    async with runtime.session() as session:
        info = await runtime.jobs.info(session, key)
    return None if info is None else info.state


async def test_jobs_done_a_month_ago_are_forgotten_and_nothing_else(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _runtime(database_url, tmp_path)
    old, recent = Note(str(tmp_path / "old"), "old"), Note(str(tmp_path / "new"), "new")
    broken = Note(str(tmp_path / "broken"), "broken")
    failing = dataclasses.replace(runtime, job_handlers={Note: tsa_down})
    try:
        async with runtime.transaction() as session:
            await runtime.jobs.enqueue(session, broken)
        for _ in range(Note.max_attempts):  # fails for good
            async with runtime.transaction() as session:
                await (await session.connection()).execute(text(
                    "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"
                    if runtime.settings.job_backend == "procrastinate"
                    else "UPDATE job SET run_after = CURRENT_TIMESTAMP WHERE state = 'pending'"))
            await _run_due(failing)
        async with runtime.transaction() as session:
            await runtime.jobs.enqueue(session, old)
            await runtime.jobs.enqueue(session, recent)
        await _run_due(runtime)
        assert await _state(runtime, broken.key) == "failed"
        over = KEEP_DONE + timedelta(days=1)
        await _age(runtime, old.key, over)
        await _age(runtime, broken.key, over)

        async with runtime.transaction() as session:
            removed = await prune_finished(session, utcnow())
        assert removed == 1
        assert await _state(runtime, old.key) is None  # forgotten
        assert await _state(runtime, recent.key) == "done"  # recent history stays
        assert await _state(runtime, broken.key) == "failed"  # waits for an administrator

        async with runtime.transaction() as session:  # the key is free to run again
            await runtime.jobs.enqueue(session, old)
        await _run_due(dataclasses.replace(runtime, job_handlers={Note: note}))
        assert Path(old.path).read_text() == "old\nold\n"
    finally:
        await runtime.dispose()
