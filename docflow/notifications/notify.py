"""``notify``: the one way a feature tells people about an event, in the event's own
transaction (the caller commits). Only people who may read the document are told
(the read rule of ``docflow.accounts.permissions``), as each chose (page, e-mail);
a confidential document's notice carries no subject."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from docflow.accounts.models_user import Role, User, UserRole
from docflow.accounts.permissions import (
    DocumentFacts,
    Principal,
    Receipt,
    can_read_as_issuer,
    can_read_as_recipient,
)
from docflow.core.db import AsyncSession
from docflow.core.jobs.port import JobQueue
from docflow.core.models_base import utcnow
from docflow.notifications.jobs import SendNotificationEmail
from docflow.notifications.kinds import Kind
from docflow.notifications.models import Notification
from docflow.notifications.preferences import Choice, choices_of

__all__ = ["About", "notify", "notify_trail_broken", "people_with_role", "people_of_department"]

_TABLE: Any = Notification.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class About:
    """What a notice is about: a document, seen from its issuing agency (``receipt``
    None) or from the receiving agency of one of its transfers."""

    facts: DocumentFacts
    document_id: int
    subject: str
    symbol: str | None = None
    transfer_id: int | None = None
    receipt: Receipt | None = None
    #: What the person who acted wrote (a returned draft's reason).
    note: str | None = None


async def people_with_role(
    session: AsyncSession, agency_id: int | None, role: Role
) -> list[int]:
    """The active people of ``agency_id`` (None: of every agency) holding ``role``."""
    query = (select(User.id).join(UserRole, col(UserRole.user_id) == col(User.id))
             .where(col(User.is_active), UserRole.role == role.value))
    if agency_id is not None:
        query = query.where(User.agency_id == agency_id)
    return sorted({i for i in (await session.exec(query)).all() if i is not None})


async def people_of_department(session: AsyncSession, department_id: int) -> list[int]:
    rows = await session.exec(
        select(User.id).where(User.department_id == department_id, col(User.is_active))
    )
    return [i for i in rows.all() if i is not None]


async def _readers(session: AsyncSession, user_ids: Iterable[int], about: About) -> list[int]:
    """Those of ``user_ids`` who are active and may read the document as ``about`` says."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    users = (await session.exec(
        select(User).where(col(User.id).in_(ids), col(User.is_active))
    )).all()
    roles: dict[int, set[Role]] = {u.id: set() for u in users if u.id is not None}
    for row in (await session.exec(
        select(UserRole).where(col(UserRole.user_id).in_(list(roles)))
    )).all():
        if row.role in Role._value2member_map_:
            roles[row.user_id].add(Role(row.role))
    kept = []
    for user in users:
        assert user.id is not None
        principal = Principal(user.id, user.username, user.agency_id, user.department_id,
                              frozenset(roles[user.id]), user.province_scope)
        if about.receipt is not None:
            allowed = can_read_as_recipient(principal, about.facts, about.receipt)
        else:
            allowed = can_read_as_issuer(principal, about.facts)
        if allowed:
            kept.append(user.id)
    return kept


def _row(kind: str, user_id: int, about: About, choice: Choice, once: bool) -> dict[str, Any]:
    target = about.transfer_id if about.transfer_id is not None else about.document_id
    return {
        "user_id": user_id,
        "kind": kind,
        "document_id": about.document_id,
        "transfer_id": about.transfer_id,
        # Never the subject of a confidential document: not in the page, not by e-mail.
        "subject": None if about.facts.confidential else about.subject,
        "note": None if about.facts.confidential else about.note,
        "symbol": about.symbol,
        "in_page": choice.in_page,
        "by_email": choice.by_email,
        "once_key": f"{kind}:{target}:{user_id}" if once else None,
        "created_at": utcnow(),
    }


async def notify(
    session: AsyncSession,
    kind: str,
    user_ids: Iterable[int],
    about: About,
    *,
    jobs: JobQueue | None = None,
    once: bool = False,
) -> list[int]:
    """Tell ``user_ids`` (those of them who may read the document) of ``kind``; the ids of
    the notifications made. ``once``: a person gets this kind about this transfer (or
    document) once ever (reminders). With ``jobs`` the e-mails are queued now;
    otherwise the mail sweep (``docflow.notifications.mail.queue_unsent``) queues them."""
    readers = await _readers(session, user_ids, about)
    choices = await choices_of(session, readers)
    wanted = {uid: choices[uid].choice(kind) for uid in readers}
    rows = [_row(kind, uid, about, c, once) for uid, c in wanted.items()
            if c.in_page or c.by_email]
    return await _insert(session, rows, jobs)


async def notify_trail_broken(
    session: AsyncSession, what: str, mark: str, *, jobs: JobQueue | None = None
) -> list[int]:
    """Tell every active auditor that a whole check found the audit trail broken
    (``what``: the check's sentence); once per ``mark`` (where it broke) and person,
    however many checks find the same break."""
    ids = await people_with_role(session, None, Role.AUDITOR)
    choices = await choices_of(session, ids)
    kind = Kind.AUDIT_BROKEN.value
    rows = []
    for uid in ids:
        choice = choices[uid].choice(kind)
        if choice.in_page or choice.by_email:
            rows.append({"user_id": uid, "kind": kind, "subject": what,
                         "in_page": choice.in_page, "by_email": choice.by_email,
                         "once_key": f"{kind}:{mark}:{uid}"[:120], "created_at": utcnow()})
    return await _insert(session, rows, jobs)


async def _insert(
    session: AsyncSession, rows: list[dict[str, Any]], jobs: JobQueue | None
) -> list[int]:
    if not rows:
        return []
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    made: list[int] = []
    for row in rows:  # one by one: a reminder given already is skipped, not an error
        result = await conn.execute(
            insert(_TABLE).values(**row)
            .on_conflict_do_nothing(index_elements=[_TABLE.c.once_key])
            .returning(_TABLE.c.id)
        )
        new_id = result.scalar()
        if new_id is None:
            continue
        made.append(new_id)
        if jobs is not None and row["by_email"]:
            await jobs.enqueue(session, SendNotificationEmail(new_id))
    return made
