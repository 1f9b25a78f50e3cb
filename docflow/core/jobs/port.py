"""The job queue port: what feature code and the runner may rely on, whatever stores
the jobs (the ``job`` table on SQLite, procrastinate's queue on PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from docflow.core.jobs.types import Job

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["Claim", "JobInfo", "JobQueue"]


@dataclass(frozen=True)
class JobInfo:
    """What a person may see of a job: its state while pending, and why it failed."""

    key: str
    kind: str
    state: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    finished_at: datetime | None
    #: The backend's number for this run of the job (``docflow jobs retry ID``).
    id: int | None = None


@dataclass(frozen=True)
class Claim:
    """A job a worker holds until ``lease_until`` (then anyone may claim it again)."""

    id: int
    job: Job
    attempt: int
    worker: str
    lease_until: datetime


class JobQueue(Protocol):
    """Durable, at-least-once background work.

    ``enqueue`` writes in the caller's transaction (the work exists exactly when the
    change that needs it commits). The claim methods are used by ``JobRunner`` only.
    """

    async def enqueue(
        self, session: AsyncSession, job: Job, *, run_after: datetime | None = None
    ) -> None: ...

    async def info(self, session: AsyncSession, key: str) -> JobInfo | None: ...

    async def jobs(
        self, session: AsyncSession, *, state: str | None = None, limit: int = 200
    ) -> list[JobInfo]:
        """The newest jobs (of ``state``: ``pending``, ``running``, ``failed``, ``done``),
        newest first."""
        ...

    async def retry(self, session: AsyncSession, ref: str) -> JobInfo | None:
        """Queue the failed job named ``ref`` (key or id) again; None if none failed."""
        ...

    async def claim(
        self,
        session: AsyncSession,
        worker: str,
        lease_seconds: float,
        *,
        key: str | None = None,
    ) -> Claim | None: ...

    async def extend(self, session: AsyncSession, claim: Claim, lease_seconds: float) -> bool: ...

    async def complete(self, session: AsyncSession, claim: Claim) -> None: ...

    async def fail(
        self, session: AsyncSession, claim: Claim, error: str, retry_at: datetime | None
    ) -> None: ...
