"""A person's notifications as the page and the API show them: unread first, newest
first; marking one or all read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput, NotFoundError
from docflow.core.models_base import utcnow
from docflow.notifications.models import Notification

__all__ = ["MAX_LIMIT", "NoticePage", "as_json", "link_of", "list_notices", "mark_all_read",
           "mark_read", "unread_count"]

MAX_LIMIT = 100
#: Past any person's notifications, and what PostgreSQL's OFFSET (a bigint) still takes.
MAX_OFFSET = 2**31 - 1
_TABLE: Any = Notification.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NoticePage:
    items: list[Notification]
    total: int
    unread: int


def _mine(user_id: int) -> Any:
    return (col(Notification.user_id) == user_id) & col(Notification.in_page)


async def unread_count(session: AsyncSession, user_id: int) -> int:
    """The number on the bell."""
    count = await session.exec(
        select(func.count()).select_from(Notification)
        .where(_mine(user_id), col(Notification.read_at).is_(None))
    )
    return int(count.one())


async def list_notices(
    session: AsyncSession, user_id: int, *, unread_only: bool = False,
    limit: int = 20, offset: int = 0,
) -> NoticePage:
    if not 1 <= limit <= MAX_LIMIT or not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"limit is 1 to {MAX_LIMIT} and offset 0 to {MAX_OFFSET}.")
    where = _mine(user_id)
    if unread_only:
        where = where & col(Notification.read_at).is_(None)
    total = int((await session.exec(
        select(func.count()).select_from(Notification).where(where)
    )).one())
    rows = await session.exec(
        select(Notification).where(where)
        # Unread (no read_at) first, then newest.
        .order_by(col(Notification.read_at).is_not(None), col(Notification.id).desc())
        .limit(limit).offset(offset)
    )
    return NoticePage(list(rows.all()), total, await unread_count(session, user_id))


async def mark_read(session: AsyncSession, user_id: int, notification_id: int) -> Notification:
    """Mark one of the person's notifications read (404 for anyone else's)."""
    row = await session.get(Notification, notification_id)
    if row is None or row.user_id != user_id or not row.in_page:
        raise NotFoundError(f"Notification {notification_id} does not exist.")
    if row.read_at is None:
        row.read_at = utcnow()
        session.add(row)
        await session.flush()
    return row


async def mark_all_read(session: AsyncSession, user_id: int) -> int:
    conn = await session.connection()
    result = await conn.execute(
        update(_TABLE)
        .where(_TABLE.c.user_id == user_id, _TABLE.c.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(result.rowcount or 0)


def as_json(row: Notification, link: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "document_id": row.document_id,
        "transfer_id": row.transfer_id,
        "subject": row.subject,
        "symbol": row.symbol,
        "note": row.note,
        "link": link,
        "created_at": row.created_at.isoformat(),
        "read_at": row.read_at.isoformat() if row.read_at else None,
        "email_sent_at": row.email_sent_at.isoformat() if row.email_sent_at else None,
    }


def link_of(row: Notification) -> str:
    """The page to open: the transfer (the receiving side), the document, or the audit
    trail (a notice about it has no document)."""
    if row.document_id is None:
        return "/audit"
    if row.transfer_id is not None and row.kind not in ("refused", "delivery_failed"):
        return f"/transfers/{row.transfer_id}"
    return f"/documents/{row.document_id}"
