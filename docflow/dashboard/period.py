"""The period a dashboard covers: whole days in Vietnam time (UTC+07:00), ``from`` and
``to`` included, given as ``YYYY-MM-DD``; by default the current month.

A bad date, ``from`` after ``to`` or a period longer than ``MAX_DAYS`` is a
``BadPeriod`` (400) whose ``problem`` and ``facts`` let a page say it in its language
(the dashboard's own catalogue, ``dash.err.<problem>``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from docflow.core.errors import DomainError
from docflow.documents.numbering import VIETNAM

__all__ = ["MAX_DAYS", "BadPeriod", "Period", "parse_period", "vn_today"]

#: A leap year: per-day figures stay a bounded list.
MAX_DAYS = 366


class BadPeriod(DomainError):
    """The period asked for cannot be used."""

    status_code = 400

    def __init__(self, message: str, problem: str, **facts: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.facts = facts


@dataclass(frozen=True)
class Period:
    """``first`` to ``last`` (both included), whole days in Vietnam time."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        """The first instant of the period (UTC)."""
        return _midnight(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after the period (UTC)."""
        return _midnight(self.last + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM).astimezone(UTC)


def vn_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(VIETNAM).date()


def _day(name: str, value: str | None) -> date | None:
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise BadPeriod(
            f"'{name}' must be a date written YYYY-MM-DD (for example 2026-11-01), "
            f"not {value[:40]!r}.",
            "bad_date", name=name, value=value[:40],
        ) from None


def _month_of(day: date) -> tuple[date, date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def parse_period(since: str | None, until: str | None, today: date | None = None) -> Period:
    """The period named by ``from`` and ``to``: neither gives the current month, only
    ``from`` runs to the end of its month, only ``to`` starts on the first of its month."""
    first, last = _day("from", since), _day("to", until)
    if first is None and last is None:
        first, last = _month_of(today or vn_today())
    elif first is None:
        assert last is not None
        first = _month_of(last)[0]
    elif last is None:
        last = _month_of(first)[1]
    if first > last:
        raise BadPeriod(
            f"'from' ({first.isoformat()}) is after 'to' ({last.isoformat()}): the period "
            "must start on or before the day it ends.",
            "reversed", first=first.isoformat(), last=last.isoformat(),
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise BadPeriod(
            f"The period is {(last - first).days + 1} days long; ask for at most {MAX_DAYS} "
            "days at a time.",
            "too_long", days=str((last - first).days + 1), max=str(MAX_DAYS),
        )
    return Period(first, last)
