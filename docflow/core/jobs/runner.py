"""Running jobs: claim one, run its handler, record the outcome; retry with back-off.

``JobRunner.run_forever`` is the in-process worker the web app starts; ``run_now``
runs one job right after the transaction that enqueued it committed (so a request
usually sees its work done) through the same claim, so the two never run one job at
once. Every outcome is committed by the runner: it owns those transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from docflow.core.errors import DomainError
from docflow.core.jobs.port import Claim, JobQueue
from docflow.core.jobs.types import Job
from docflow.core.models_base import utcnow

if TYPE_CHECKING:
    from docflow.core.runtime import Runtime

__all__ = ["Backoff", "Handler", "JobRunner", "is_permanent", "reason", "run_now"]

logger = logging.getLogger("docflow.core.jobs")

Handler = Callable[["Runtime", Any], Awaitable[None]]


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt ``n + 1`` after ``n`` failed: ``base · 2^(n-1)``, capped,
    with ±20 % jitter so retries of many jobs do not arrive together."""

    base_seconds: float = 5.0
    cap_seconds: float = 3600.0

    def delay(self, attempt: int) -> float:
        raw = min(self.cap_seconds, self.base_seconds * 2.0 ** max(0, attempt - 1))
        return raw * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not secrecy


def _worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def is_permanent(exc: BaseException) -> bool:
    """A refusal of the rules (not found, conflict, bad input) will not change on retry;
    a 503 (store or signing unavailable) or anything unexpected may."""
    return isinstance(exc, DomainError) and exc.status_code < 500


class JobRunner:
    """Claims and runs jobs of ``runtime.jobs`` with ``handlers`` (default: the
    runtime's, which ``docflow.bootstrap`` gathers from the features)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        handlers: Mapping[type[Job], Handler] | None = None,
        lease_seconds: float = 120.0,
        poll_seconds: float = 2.0,
        backoff: Backoff = Backoff(),
        worker: str | None = None,
        sessions: Callable[[], Any] | None = None,
    ) -> None:
        """``sessions``: where the runner's own bookkeeping (claims, outcomes, leases)
        runs; default the runtime's. The web app gives it a pool of its own, so polling
        never takes a connection from the requests."""
        if handlers is None:
            handlers = runtime.job_handlers
        self.runtime = runtime
        self.queue: JobQueue = runtime.jobs
        self.handlers = dict(handlers)
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.backoff = backoff
        self.worker = worker or _worker_name()
        self.sessions = sessions or runtime.sessions

    async def run_one(self, *, key: str | None = None) -> bool:
        """Claim one due job (the one named ``key``, if given) and run it; False if none."""
        async with self.sessions() as session:
            claim = await self.queue.claim(session, self.worker, self.lease_seconds, key=key)
            await session.commit()
        if claim is None:
            return False
        await self._run(claim)
        return True

    async def run_until_idle(self, max_jobs: int = 1000) -> int:
        """Run due jobs until none is left (or ``max_jobs``); how many ran."""
        done = 0
        while done < max_jobs and await self.run_one():
            done += 1
        return done

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Poll for due jobs until ``stop`` is set (between two jobs) or cancelled; one
        failing poll never stops the loop, and while the database is away it waits
        1, 2, 4 … 30 s between polls."""
        from docflow.core.db_outage import Reconnect, describe_error, is_connection_error, pause

        reconnect = Reconnect("job runner")
        while stop is None or not stop.is_set():
            try:
                ran = await self.run_one()
                reconnect.succeeded()
            except asyncio.CancelledError:
                raise
            # Edge: the runner's loop must outlive any failure (e.g. the database is away).
            except Exception as exc:  # noqa: BLE001 - logged; wait, retry
                if is_connection_error(exc):
                    await reconnect.wait(exc, stop)
                    continue
                logger.warning("job runner could not poll: %s", describe_error(exc))
                ran = False
            if not ran:
                await pause(self.poll_seconds, stop)

    async def _run(self, claim: Claim) -> None:
        handler = self.handlers.get(type(claim.job))
        heartbeat = asyncio.create_task(self._keep_lease(claim))
        error: BaseException | None = None
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {claim.job.kind}")
            await handler(self.runtime, claim.job)
        except asyncio.CancelledError:
            raise
        # Edge: a job's handler may fail in any way; the failure is recorded on the job
        # (type and message) and logged by _retry_at.
        except Exception as exc:  # noqa: BLE001 - recorded on the job and retried
            error = exc
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        async with self.sessions() as session:
            if error is None:
                await self.queue.complete(session, claim)
            else:
                await self.queue.fail(session, claim, reason(error), self._retry_at(claim, error))
            await session.commit()

    def _retry_at(self, claim: Claim, error: BaseException) -> datetime | None:
        why = reason(error)
        if is_permanent(error) or claim.attempt >= claim.job.max_attempts:
            logger.error("job %s failed for good after %d attempt(s): %s",
                         claim.job.key, claim.attempt, why)
            return None
        delay = self.backoff.delay(claim.attempt)
        logger.warning("job %s attempt %d failed (%s); next try in %.0f s",
                       claim.job.key, claim.attempt, why, delay)
        return utcnow() + timedelta(seconds=delay)

    async def _keep_lease(self, claim: Claim) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                async with self.sessions() as session:
                    await self.queue.extend(session, claim, self.lease_seconds)
                    await session.commit()
            # Edge: the heartbeat must not die; a lapsed lease only means the (idempotent)
            # job may run again.
            except Exception as exc:  # noqa: BLE001 - logged with its type
                logger.warning(
                    "could not extend the lease of job %s: %s", claim.job.key, reason(exc)
                )


def reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def run_now(runtime: Runtime, job: Job) -> bool:
    """Run ``job`` at once if it is due and nobody else holds it; True when it ran
    (successfully or not: its state says which)."""
    return await JobRunner(runtime).run_one(key=job.key)
