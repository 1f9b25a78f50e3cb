"""Appending to the audit trail: ``record_event`` in the same transaction as the change.

An event's ``digest`` is SHA-256 over its canonical JSON (``canonical_bytes``); its
``audit_log`` row places that digest in the log and extends the hash chain over digests
(``docflow.core.audit_digest``). Nothing is ever updated: appends are serialized, and each
reads the newest log row. On PostgreSQL a transaction-scoped advisory lock serializes
them; on SQLite the event's INSERT takes the database's single write lock first. Either
lock is held until the caller commits. ``record_refusal`` records an ``access.denied``
(or another refusal) in its own short transaction, so it stays though the request fails.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, insert, select, text

from docflow.core.audit_digest import EVENT_FIELDS, canonical_event_bytes, chain_next
from docflow.core.audit_models import GENESIS_CHAIN, AuditEvent, AuditLog
from docflow.core.db import AsyncSession
from docflow.core.log import current_request_id
from docflow.core.models_base import utcnow

__all__ = [
    "APPEND_LOCK",
    "Actor",
    "Someone",
    "canonical_bytes",
    "event_digest",
    "record_event",
    "record_refusal",
]

#: PostgreSQL advisory lock key that serializes appends ("docflow" in ASCII, then 1).
APPEND_LOCK = 0x646F63666C6F7701


class Someone(Protocol):
    """Who did something: the signed-in ``Principal`` (``docflow.accounts.permissions``)
    or an ``Actor``."""

    @property
    def user_id(self) -> int | None: ...

    @property
    def agency_id(self) -> int | None: ...


@dataclass(frozen=True)
class Actor:
    """Who did it, when there is no signed-in ``Principal`` (e.g. a failed login)."""

    user_id: int | None = None
    agency_id: int | None = None


def _actor_ids(actor: Someone | None) -> tuple[int | None, int | None]:
    if actor is None:
        return None, None
    return actor.user_id, actor.agency_id


def canonical_bytes(event: AuditEvent) -> bytes:
    """The bytes ``event``'s digest is taken of: its content, canonical JSON."""
    return canonical_event_bytes(*(getattr(event, name) for name in EVENT_FIELDS))


def event_digest(event: AuditEvent) -> str:
    """``SHA-256(canonical_bytes(event))`` as hex."""
    return hashlib.sha256(canonical_bytes(event)).hexdigest()


_LOCK = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=APPEND_LOCK)
# SQLModel sets __table__ on table=True models at class creation; its stubs leave it out.
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
_LOG = AuditLog.__table__  # type: ignore[attr-defined]
# One statement numbers and writes the event: on SQLite it takes the write lock before
# reading MAX(seq); on PostgreSQL the advisory lock is already held.
_INSERT_EVENT = (
    insert(_EVENTS)
    .values(seq=select(func.coalesce(func.max(_EVENTS.c.seq), 0) + 1).scalar_subquery())
    .returning(_EVENTS.c.seq)
)
_LAST_LOG = select(_LOG.c.position, _LOG.c.chain).order_by(_LOG.c.position.desc()).limit(1)
_INSERT_LOG = insert(_LOG)


async def record_event(
    session: AsyncSession,
    action: str,
    *,
    actor: Someone | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in ``session``'s transaction; the caller commits with its change.

    Holds the append lock until that commit: keep the transaction short.
    """
    conn = await session.connection()
    user_id, agency_id = _actor_ids(actor)
    # Round-trip through JSON now so the digest covers exactly what the database returns.
    clean_details = json.loads(json.dumps(dict(details or {}), ensure_ascii=False, default=str))
    event = AuditEvent(
        seq=0,
        occurred_at=utcnow(),
        actor_user_id=user_id,
        actor_agency_id=agency_id,
        action=action[:64],
        subject_type=None if subject_type is None else subject_type[:64],
        # What a client typed (e.g. an unknown username) may be long: the column is 128.
        subject_id=None if subject_id is None else str(subject_id)[:128],
        request_id=current_request_id.get(),
        details=clean_details,
        digest="",
    )
    event.digest = event_digest(event)
    if conn.dialect.name == "postgresql":
        await conn.execute(_LOCK)
    # Prepared Core statements on the session's connection, not the unit of work: the
    # append is on every change's path.
    row = event.model_dump(exclude={"seq"})
    event.seq = int((await conn.execute(_INSERT_EVENT, row)).scalar_one())
    last = (await conn.execute(_LAST_LOG)).first()
    position = 1 if last is None else int(last[0]) + 1
    previous = GENESIS_CHAIN if last is None else str(last[1])
    await conn.execute(
        _INSERT_LOG,
        {
            "position": position,
            "event_seq": event.seq,
            "digest": event.digest,
            "chain": chain_next(previous, event.digest),
        },
    )
    return event


async def record_refusal(
    session: AsyncSession,
    action: str,
    *,
    actor: Someone | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Roll back what ``session`` did, record the refusal and commit it on its own.

    For a request that is about to fail: the refusal stays, the request's work does not.
    """
    await session.rollback()
    await record_event(
        session,
        action,
        actor=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )
    await session.commit()
