"""Numbers and symbols of the outgoing register (Decree 30: consecutive from 01 on
1 January, no gaps, no duplicates, separate series where the rules ask for one).

``next_number`` must be the first statement of the issuing transaction: it locks the
series' counter row until that transaction ends (PostgreSQL: ``SELECT ... FOR UPDATE``;
SQLite: an ``UPDATE`` first, which takes the database's single write lock — what
``BEGIN IMMEDIATE`` would do). Whoever holds the lock signs and commits; a rollback
releases the number untouched, so the next issuer gets the same one.
"""

from __future__ import annotations

import asyncio
import weakref
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from docflow.core.db import AsyncSession
from docflow.core.runtime import Runtime
from docflow.documents.doctypes import document_type
from docflow.documents.models import Confidentiality, RegisterCounter

__all__ = [
    "VIETNAM",
    "date_line",
    "ensure_counter",
    "format_number",
    "next_number",
    "series_for",
    "series_gate",
    "symbol_for",
]

#: Dates on documents are Vietnam's (UTC+07:00, no daylight saving).
VIETNAM = timezone(timedelta(hours=7), "ICT")

GENERAL_SERIES = "general"
SECRET_SERIES = "secret"


def series_for(confidentiality: str) -> str:
    """Secret documents have their own number series; everything else shares one."""
    return GENERAL_SERIES if confidentiality == Confidentiality.NONE.value else SECRET_SERIES


def format_number(number: int) -> str:
    """Numbers below 10 carry a leading zero: 7 -> ``07``."""
    return f"{number:02d}"


def symbol_for(
    number: int, type_key: str, agency_abbreviation: str, drafting_unit: str | None
) -> str:
    """``07/QĐ-UBND`` for typed documents; ``125/UBND-VP`` for a công văn (agency then
    drafting unit), ``125/UBND`` when no drafting unit is given."""
    kind = document_type(type_key)
    n = format_number(number)
    if kind.abbreviation is None:
        return f"{n}/{agency_abbreviation}" + (f"-{drafting_unit}" if drafting_unit else "")
    return f"{n}/{kind.abbreviation}-{agency_abbreviation}"


def date_line(issued_at: datetime, place: str | None) -> str:
    """``Hậu Giang, ngày 05 tháng 02 năm 2026`` (days below 10, months below 3 padded)."""
    local = issued_at.astimezone(VIETNAM)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    text = f"ngày {local.day:02d} tháng {month} năm {local.year}"
    return f"{place}, {text}" if place else text.capitalize()


_gates: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[int, int, str], asyncio.Lock]
] = weakref.WeakKeyDictionary()


def series_gate(agency_id: int, year: int, series: str) -> asyncio.Lock:
    """An in-process lock per series, taken before the database lock: issuers queue here
    without holding a database connection. Correctness still rests on the row lock (other
    processes, other servers); this only keeps the connection pool free."""
    per_loop = _gates.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault((agency_id, year, series), asyncio.Lock())


async def ensure_counter(runtime: Runtime, agency_id: int, year: int, series: str) -> None:
    """Create the series' counter at 0 if it is missing (its own short transaction)."""
    async with runtime.session() as session:
        key = (agency_id, year, series)
        if await session.get(RegisterCounter, key) is not None:
            return
        session.add(RegisterCounter(agency_id=agency_id, year=year, series=series))
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()  # another request created it first: fine


async def next_number(session: AsyncSession, agency_id: int, year: int, series: str) -> int:
    """Lock the counter and answer the number after its last; ``commit_number`` records it.

    Must run first in a fresh transaction (see the module docstring).
    """
    where = and_(
        col(RegisterCounter.agency_id) == agency_id,
        col(RegisterCounter.year) == year,
        col(RegisterCounter.series) == series,
    )
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        # A write first: takes SQLite's write lock now instead of upgrading a read later.
        await session.exec(
            update(RegisterCounter).where(where).values(last_number=RegisterCounter.last_number)
        )
        query = select(RegisterCounter).where(where)
    else:
        query = select(RegisterCounter).where(where).with_for_update()
    counter = (await session.exec(query.execution_options(populate_existing=True))).one()
    return counter.last_number + 1


async def commit_number(
    session: AsyncSession, agency_id: int, year: int, series: str, number: int
) -> None:
    """Record ``number`` as the series' last (inside the transaction holding the lock)."""
    counter = await session.get(RegisterCounter, (agency_id, year, series))
    assert counter is not None and counter.last_number == number - 1
    counter.last_number = number
    session.add(counter)
