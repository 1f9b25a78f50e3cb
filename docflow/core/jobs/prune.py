"""Finished jobs are forgotten after a while, so the queue's tables stay the size of
the work in hand rather than of all work ever done.

A job that succeeded is kept ``KEEP_DONE`` (a month: ``docflow jobs list`` and the
administrators' page still show recent history) and then deleted, on the table
backend's ``job`` table and, on PostgreSQL, procrastinate's ``procrastinate_jobs`` (its
events go with them). Failed jobs stay until an administrator retries them. Deleting a
done job never lets its work run twice: a job's key deduplicates only while it waits
or runs (``docflow.core.jobs.models``), and every job is idempotent besides.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, text

from docflow.core.db import AsyncSession
from docflow.core.jobs.models import JobRow, JobState

__all__ = ["KEEP_DONE", "prune_finished"]

#: How long a succeeded job is kept.
KEEP_DONE = timedelta(days=30)

# procrastinate: finished = its latest event; the job of a periodic task's latest
# defer is still referenced (without ON DELETE) and stays until the next one replaces it.
_PRUNE_PROCRASTINATE = text("""
    DELETE FROM procrastinate_jobs j
     WHERE j.status = 'succeeded'
       AND NOT EXISTS (SELECT 1 FROM procrastinate_periodic_defers d WHERE d.job_id = j.id)
       AND (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) < :cutoff""")


async def prune_finished(session: AsyncSession, now: datetime) -> int:
    """Delete the jobs that succeeded before ``now - KEEP_DONE``; how many. The caller
    commits."""
    cutoff = now - KEEP_DONE
    conn = await session.connection()
    table = JobRow.__table__  # type: ignore[attr-defined]
    done = await conn.execute(
        delete(table).where(table.c.state == JobState.DONE.value, table.c.finished_at < cutoff)
    )
    removed = int(done.rowcount or 0)
    if conn.dialect.name == "postgresql":
        queued = await conn.execute(_PRUNE_PROCRASTINATE, {"cutoff": cutoff})
        removed += int(queued.rowcount or 0)
    return removed
