"""The job queue on procrastinate's tables (PostgreSQL; migration 0013).

- ``enqueue`` calls procrastinate's own defer function (``procrastinate_defer_jobs_v1``,
  what its connector calls) through the caller's session: the job rides the caller's
  transaction and exists exactly when that change commits. The job's key is both its
  ``queueing_lock`` (one waiting copy) and its ``lock`` (one running copy); a key
  already waiting or running adds nothing, as on the table backend.
- ``docflow worker`` runs these jobs with procrastinate's worker
  (``docflow.core.jobs.worker``); the claim methods below let ``JobRunner`` (tests,
  ``run_now``, ``docflow serve --with-worker``) run them too, as a procrastinate worker
  of its own: registered, heart-beating while it runs, so a ``kill -9``-ed process's job
  is found stalled and queued again like a killed ``docflow worker``'s.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from docflow.core.jobs.port import Claim, JobInfo
from docflow.core.jobs.types import Job, job_from_row

__all__ = ["QUEUE", "TASK", "ProcrastinateJobQueue", "STATES"]

#: The procrastinate queue and task every docflow job goes through.
QUEUE = "docflow"
TASK = "docflow.job"
MAX_ERROR = 2000
#: procrastinate status -> what docflow calls it (``JobState``).
STATES = {
    "todo": "pending",
    "doing": "running",
    "succeeded": "done",
    "failed": "failed",
    "cancelled": "failed",
    "aborted": "failed",
}

_DEFER = text(
    """
    SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(
        CAST(:queue AS varchar), CAST(:task AS varchar), 0, CAST(:key AS text),
        CAST(:key AS text), CAST(:args AS jsonb), CAST(:at AS timestamptz)
    )::procrastinate_job_to_defer_v1])
    WHERE NOT EXISTS (
        SELECT 1 FROM procrastinate_jobs
         WHERE queueing_lock = CAST(:key AS text) AND status IN ('todo', 'doing'))
    """
)
_VIEW = """
    SELECT j.id, j.queueing_lock AS key, j.task_name, j.args, j.status::text AS status,
           j.attempts, j.scheduled_at,
           (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id
               AND e.type IN ('succeeded', 'failed', 'cancelled', 'aborted')) AS finished_at
      FROM procrastinate_jobs j
"""
_INFO = text(_VIEW + " WHERE j.queueing_lock = :key ORDER BY j.id DESC LIMIT 1")
_PICK = """
    SELECT j.id, j.args, j.attempts FROM procrastinate_jobs j
     WHERE j.status = 'todo' AND j.task_name = :task
       AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
       AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs o
                        WHERE o.lock = j.lock AND o.status = 'doing')
       {only_key}
     ORDER BY j.priority DESC, j.id LIMIT 1 FOR UPDATE OF j SKIP LOCKED
"""
_MINE = "FROM procrastinate_jobs WHERE id = :id AND status = 'doing' AND worker_id = :worker"


def job_args(job: Job) -> dict[str, Any]:
    """The procrastinate task arguments of ``job``."""
    return {"kind": job.kind, "payload": job.payload(), "max_attempts": job.max_attempts}


def info_from_row(row: Any) -> JobInfo:
    """What a person sees of one ``procrastinate_jobs`` row (``_VIEW``)."""
    args = row.args or {}
    state = STATES.get(row.status, row.status)
    running = 1 if state == "running" else 0
    return JobInfo(
        key=row.key or f"{row.task_name}#{row.id}",
        kind=str(args.get("kind") or row.task_name),
        state=state,
        attempts=int(row.attempts) + running,
        max_attempts=int(args.get("max_attempts") or 1),
        next_attempt_at=row.scheduled_at if state == "pending" else None,
        last_error=args.get("last_error"),
        finished_at=row.finished_at if state in ("done", "failed") else None,
        id=int(row.id),
    )


class ProcrastinateJobQueue:
    """``JobQueue`` on procrastinate's tables; stateless (every call takes the session)."""

    async def enqueue(
        self, session: AsyncSession, job: Job, *, run_after: datetime | None = None
    ) -> None:
        values = {
            "queue": QUEUE,
            "task": TASK,
            "key": job.key,
            "args": json.dumps(job_args(job)),
            "at": run_after,
        }
        try:
            # A savepoint: losing a race for the key must not undo the caller's change.
            async with session.begin_nested():
                await _execute(session, _DEFER, values)
        except IntegrityError:
            pass  # the same key was queued at the same moment: it is waiting already

    async def info(self, session: AsyncSession, key: str) -> JobInfo | None:
        row = (await _execute(session, _INFO, {"key": key})).first()
        return None if row is None else info_from_row(row)

    async def claim(
        self,
        session: AsyncSession,
        worker: str,
        lease_seconds: float,
        *,
        key: str | None = None,
    ) -> Claim | None:
        only_key = "AND j.queueing_lock = :key" if key is not None else ""
        pick = text(_PICK.format(only_key=only_key))
        row = (await _execute(session, pick, {"task": TASK, "key": key})).first()
        if row is None:
            return None
        registered = await _execute(
            session, text("SELECT worker_id FROM procrastinate_register_worker_v1()")
        )
        worker_id = int(registered.scalar_one())
        await _execute(
            session,
            text(
                "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :worker WHERE id = :id"
            ),
            {"worker": worker_id, "id": row.id},
        )
        args = row.args
        return Claim(
            id=int(row.id),
            job=job_from_row(args["kind"], dict(args["payload"])),
            attempt=int(row.attempts) + 1,
            worker=str(worker_id),
            lease_until=datetime.max,
        )

    async def extend(self, session: AsyncSession, claim: Claim, lease_seconds: float) -> bool:
        await _execute(
            session,
            text("SELECT procrastinate_update_heartbeat_v1(:worker)"),
            {"worker": int(claim.worker)},
        )
        return True

    async def complete(self, session: AsyncSession, claim: Claim) -> None:
        await self._finish(session, claim, "procrastinate_finish_job_v1(id, 'succeeded', false)")

    async def fail(
        self, session: AsyncSession, claim: Claim, error: str, retry_at: datetime | None
    ) -> None:
        await record_error(session, claim.id, error)
        if retry_at is None:
            call = "procrastinate_finish_job_v1(id, 'failed', false)"
        else:
            call = "procrastinate_retry_job_v2(id, CAST(:at AS timestamptz), NULL, NULL, NULL)"
        await self._finish(session, claim, call, at=retry_at)

    async def _finish(self, session: AsyncSession, claim: Claim, call: str, **extra: Any) -> None:
        # Only while this claim still holds the job: a stalled job queued again is left.
        params = {"id": claim.id, "worker": int(claim.worker), **extra}
        await _execute(session, text(f"SELECT {call} {_MINE}"), params)
        await _execute(session, text("SELECT procrastinate_unregister_worker_v1(:worker)"), params)

    async def jobs(
        self, session: AsyncSession, *, state: str | None = None, limit: int = 200
    ) -> list[JobInfo]:
        # The newest job of each key: a key that failed and then succeeded is done.
        rows = (
            await _execute(
                session,
                text(
                    "SELECT * FROM (SELECT DISTINCT ON (coalesce(key, id::text)) * FROM ("
                    + _VIEW
                    + ") v ORDER BY coalesce(key, id::text), id DESC) newest "
                    "ORDER BY id DESC LIMIT :limit"
                ),
                {"limit": limit * 5 if state else limit},
            )
        ).all()
        found = [info_from_row(row) for row in rows]
        return [i for i in found if state is None or i.state == state][:limit]

    async def retry(self, session: AsyncSession, ref: str) -> JobInfo | None:
        """Queue the failed job ``ref`` (its key or id) again from its first attempt."""
        where = "j.id = CAST(:ref AS bigint)" if ref.isdigit() else "j.queueing_lock = :ref"
        row = (
            await _execute(
                session, text(_VIEW + f" WHERE {where} ORDER BY j.id DESC LIMIT 1"), {"ref": ref}
            )
        ).first()
        if row is None or STATES.get(row.status) != "failed":
            return None
        await _execute(
            session,
            text(
                "UPDATE procrastinate_jobs SET status = 'todo', attempts = 0, "
                "scheduled_at = now(), args = args - 'last_error' WHERE id = :id "
                "AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs o WHERE o.queueing_lock "
                "= :key AND o.status IN ('todo', 'doing'))"
            ),
            {"id": row.id, "key": row.key},
        )
        return await self.info(session, row.key) if row.key else None


async def _execute(
    session: AsyncSession, statement: Any, params: dict[str, Any] | None = None
) -> Any:
    return await (await session.connection()).execute(statement, params)


async def record_error(session: AsyncSession, job_id: int, error: str) -> None:
    """Keep why the last attempt failed with the job (procrastinate keeps no reason)."""
    await _execute(
        session,
        text(
            "UPDATE procrastinate_jobs SET args = jsonb_set(args, '{last_error}', "
            "to_jsonb(CAST(:error AS text))) WHERE id = :id"
        ),
        {"id": job_id, "error": error[:MAX_ERROR]},
    )
