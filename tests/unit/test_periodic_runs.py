"""A period's run: late ones are skipped (two runs never fall in one period, however
long the queue was held up), and a failure waits for the next period instead of being
retried or left as a failed job."""

from __future__ import annotations

from typing import Any

from docflow.core.jobs.periodic import PeriodicWork, run_period


async def test_a_run_of_a_past_period_is_skipped_and_the_current_one_runs() -> None:
    runs: list[int] = []

    async def checkpoint(runtime: Any) -> None:
        runs.append(1)

    work = PeriodicWork("audit_checkpoint", 60, checkpoint)
    now = 1_000 * 60 + 50.0  # 50 s into period 1000
    assert not await run_period(None, work, 999, clock=lambda: now)  # waited out its period
    assert await run_period(None, work, 1000, clock=lambda: now)
    assert runs == [1]


async def test_a_failed_run_is_logged_and_does_not_raise(caplog: Any) -> None:
    async def tsa_down(runtime: Any) -> None:
        raise OSError("the TSA did not answer")

    work = PeriodicWork("audit_checkpoint", 60, tsa_down)
    assert not await run_period(None, work, 5, clock=lambda: 5 * 60.0)
    assert "periodic audit_checkpoint failed: OSError: the TSA did not answer" in caplog.text
