"""How edXML writes dates, times and agency codes, and how they are read back.

Dates are ``yyyy/MM/dd``; times are ``yyyy/MM/dd HH:mm:ss`` in Vietnam time (UTC+7)
with no zone written. Readers are strict: ``31/12/2025`` or ``2025-12-31`` is not a
date here, since the checkers on the axis refuse it too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

__all__ = [
    "VIETNAM_TIME",
    "format_date",
    "format_timestamp",
    "is_organ_id",
    "parse_date",
    "parse_integer",
    "parse_timestamp",
]

#: Vietnam time, the zone every edXML timestamp is written in (no daylight saving).
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")

# ASCII digits only: \d would also accept other scripts' digits, which peers do not
_DATE = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})")
_TIMESTAMP = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_INTEGER = re.compile(r"[+-]?[0-9]+")
# four groups; the first three assigned by each province (letters and digits), the
# last the level-1 body: a capital letter and two digits (H30 a province, G01 a ministry)
_ORGAN_ID = re.compile(r"[0-9A-Za-z]+\.[0-9A-Za-z]+\.[0-9A-Za-z]+\.[A-Z][0-9]{2}")


def format_date(value: date) -> str:
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def format_timestamp(value: datetime) -> str:
    """``value`` (zone-aware) in Vietnam time, to the second. A naive time is refused
    by the caller before it gets here (see ``checks``)."""
    if value.tzinfo is None:
        raise ValueError("a timestamp needs a time zone")
    local = value.astimezone(VIETNAM_TIME)
    return f"{format_date(local.date())} {local.hour:02d}:{local.minute:02d}:{local.second:02d}"


def parse_date(text: str) -> date | None:
    """The date written ``yyyy/MM/dd`` in ``text`` (spaces around allowed), else ``None``."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def parse_timestamp(text: str) -> datetime | None:
    """The Vietnam-time instant written ``yyyy/MM/dd HH:mm:ss``, else ``None``."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM_TIME)
    except ValueError:
        return None


def parse_integer(text: str) -> int | None:
    """The whole number written in ASCII digits in ``text``, else ``None``."""
    stripped = text.strip()
    return int(stripped) if _INTEGER.fullmatch(stripped) else None


def is_organ_id(text: str) -> bool:
    """Whether ``text`` has the shape of an agency identifier code (``000.00.00.H30``).

    Only the shape: codes are data, their digits carry no meaning docflow relies on.
    """
    return _ORGAN_ID.fullmatch(text) is not None
