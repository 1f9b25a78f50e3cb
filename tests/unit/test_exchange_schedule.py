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
