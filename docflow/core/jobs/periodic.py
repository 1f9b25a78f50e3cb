"""Periodic work (audit checkpoints, archive renewals) run once per period across every
process of a deployment, instead of one loop per process.

A period is a *slot*: ``int(unix time // seconds)``. On procrastinate (``docflow
worker``) each work is a periodic task, deferred once per slot by whichever worker gets
there first (procrastinate records ``(task, timestamp)`` uniquely). On the table backend
each process's scheduler enqueues a ``PeriodicRun`` job named by the slot, which the job
key makes one job however many processes enqueue it; the job runner runs it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from docflow.core.db_outage import pause
from docflow.core.jobs.types import Job

if TYPE_CHECKING:
    from docflow.core.runtime import Runtime

__all__ = [
    "PeriodicRun",
    "PeriodicWork",
    "cron_for",
    "enqueue_due",
    "run_period",
    "run_schedule",
]

logger = logging.getLogger("docflow.core.jobs")


@dataclass(frozen=True)
class PeriodicWork:
    """``run(runtime)`` every ``seconds``, once across the deployment."""

    name: str
    seconds: int
    run: Callable[[Runtime], Awaitable[None]]


@dataclass(frozen=True)
class PeriodicRun(Job):
    """The periodic work ``name`` for the period ``slot`` (table backend)."""

    kind: ClassVar[str] = "jobs.periodic"
    #: A failed period is not retried: the next period does the work.
    max_attempts: ClassVar[int] = 1
    name: str
    slot: int


def cron_for(seconds: int) -> str:
    """A procrastinate cron (with a seconds column when under a minute) firing every
    ``seconds``, aligned on the clock like the table backend's slots."""
    if seconds < 60:
        return f"*/{seconds} * * * * *"
    if seconds < 3600:
        return f"*/{seconds // 60} * * * *"
    if seconds < 86_400:
        return f"0 */{seconds // 3600} * * *"
    return f"0 0 */{max(1, seconds // 86_400)} * *"


async def enqueue_due(runtime: Runtime, work: PeriodicWork, slot: int) -> bool:
    """Enqueue ``work``'s run for ``slot`` unless some process already did; True if this
    call enqueued it."""
    job = PeriodicRun(name=work.name, slot=slot)
    async with runtime.transaction() as session:
        if await runtime.jobs.info(session, job.key) is not None:
            return False
        await runtime.jobs.enqueue(session, job)
    return True


async def run_schedule(
    runtime: Runtime,
    works: Sequence[PeriodicWork],
    *,
    clock: Callable[[], float] = time.time,
    stop: asyncio.Event | None = None,
) -> None:
    """Until ``stop`` is set or cancelled: enqueue each work at the start of each of its
    periods after the one this process started in (a restart does not run the work at
    once)."""
    if not works:
        return
    last = {work.name: int(clock() // work.seconds) for work in works}
    tick = max(0.5, min(min(work.seconds for work in works) / 4, 30.0))
    while True:
        await pause(tick, stop)
        if stop is not None and stop.is_set():
            return
        for work in works:
            slot = int(clock() // work.seconds)
            if slot <= last[work.name]:
                continue
            try:
                await enqueue_due(runtime, work, slot)
                last[work.name] = slot
            # Edge: the scheduler must outlive a database away; it tries next tick.
            except Exception as exc:  # noqa: BLE001 - logged, retried
                logger.warning("could not schedule %s: %s: %s", work.name, type(exc).__name__, exc)


async def run_period(
    runtime: Runtime, work: PeriodicWork, slot: int, *, clock: Callable[[], float] = time.time
) -> bool:
    """Run ``work`` for its period ``slot`` (``unix time // seconds``) on either backend;
    whether it ran. A run that starts after its period ended (it waited in the queue
    through an outage or a busy worker) is skipped: the current period's run does the
    work, and two runs never fall in one period. A failure is logged, not raised: the
    next period tries again, and a job that can only be late is never worth retrying
    or keeping as failed."""
    if int(clock() // work.seconds) > slot:
        logger.info("periodic %s of a past period skipped (the current one does it)", work.name)
        return False
    try:
        await work.run(runtime)
    # Edge: periodic work heals itself next period (database, TSA or store away).
    except Exception as exc:  # noqa: BLE001 - logged with its type
        logger.warning("periodic %s failed: %s: %s", work.name, type(exc).__name__, exc)
        return False
    return True
