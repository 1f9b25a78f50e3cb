"""The delivery schedule and what a peer's answer means (``docflow.exchange.delivery``)."""

from __future__ import annotations

import pytest

from docflow.core.errors import InvalidInput
from docflow.exchange.delivery import Answer, retry_delay
from docflow.exchange.jobs import DeliverPackage
from docflow.exchange.peers import parse_agency


def test_retries_after_30_s_2_min_20_min_then_hourly() -> None:
    assert [retry_delay(n) for n in range(1, 7)] == [30, 120, 1200, 3600, 3600, 3600]


def test_answers() -> None:
    assert Answer(201, None).delivered and not Answer(201, None).permanent
    assert Answer(400, "bad").permanent and Answer(403, "no").permanent
    for retried in (Answer(408, "t"), Answer(429, "slow"), Answer(503, "busy"),
                    Answer(None, "ConnectError")):
        assert not retried.delivered and not retried.permanent


def test_each_attempt_is_its_own_job() -> None:
    assert DeliverPackage(7).key != DeliverPackage(7, 2).key


def test_agency_argument() -> None:
    agency = parse_agency("000.00.00.H31 = Sở Nội vụ")
    assert (agency.code, agency.name) == ("000.00.00.H31", "Sở Nội vụ")
    for bad in ("000.00.00.H31", "x=Name", "000.00.00.H31="):
        with pytest.raises(InvalidInput):
            parse_agency(bad)


def test_the_schedule_is_a_setting() -> None:
    from docflow.core.settings import ConfigurationError, Settings

    settings = Settings.from_env({"DOCFLOW_EXCHANGE_RETRY_SECONDS": "0.5, 2"})
    assert settings.exchange_retry_seconds == (0.5, 2.0)
    assert [retry_delay(n, settings.exchange_retry_seconds) for n in (1, 2, 3, 9)] == [
        0.5, 2, 2, 2]
    assert Settings.from_env({}).exchange_retry_seconds == (30, 120, 1200, 3600)
    for bad in ("x", "30,,60", "0", "-1", "nan", ",".join(["1"] * 21), "100000"):
        with pytest.raises(ConfigurationError, match="DOCFLOW_EXCHANGE_RETRY_SECONDS"):
            Settings.from_env({"DOCFLOW_EXCHANGE_RETRY_SECONDS": bad})


def test_the_job_runner_poll_is_a_setting() -> None:
    from docflow.core.settings import ConfigurationError, Settings

    assert Settings.from_env({}).job_poll_seconds == 2.0
    assert Settings.from_env({"DOCFLOW_JOB_POLL_SECONDS": "0.2"}).job_poll_seconds == 0.2
    for bad in ("0", "61", "fast", "nan"):
        with pytest.raises(ConfigurationError, match="DOCFLOW_JOB_POLL_SECONDS"):
            Settings.from_env({"DOCFLOW_JOB_POLL_SECONDS": bad})
