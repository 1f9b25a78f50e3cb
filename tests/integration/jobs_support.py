"""Test helpers that look into the job queue on either backend (the ``job`` table, or
procrastinate's queue on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text

from docflow.core.jobs.port import JobInfo
from docflow.core.runtime import Runtime

__all__ = ["jobs_of_kind", "make_due"]


async def make_due(runtime: Runtime) -> None:
    """Every pending job due now (a test does not sleep through back-off)."""
    if runtime.settings.job_backend == "procrastinate":
        statement = "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'"
    else:
        statement = "UPDATE job SET run_after = CURRENT_TIMESTAMP WHERE state = 'pending'"
    async with runtime.transaction() as session:
        await (await session.connection()).execute(text(statement))


async def jobs_of_kind(runtime: Runtime, kind: str) -> list[JobInfo]:
    """The jobs (newest run of each key) of ``kind``, in any state."""
    async with runtime.session() as session:
        found = await runtime.jobs.jobs(session, limit=10_000)
    return [info for info in found if info.kind == kind]
