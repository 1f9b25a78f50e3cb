"""The dashboard's period: Vietnam-time days, the current month by default, and a 400
that says what is wrong with a bad date, a reversed or an overlong period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from docflow.dashboard.period import MAX_DAYS, BadPeriod, parse_period, vn_today


def test_the_default_is_the_current_month_in_vietnam_time() -> None:
    # 30 Nov 2026 18:00 UTC is already 1 December in Vietnam.
    today = vn_today(datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
    assert today == date(2026, 12, 1)
    period = parse_period(None, "", today)
    assert (period.first, period.last) == (date(2026, 12, 1), date(2026, 12, 31))
    assert parse_period(None, None, date(2028, 2, 10)).last == date(2028, 2, 29)


def test_days_start_and_end_at_vietnam_midnight() -> None:
    period = parse_period("2026-11-01", "2026-11-30")
    assert period.start == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert len(period.days) == 30 and period.days[-1] == date(2026, 11, 30)


def test_one_end_given_fills_the_other_with_its_month() -> None:
    assert parse_period("2026-02-10", None).last == date(2026, 2, 28)
    assert parse_period(None, "2026-02-10").first == date(2026, 2, 1)
    single = parse_period("2026-11-05", "2026-11-05")
    assert single.days == [date(2026, 11, 5)]


@pytest.mark.parametrize("since,until,code", [
    ("2026-13-01", None, "bad_date"), ("01/11/2026", None, "bad_date"),
    ("2026-11-1", None, "bad_date"), (None, "tomorrow", "bad_date"),
    ("2026-11-30", "2026-11-01", "reversed"), ("2025-01-01", "2026-01-02", "too_long"),
])
def test_bad_periods_are_400_with_a_reason(since: str | None, until: str | None,
                                           code: str) -> None:
    with pytest.raises(BadPeriod) as raised:
        parse_period(since, until)
    assert raised.value.status_code == 400 and raised.value.problem == code
    message = str(raised.value)
    if code == "bad_date":
        assert "YYYY-MM-DD" in message and raised.value.facts["name"] in ("from", "to")
    if code == "reversed":
        assert "2026-11-30" in message and "2026-11-01" in message
    if code == "too_long":
        assert str(MAX_DAYS) in message


def test_a_leap_year_fits() -> None:
    assert len(parse_period("2028-01-01", "2028-12-31").days) == MAX_DAYS
