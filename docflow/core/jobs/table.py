"""The durable job queue on a database table, for SQLite and PostgreSQL alike.

- ``enqueue`` is an upsert on the job's key in the caller's transaction: nothing is
  added while the same work is pending or running; done or failed work runs again.
- ``claim`` is one ``UPDATE ... WHERE id = (SELECT ... LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING``: on PostgreSQL concurrent workers skip each other's rows; SQLite has no
  row locks and needs none, the ``UPDATE`` runs under its single write lock.
- A claim is a lease: a worker killed with ``kill -9`` stops extending it, and once it
  expires the job is due again (at-least-once; handlers are idempotent).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from docflow.core.jobs.models import JobRow, JobState
from docflow.core.jobs.port import Claim, JobInfo
from docflow.core.jobs.types import Job, job_from_row
from docflow.core.models_base import utcnow

__all__ = ["TableJobQueue"]

# SQLModel sets __table__ on table=True models at class creation; its stubs leave it out.
_T: Any = JobRow.__table__  # type: ignore[attr-defined]
MAX_ERROR = 2000
_RETRYABLE = (JobState.DONE.value, JobState.FAILED.value)


class TableJobQueue:
    """``JobQueue`` on the ``job`` table; stateless (every call takes the session)."""

    async def enqueue(
        self, session: AsyncSession, job: Job, *, run_after: datetime | None = None
    ) -> None:
        now = utcnow()
        when = run_after or now
        conn = await session.connection()
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        values = {
            "kind": job.kind,
            "key": job.key,
            "payload": job.payload(),
            "state": JobState.PENDING.value,
            "attempts": 0,
            "max_attempts": job.max_attempts,
            "run_after": when,
            "created_at": now,
        }
        statement = insert(_T).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[_T.c.key],
            set_={
                "state": JobState.PENDING.value,
                "attempts": 0,
                "run_after": when,
                "payload": statement.excluded.payload,
                "locked_by": None,
                "lease_until": None,
                "last_error": None,
                "finished_at": None,
            },
            where=_T.c.state.in_(_RETRYABLE),
        )
        await conn.execute(statement)

    async def info(self, session: AsyncSession, key: str) -> JobInfo | None:
        conn = await session.connection()
        row = (await conn.execute(select(_T).where(_T.c.key == key))).first()
        return None if row is None else _info(row)

    async def jobs(
        self, session: AsyncSession, *, state: str | None = None, limit: int = 200
    ) -> list[JobInfo]:
        query = select(_T).order_by(_T.c.id.desc()).limit(limit)
        if state is not None:
            query = query.where(_T.c.state == state)
        conn = await session.connection()
        return [_info(row) for row in (await conn.execute(query)).all()]

    async def retry(self, session: AsyncSession, ref: str) -> JobInfo | None:
        named = _T.c.id == int(ref) if ref.isdigit() else _T.c.key == ref
        conn = await session.connection()
        result = await conn.execute(
            update(_T)
            .where(named, _T.c.state == JobState.FAILED.value)
            .values(state=JobState.PENDING.value, attempts=0, run_after=utcnow(),
                    last_error=None, finished_at=None)
            .returning(_T.c.key)
        )
        key = result.scalar_one_or_none()
        return None if key is None else await self.info(session, key)

    async def claim(
        self,
        session: AsyncSession,
        worker: str,
        lease_seconds: float,
        *,
        key: str | None = None,
    ) -> Claim | None:
        now = utcnow()
        lease_until = now + timedelta(seconds=lease_seconds)
        due = or_(
            and_(_T.c.state == JobState.PENDING.value, _T.c.run_after <= now),
            and_(_T.c.state == JobState.RUNNING.value, _T.c.lease_until < now),
        )
        pick = select(_T.c.id).where(due)
        if key is not None:
            pick = pick.where(_T.c.key == key)
        pick = pick.order_by(_T.c.run_after, _T.c.id).limit(1).with_for_update(skip_locked=True)
        statement = (
            update(_T)
            .where(_T.c.id == pick.scalar_subquery())
            .values(
                state=JobState.RUNNING.value,
                locked_by=worker,
                lease_until=lease_until,
                attempts=_T.c.attempts + 1,
            )
            .returning(_T.c.id, _T.c.kind, _T.c.payload, _T.c.attempts)
        )
        conn = await session.connection()
        row = (await conn.execute(statement)).first()
        if row is None:
            return None
        return Claim(
            id=int(row.id),
            job=job_from_row(row.kind, dict(row.payload)),
            attempt=int(row.attempts),
            worker=worker,
            lease_until=lease_until,
        )

    async def extend(self, session: AsyncSession, claim: Claim, lease_seconds: float) -> bool:
        conn = await session.connection()
        result = await conn.execute(
            update(_T)
            .where(_T.c.id == claim.id, _T.c.locked_by == claim.worker)
            .where(_T.c.state == JobState.RUNNING.value)
            .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
        )
        return bool(result.rowcount)

    async def complete(self, session: AsyncSession, claim: Claim) -> None:
        conn = await session.connection()
        await conn.execute(
            update(_T)
            .where(_T.c.id == claim.id, _T.c.locked_by == claim.worker)
            .values(
                state=JobState.DONE.value,
                finished_at=utcnow(),
                locked_by=None,
                lease_until=None,
                last_error=None,
            )
        )

    async def fail(
        self, session: AsyncSession, claim: Claim, error: str, retry_at: datetime | None
    ) -> None:
        values: dict[str, Any] = {
            "locked_by": None,
            "lease_until": None,
            "last_error": error[:MAX_ERROR],
        }
        if retry_at is None:
            values.update(state=JobState.FAILED.value, finished_at=utcnow())
        else:
            values.update(state=JobState.PENDING.value, run_after=retry_at)
        conn = await session.connection()
        await conn.execute(
            update(_T).where(_T.c.id == claim.id, _T.c.locked_by == claim.worker).values(**values)
        )


def _info(row: Any) -> JobInfo:
    pending = row.state in (JobState.PENDING.value, JobState.RUNNING.value)
    return JobInfo(
        key=row.key,
        kind=row.kind,
        state=row.state,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        next_attempt_at=row.run_after if pending else None,
        last_error=row.last_error,
        finished_at=row.finished_at,
        id=int(row.id),
    )
