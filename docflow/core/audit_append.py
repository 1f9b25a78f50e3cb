"""Appending to the audit trail: ``record_event`` in the same transaction as the change.

An event's ``digest`` is SHA-256 over its canonical JSON (``canonical_bytes``). An append
is one plain INSERT of the event (its ``seq`` from the database: a sequence on
PostgreSQL, the row id on SQLite): no chain head is read or locked, so appends cost what
any insert costs and never wait on each other. The sequencer (``docflow.audit.sequencer``)
later places the committed events in ``audit_log`` and extends the hash chain over their
digests (``docflow.core.audit_digest``); until then an event is *pending*, visible to
``docflow audit verify`` as such. ``record_refusal`` records an ``access.denied`` (or
another refusal) in its own short transaction, so it stays though the request fails.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert

from docflow.core.audit_digest import EVENT_FIELDS, canonical_event_bytes
from docflow.core.audit_models import AuditEvent
from docflow.core.db import AsyncSession
from docflow.core.log import current_request_id
from docflow.core.models_base import utcnow

__all__ = [
    "Actor",
    "Appended",
    "Someone",
    "canonical_bytes",
    "event_digest",
    "record_event",
    "record_refusal",
]


class Someone(Protocol):
    """Who did something: the signed-in ``Principal`` (``docflow.accounts.permissions``)
    or an ``Actor``."""

    @property
    def user_id(self) -> int | None: ...

    @property
    def agency_id(self) -> int | None: ...


@dataclass(frozen=True)
class Appended:
    """What an append gave the event: its number, its digest and its time."""

    seq: int
    digest: str
    occurred_at: datetime


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


# SQLModel sets __table__ on table=True models at class creation; its stubs leave it out.
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
# The database numbers the event: no MAX(seq), no lock, nothing shared between writers.
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.seq)


async def record_event(
    session: AsyncSession,
    action: str,
    *,
    actor: Someone | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    details: Mapping[str, Any] | None = None,
) -> Appended:
    """Append one event in ``session``'s transaction; the caller commits with its change.

    Takes no lock: the event is chained by the sequencer once committed.
    """
    conn = await session.connection()
    user_id, agency_id = _actor_ids(actor)
    # Round-trip through JSON now so the digest covers exactly what the database returns.
    clean_details = json.loads(json.dumps(dict(details or {}), ensure_ascii=False, default=str))
    row: dict[str, Any] = {
        "occurred_at": utcnow(),
        "actor_user_id": user_id,
        "actor_agency_id": agency_id,
        "action": action[:64],
        "subject_type": None if subject_type is None else subject_type[:64],
        # What a client typed (e.g. an unknown username) may be long: the column is 128.
        "subject_id": None if subject_id is None else str(subject_id)[:128],
        "request_id": current_request_id.get(),
        "details": clean_details,
    }
    row["digest"] = hashlib.sha256(
        canonical_event_bytes(*(row[name] for name in EVENT_FIELDS))
    ).hexdigest()
    # A prepared Core statement on the session's connection, and no model validated on
    # the way: the append is on every change's path and must cost what an insert costs.
    seq = int((await conn.execute(_INSERT_EVENT, row)).scalar_one())
    return Appended(seq=seq, digest=row["digest"], occurred_at=row["occurred_at"])


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
