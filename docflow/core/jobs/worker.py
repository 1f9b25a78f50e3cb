"""``docflow worker`` on PostgreSQL: procrastinate's worker running docflow's jobs.

One procrastinate task, ``docflow.job``, runs every job kind with the runtime's
handlers; a failure is retried with ``Backoff`` until the job's ``max_attempts`` (a
refusal of the rules, e.g. not found, at once for good). Periodic work is one periodic
task per work, deferred once per period across all workers. A worker silent for
``DOCFLOW_JOB_STALLED_SECONDS`` (killed with ``kill -9``) has its running jobs queued
again by any live worker. procrastinate talks to PostgreSQL through psycopg 3 with a
pool of its own (``DOCFLOW_JOB_POOL_SIZE`` connections); a worker that loses the
database starts again with a new pool once it is back (``run_worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Coroutine, Iterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate import RetryDecision
from procrastinate.retry import BaseRetryStrategy
from sqlalchemy.engine import make_url

from docflow.core.db_outage import Reconnect, is_connection_error
from docflow.core.jobs.periodic import PeriodicWork, cron_for, run_period
from docflow.core.jobs.procrastinate_queue import QUEUE, TASK, record_error
from docflow.core.jobs.runner import Backoff, is_permanent, reason
from docflow.core.jobs.types import job_from_row
from docflow.core.models_base import utcnow

if TYPE_CHECKING:
    from docflow.core.runtime import Runtime

__all__ = ["build_app", "conninfo", "recover_stalled", "run_worker"]

logger = logging.getLogger("docflow.core.jobs")


def conninfo(database_url: str) -> str:
    """The libpq connection string of docflow's SQLAlchemy (asyncpg) URL."""
    url = make_url(database_url).set(drivername="postgresql")
    query = dict(url.query)
    if "ssl" in query:
        query["sslmode"] = query.pop("ssl")
    return url.set(query=query).render_as_string(hide_password=False)


class JobRetry(BaseRetryStrategy):
    """``Backoff`` between attempts, up to the job's own ``max_attempts``."""

    def __init__(self, backoff: Backoff) -> None:
        self.backoff = backoff

    def get_retry_decision(
        self, *, exception: BaseException, job: procrastinate.jobs.Job
    ) -> RetryDecision | None:
        attempt = job.attempts + 1  # the one that just failed
        limit = int(str(job.task_kwargs.get("max_attempts", 1)))
        if is_permanent(exception) or attempt >= limit:
            logger.error(
                "job %s failed for good after %d attempt(s): %s",
                job.queueing_lock,
                attempt,
                reason(exception),
            )
            return None
        delay = self.backoff.delay(attempt)
        logger.warning(
            "job %s attempt %d failed (%s); next try in %.0f s",
            job.queueing_lock,
            attempt,
            reason(exception),
            delay,
        )
        return RetryDecision(retry_at=utcnow() + timedelta(seconds=delay))


def build_app(
    runtime: Runtime, works: Sequence[PeriodicWork] = (), *, backoff: Backoff | None = None
) -> procrastinate.App:
    """The procrastinate app of ``runtime``: its job task and its periodic tasks."""
    settings = runtime.settings
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(settings.database_url),
        min_size=1,
        max_size=settings.job_pool_size,
        kwargs={"application_name": "docflow-worker"},
    )
    app = procrastinate.App(connector=connector)

    @app.task(name=TASK, queue=QUEUE, retry=JobRetry(backoff or Backoff()), pass_context=True)
    async def run_job(
        context: procrastinate.JobContext, /, kind: str, payload: dict[str, Any], **_: Any
    ) -> None:
        job = job_from_row(kind, payload)
        handler = runtime.job_handlers.get(type(job))
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {kind}")
            await handler(runtime, job)
        except Exception as exc:
            assert context.job.id is not None
            async with runtime.transaction() as session:
                await record_error(session, context.job.id, reason(exc))
            raise

    for work in works:
        _add_periodic(app, runtime, work)
    return app


def _add_periodic(app: procrastinate.App, runtime: Runtime, work: PeriodicWork) -> None:
    async def run_periodic(timestamp: int) -> None:
        await run_period(runtime, work, timestamp // work.seconds)

    # The lock: a period's run never overlaps the previous one's (a slow TSA), which would
    # sign the same head twice; the later run then finds nothing new.
    name = f"docflow.periodic.{work.name}"
    task = app.task(name=name, queue=QUEUE, lock=name)(run_periodic)
    app.periodic(cron=cron_for(work.seconds), periodic_id=work.name)(task)


async def recover_stalled(app: procrastinate.App, stalled_seconds: float) -> int:
    """Queue again the running jobs of workers silent for ``stalled_seconds``; how many."""
    found = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds)
    queued = 0
    for job in found:
        try:
            await app.job_manager.retry_job(job)
            queued += 1
        # Edge: another worker recovered it first (it is no longer running).
        except Exception as exc:  # noqa: BLE001 - logged; the other worker has it
            logger.info("stalled job %s not requeued: %s", job.id, reason(exc))
    if queued:
        logger.warning("queued %d job(s) of stalled workers again", queued)
    return queued


async def _recover_forever(app: procrastinate.App, stalled_seconds: float) -> None:
    while True:
        try:
            await recover_stalled(app, stalled_seconds)
        # Edge: recovery must outlive a database away; tried again next round.
        except Exception as exc:  # noqa: BLE001 - logged
            logger.warning("could not look for stalled jobs: %s", reason(exc))
        await asyncio.sleep(max(1.0, stalled_seconds / 2))


#: A worker that ran this long before losing the database starts again after 1 s.
HEALTHY_RUN_SECONDS = 60.0


async def run_worker(
    runtime: Runtime,
    works: Sequence[PeriodicWork] = (),
    *,
    concurrency: int = 1,
    wait: bool = True,
    install_signal_handlers: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Run jobs until stopped (SIGINT, SIGTERM, ``stop`` set, cancelled; ``wait``) or
    until none is due (not ``wait``).

    A worker that loses the database is started again, with a new connector and pool,
    after 1, 2, 4 … 30 s, until stopped: procrastinate's worker ends when its database
    goes (an error out of its loop, or it stops itself when its listener or heartbeat
    fails), and jobs deferred meanwhile would wait forever otherwise. Not ``wait`` (run
    what is due, then return) raises instead."""
    stop = stop or asyncio.Event()
    reconnect = Reconnect("job worker")
    signals = _stopping_on_signals(stop) if install_signal_handlers else contextlib.nullcontext()
    with signals:
        while not stop.is_set():
            started = time.monotonic()
            try:
                await _until_stopped(_run_once(runtime, works, concurrency, wait), stop)
            except Exception as exc:
                if not wait or not is_connection_error(exc):
                    raise
                failure: BaseException | None = exc
            else:
                if stop.is_set() or not wait:
                    return
                failure = None  # it stopped by itself: a side task lost the database
            if time.monotonic() - started > HEALTHY_RUN_SECONDS:
                reconnect.succeeded()
            await reconnect.wait(failure, stop)


async def _run_once(
    runtime: Runtime, works: Sequence[PeriodicWork], concurrency: int, wait: bool
) -> None:
    stalled = float(runtime.settings.job_stalled_seconds)
    app = build_app(runtime, works)
    async with app.open_async():
        recovery = asyncio.create_task(_recover_forever(app, stalled))
        try:
            await app.run_worker_async(
                concurrency=concurrency,
                wait=wait,
                install_signal_handlers=False,
                stalled_worker_timeout=stalled,
                update_heartbeat_interval=max(1.0, stalled / 4),
                listen_notify=wait,
            )
        finally:
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> None:
    """Await ``work``; cancel it (procrastinate then finishes its running jobs) when
    ``stop`` is set or this is cancelled."""
    task = asyncio.create_task(work, name="procrastinate worker")
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if not task.cancelled():
        task.result()


@contextlib.contextmanager
def _stopping_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGINT or SIGTERM sets ``stop``; a second one acts as if none were installed."""
    loop = asyncio.get_running_loop()
    caught = (signal.SIGINT, signal.SIGTERM)

    def on_signal() -> None:
        logger.info("docflow worker stopping")
        stop.set()
        for number in caught:
            loop.remove_signal_handler(number)

    for number in caught:
        loop.add_signal_handler(number, on_signal)
    try:
        yield
    finally:
        for number in caught:
            loop.remove_signal_handler(number)
