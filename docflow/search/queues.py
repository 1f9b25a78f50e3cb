"""Work queues: what waits for a person, counted for the menu and listed on the
existing pages with a ``queue`` filter.

- ``to_sign`` (leader): drafts of their agency waiting for their signature (``/to-sign``);
- ``to_issue`` (clerk): signed documents not issued yet (``/drafts?queue=to_issue``);
- ``to_receive`` (clerk): arrived transfers not accepted or returned (01, ``/inbox``);
- ``assigned`` (anyone who acts): open transfers assigned to them;
- ``overdue``: open transfers past their deadline: the whole agency's for its clerks and
  leaders, otherwise those assigned to the person or their department;
- ``waiting`` (clerk): documents the agency issued that a recipient has not accepted yet
  (``/outbox?queue=waiting``).

Every count is of documents the person may read (the queues are the agency's own work,
which its clerks and leaders read, and the person's own assignments and signatures).
All counts come from one query (``queue_counts``); a page computes them once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, distinct, func, or_, select
from sqlmodel import col

from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.core.models_base import utcnow
from docflow.documents.models import Document, DocumentState
from docflow.transfers.inbox import InboxFilter
from docflow.transfers.models import Transfer
from docflow.transfers.statuses import TERMINAL, TransferStatus

__all__ = [
    "QUEUES",
    "Queue",
    "inbox_filter",
    "queue_counts",
    "queues_of",
    "waiting_document_ids",
]

QUEUES = ("to_sign", "to_issue", "to_receive", "assigned", "overdue", "waiting")
INBOX_QUEUES = ("to_receive", "assigned", "overdue")
LINKS = {
    "to_sign": "/to-sign",
    "to_issue": "/drafts?queue=to_issue",
    "to_receive": "/inbox?queue=to_receive",
    "assigned": "/inbox?queue=assigned",
    "overdue": "/inbox?queue=overdue",
    "waiting": "/outbox?queue=waiting",
}
_CLOSED = sorted({*TERMINAL, TransferStatus.COMPLETED.value})
#: Not accepted yet: sent to another system and not reported (""), or arrived (01).
_UNACCEPTED = ["", TransferStatus.ARRIVED.value]
_D: Any = Document.__table__  # type: ignore[attr-defined]
_T: Any = Transfer.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Queue:
    key: str
    count: int
    url: str


def queues_of(p: Principal) -> list[str]:
    """The queues ``p``'s roles give them, in menu order (none for read-only people)."""
    if p.is_read_only or not (p.roles & {Role.LEADER, Role.CLERK, Role.SPECIALIST}):
        return []
    offered = {"assigned", "overdue"}
    if p.has(Role.LEADER):
        offered.add("to_sign")
    if p.has(Role.CLERK):
        offered |= {"to_issue", "to_receive", "waiting"}
    return [q for q in QUEUES if q in offered]


def _agency_wide(p: Principal) -> bool:
    return p.has(Role.CLERK) or p.has(Role.LEADER)


def _open_incoming(p: Principal) -> list[Any]:
    return [_T.c.recipient_agency_id == p.agency_id, _T.c.active.is_(True),
            _T.c.status.not_in(_CLOSED)]


def _mine(p: Principal) -> Any:
    mine = [_T.c.assigned_user_id == p.user_id]
    if p.department_id is not None:
        mine.append(_T.c.assigned_department_id == p.department_id)
    return or_(*mine)


def _count(key: str, p: Principal, now: datetime) -> Any:
    """A scalar subquery counting one queue."""
    if key == "to_sign":
        return select(func.count()).select_from(_D).where(
            _D.c.agency_id == p.agency_id, _D.c.state == DocumentState.DRAFT.value,
            _D.c.signer_id == p.user_id)
    if key == "to_issue":
        return select(func.count()).select_from(_D).where(
            _D.c.agency_id == p.agency_id, _D.c.state == DocumentState.SIGNED.value)
    if key == "to_receive":
        return select(func.count()).select_from(_T).where(
            _T.c.recipient_agency_id == p.agency_id, _T.c.active.is_(True),
            _T.c.status == TransferStatus.ARRIVED.value)
    if key == "assigned":
        return select(func.count()).select_from(_T).where(
            *_open_incoming(p), _T.c.assigned_user_id == p.user_id)
    if key == "overdue":
        scope = [] if _agency_wide(p) else [_mine(p)]
        return select(func.count()).select_from(_T).where(
            *_open_incoming(p), _T.c.deadline < now, *scope)
    return select(func.count(distinct(_T.c.document_id))).select_from(
        _T.join(_D, _D.c.id == _T.c.document_id)
    ).where(_D.c.agency_id == p.agency_id, _T.c.sender_agency_id == p.agency_id,
            _T.c.active.is_(True), _T.c.status.in_(_UNACCEPTED))


async def queue_counts(session: AsyncSession, p: Principal) -> list[Queue]:
    """``p``'s queues with their counts, in one query."""
    keys = queues_of(p)
    if not keys:
        return []
    now = utcnow()
    query = select(*[_count(k, p, now).scalar_subquery().label(k) for k in keys])
    row = (await (await session.connection()).execute(query)).one()
    return [Queue(k, int(getattr(row, k) or 0), LINKS[k]) for k in keys]


def inbox_filter(queue: str | None, p: Principal, limit: int) -> InboxFilter:
    """The inbox's filter for one of its queues (``None``: the whole inbox)."""
    if queue is None or queue == "":
        return InboxFilter(limit=limit)
    if queue not in INBOX_QUEUES:
        raise InvalidInput(f"queue must be one of {', '.join(INBOX_QUEUES)}.")
    if queue == "to_receive":
        return InboxFilter(status=TransferStatus.ARRIVED.value, limit=limit)
    if queue == "assigned":
        return InboxFilter(handler_user_id=p.user_id, limit=limit)
    if _agency_wide(p):
        return InboxFilter(overdue_at=utcnow(), limit=limit)
    return InboxFilter(overdue_at=utcnow(), handler_user_id=p.user_id,
                       handler_department_id=p.department_id, limit=limit)


async def waiting_document_ids(session: AsyncSession, p: Principal) -> set[int]:
    """Documents of ``p``'s agency that a recipient has not accepted yet."""
    query = select(_T.c.document_id).distinct().where(
        and_(_T.c.sender_agency_id == p.agency_id, _T.c.active.is_(True),
             _T.c.status.in_(_UNACCEPTED)),
        col(Transfer.document_id).in_(
            select(_D.c.id).where(_D.c.agency_id == p.agency_id)),
    )
    found = (await (await session.connection()).execute(query)).scalars().all()
    return {int(i) for i in found}
