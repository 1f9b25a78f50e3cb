"""The signing pool: jobs run in worker processes; a job past its timeout is stopped and
its workers killed, and the next job gets a fresh pool."""

from __future__ import annotations

import os
import time

import pytest

from docflow.core.signing_pool import SigningPool


def _pid() -> int:
    return os.getpid()


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


async def test_jobs_run_in_other_processes_and_hung_ones_are_killed() -> None:
    pool = SigningPool(1)
    try:
        worker = await pool.run(_pid)
        assert worker != os.getpid()
        with pytest.raises(TimeoutError):
            await pool.run(_sleep, 30, timeout=0.5)
        assert await pool.run(_sleep, 0, timeout=30) == "done"
        assert await pool.run(_pid) != worker  # the hung worker was replaced
    finally:
        pool.shutdown()


async def test_a_long_queue_does_not_count_against_each_jobs_time_limit() -> None:
    # A busy server: more jobs than workers. Each job runs well within its limit, but
    # the last waits for the others longer than that limit; none may be killed for it.
    import asyncio

    pool = SigningPool(1)
    try:
        results = await asyncio.gather(*(pool.run(_sleep, 0.5, timeout=1.2) for _ in range(4)))
        assert results == ["done"] * 4
    finally:
        pool.shutdown()
