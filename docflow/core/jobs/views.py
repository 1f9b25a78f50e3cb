"""How background work shows to people: pending (with the next try and why the last
failed), done or failed, next to the thing it is about."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docflow.core.jobs.port import JobQueue
from docflow.core.jobs.types import Job

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["job_view"]


async def job_view(queue: JobQueue, session: AsyncSession, job: Job) -> dict[str, Any] | None:
    """``{state, attempts, next_attempt_at, last_error}`` of ``job``, or None if it was
    never enqueued."""
    info = await queue.info(session, job.key)
    if info is None:
        return None
    return {
        "state": info.state,
        "attempts": info.attempts,
        "next_attempt_at": info.next_attempt_at.isoformat() if info.next_attempt_at else None,
        "last_error": info.last_error,
    }
