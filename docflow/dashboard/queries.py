"""The dashboard's SQL: each figure is counted by the database (GROUP BY agency, day or
person), never by walking rows in Python. The same statements run on SQLite and
PostgreSQL; the two places they differ (a Vietnam-time day, seconds between two times)
are the dialect helpers at the top.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, extract, func, literal_column, or_, true
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode, Department
from docflow.accounts.models_user import User
from docflow.core.db import AsyncSession
from docflow.dashboard.period import Period
from docflow.documents.models import Document
from docflow.exchange.models import DeliveryState, ExchangeDelivery, ExchangePackage
from docflow.transfers.models import Transfer
from docflow.transfers.statuses import TERMINAL

__all__ = [
    "TRANSFER_FIGURES",
    "agencies_in",
    "delivery_problems",
    "issued_by_agency",
    "overdue_by_person",
    "per_day",
    "transfer_figures",
]

#: Columns of ``transfer_figures`` after the agency id, in order.
TRANSFER_FIGURES = (
    "received", "passed", "failed", "indeterminate", "due", "on_time", "completed",
    "handling_seconds", "overdue",
)
_CLOSED = sorted(TERMINAL)  # refused (02), recall accepted (15): no handling left


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def _vn_day(session: AsyncSession, column: Any) -> Any:
    """``YYYY-MM-DD`` of ``column`` in Vietnam time, as text on both databases."""
    if _dialect(session) == "postgresql":
        local = func.timezone(literal_column("INTERVAL '+07:00'"), column)
        return func.to_char(local, "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, "+7 hours")


def _seconds(session: AsyncSession, earlier: Any, later: Any) -> Any:
    if _dialect(session) == "postgresql":
        return extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _within(column: Any, period: Period) -> Any:
    return and_(column >= period.start, column < period.end)


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _in_scope(column: Any, agency_ids: Collection[int] | None) -> Any:
    return true() if agency_ids is None else col(column).in_(sorted(agency_ids))


async def agencies_in(session: AsyncSession, agency_ids: Collection[int] | None) -> list[Any]:
    """(id, name, abbreviation) of this system's agencies in scope, in creation order."""
    query = (
        select(col(Agency.id), col(Agency.name), col(Agency.abbreviation))
        .where(col(Agency.external).is_(False), _in_scope(Agency.id, agency_ids))
        .order_by(col(Agency.id))
    )
    return list((await session.exec(query)).all())


async def issued_by_agency(
    session: AsyncSession, period: Period, agency_ids: Collection[int] | None
) -> dict[int, int]:
    query = (
        select(col(Document.agency_id), func.count())
        .where(_within(col(Document.issued_at), period), _in_scope(Document.agency_id, agency_ids))
        .group_by(col(Document.agency_id))
    )
    return {agency: int(n) for agency, n in (await session.exec(query)).all()}


async def transfer_figures(
    session: AsyncSession, period: Period, now: datetime, agency_ids: Collection[int] | None
) -> dict[int, dict[str, float]]:
    """Per receiving agency, one pass over its transfers: arrivals and their verdicts,
    handling due in the period (on time or not), completions and their total handling
    time, and what is overdue now."""
    t = Transfer
    arrived = _within(col(t.arrived_at), period)
    due_in_period = and_(col(t.active).is_(True), _within(col(t.deadline), period))
    due = and_(due_in_period, or_(col(t.completed_at).is_not(None), col(t.deadline) < now))
    on_time = and_(due, col(t.completed_at) <= col(t.deadline))
    completed = and_(col(t.active).is_(True), _within(col(t.completed_at), period))
    open_ = and_(col(t.active).is_(True), col(t.completed_at).is_(None),
                 col(t.status).not_in(_CLOSED))
    overdue = and_(open_, col(t.deadline) < now)
    handling = func.sum(case((completed, _seconds(session, t.arrived_at, t.completed_at)),
                             else_=0))
    columns: list[Any] = [
        col(t.recipient_agency_id), _count(arrived),
        *(_count(and_(arrived, col(t.verification) == v))
          for v in ("passed", "failed", "indeterminate")),
        _count(due), _count(on_time), _count(completed), handling, _count(overdue),
    ]
    query = (
        select(*columns)
        .where(_in_scope(t.recipient_agency_id, agency_ids),
               or_(arrived, due_in_period, completed, overdue))
        .group_by(col(t.recipient_agency_id))
    )
    rows = (await session.exec(query)).all()
    return {
        row[0]: {name: float(value or 0) for name, value in zip(TRANSFER_FIGURES, row[1:],
                                                                strict=True)}
        for row in rows
    }


async def overdue_by_person(
    session: AsyncSession, now: datetime, agency_ids: Collection[int] | None
) -> list[Any]:
    """(agency id, user id, person's name, department name, count) of open transfers past
    their deadline, most first; a transfer assigned to a department only has no person
    (a transfer assigned to a person counts under the department it was assigned to)."""
    t = Transfer
    columns: list[Any] = [
        col(t.recipient_agency_id), col(t.assigned_user_id), col(User.full_name),
        col(Department.name), func.count(),
    ]
    query = (
        select(*columns)
        .outerjoin(User, col(User.id) == col(t.assigned_user_id))
        .outerjoin(Department, col(Department.id) == col(t.assigned_department_id))
        .where(
            _in_scope(t.recipient_agency_id, agency_ids), col(t.active).is_(True),
            col(t.completed_at).is_(None), col(t.status).not_in(_CLOSED), col(t.deadline) < now,
        )
        .group_by(col(t.recipient_agency_id), col(t.assigned_user_id), col(User.full_name),
                  col(Department.name))
    )
    rows = (await session.exec(query)).all()
    # Most first, then by agency and name (sorted here: NULLs sort differently per database).
    return sorted(rows, key=lambda r: (-r[4], r[0], r[2] is None, r[2] or "", r[3] or ""))


async def delivery_problems(
    session: AsyncSession, period: Period, agency_ids: Collection[int] | None
) -> dict[int, dict[str, int]]:
    """Per sending agency, its outgoing edXML deliveries of the period that failed (gave
    up) or are being retried after a failed attempt (``failed``, ``retrying``)."""
    d = ExchangeDelivery
    failed = col(d.state) == DeliveryState.FAILED.value
    retrying = and_(col(d.state) == DeliveryState.PENDING.value, col(d.attempts) > 0)
    query = (
        select(col(AgencyCode.agency_id), _count(failed), _count(retrying))
        .join(ExchangePackage, col(ExchangePackage.id) == col(d.package_id))
        .join(AgencyCode, col(AgencyCode.code) == col(ExchangePackage.sender_organ_id))
        .where(_within(col(d.created_at), period), or_(failed, retrying),
               _in_scope(AgencyCode.agency_id, agency_ids))
        .group_by(col(AgencyCode.agency_id))
    )
    return {
        agency: {"failed": int(f or 0), "retrying": int(r or 0)}
        for agency, f, r in (await session.exec(query)).all()
    }


async def per_day(
    session: AsyncSession, period: Period, agency_ids: Collection[int] | None
) -> dict[str, dict[str, int]]:
    """``{"YYYY-MM-DD": {"issued": n, "received": n}}`` over the agencies in scope (days
    without either are absent)."""
    days: dict[str, dict[str, int]] = {}
    issued_day = _vn_day(session, col(Document.issued_at))
    received_day = _vn_day(session, col(Transfer.arrived_at))
    for figure, day, where in (
        ("issued", issued_day, and_(_within(col(Document.issued_at), period),
                                    _in_scope(Document.agency_id, agency_ids))),
        ("received", received_day, and_(_within(col(Transfer.arrived_at), period),
                                        _in_scope(Transfer.recipient_agency_id, agency_ids))),
    ):
        query = select(day, func.count()).where(where).group_by(day)
        for value, n in (await session.exec(query)).all():
            days.setdefault(str(value), {"issued": 0, "received": 0})[figure] = int(n)
    return days
