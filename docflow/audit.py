"""Appending to the audit trail: ``record_event`` in the same transaction as the change.

Each event's ``hash`` is SHA-256 over ``prev_hash`` (64 ASCII hex characters) followed by
the event's canonical JSON (sorted keys, UTF-8, no whitespace) — see ``canonical_bytes``.
Appends are serialized on the one-row ``audit_chain_head`` table: one
``UPDATE ... RETURNING`` advances ``last_seq`` and reads the head under the row lock
(PostgreSQL) or the database's single write lock (SQLite); an insert trigger (migration
0005) then sets ``last_hash`` to the new event's hash. ``record_refusal``
records an ``access.denied`` (or another refusal) in its own short transaction, so it
stays even though the request fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update

from docflow.db import AsyncSession
from docflow.evidence.chain import EVENT_FIELDS, canonical_event_bytes, link_hash
from docflow.log import current_request_id
from docflow.models import GENESIS_HASH, AuditChainHead, AuditEvent, utcnow
from docflow.permissions import Principal

__all__ = [
    "Actor",
    "ChainReport",
    "canonical_bytes",
    "event_hash",
    "record_event",
    "record_refusal",
    "verify_chain",
    "verify_events",
]


@dataclass(frozen=True)
class Actor:
    """Who did it, when there is no signed-in ``Principal`` (e.g. a failed login)."""

    user_id: int | None = None
    agency_id: int | None = None


def _actor_ids(actor: Principal | Actor | None) -> tuple[int | None, int | None]:
    if actor is None:
        return None, None
    if isinstance(actor, Principal):
        return actor.user_id, actor.agency_id
    return actor.user_id, actor.agency_id


def canonical_bytes(event: AuditEvent) -> bytes:
    """The bytes hashed for ``event``: every field but ``hash``, canonical JSON."""
    return canonical_event_bytes(*(getattr(event, name) for name in EVENT_FIELDS))


def event_hash(event: AuditEvent) -> str:
    """``SHA-256(prev_hash ‖ canonical_bytes(event))`` as hex."""
    return link_hash(event.prev_hash, canonical_bytes(event))


_HEAD = AuditChainHead.__table__  # type: ignore[attr-defined]
# One statement takes the write lock and reads the head: the UPDATE row-locks it on
# PostgreSQL and starts SQLite's write transaction, so the values returned cannot be
# stale; the lock is held until the caller commits.
_ADVANCE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_seq=_HEAD.c.last_seq + 1)
    .returning(_HEAD.c.last_seq, _HEAD.c.last_hash)
)
_INSERT_EVENT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]


async def record_event(
    session: AsyncSession,
    action: str,
    *,
    actor: Principal | Actor | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in ``session``'s transaction; the caller commits with its change.

    Holds the chain head locked until that commit: keep the transaction short.
    """
    conn = await session.connection()
    head = (await conn.execute(_ADVANCE_HEAD)).first()
    if head is None:  # a database created without the migration's row
        session.add(AuditChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH))
        await session.flush()
        head = (await conn.execute(_ADVANCE_HEAD)).first()
        assert head is not None
    seq, prev_hash = int(head[0]), str(head[1])
    user_id, agency_id = _actor_ids(actor)
    # Round-trip through JSON now so the hash covers exactly what the database returns.
    clean_details = json.loads(json.dumps(dict(details or {}), ensure_ascii=False, default=str))
    event = AuditEvent(
        seq=seq,
        occurred_at=utcnow(),
        actor_user_id=user_id,
        actor_agency_id=agency_id,
        action=action[:64],
        subject_type=None if subject_type is None else subject_type[:64],
        # What a client typed (e.g. an unknown username) may be long: the column is 128.
        subject_id=None if subject_id is None else str(subject_id)[:128],
        request_id=current_request_id.get(),
        details=clean_details,
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = event_hash(event)
    # A prepared Core statement on the session's connection, not the unit of work: the
    # append is on every change's path. The insert trigger (migration 0005) makes this
    # event's hash the head's ``last_hash``.
    await conn.execute(_INSERT_EVENT, event.model_dump())
    return event


async def record_refusal(
    session: AsyncSession,
    action: str,
    *,
    actor: Principal | Actor | None = None,
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


@dataclass(frozen=True)
class ChainReport:
    """Whether the stored chain is intact; ``first_bad_seq`` names where it breaks."""

    events: int
    intact: bool
    first_bad_seq: int | None = None
    reason: str | None = None


def verify_events(events: Sequence[AuditEvent]) -> ChainReport:
    """Check ``events`` (in ``seq`` order, from the first) link and hash correctly."""
    previous = GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainReport(len(events), False, event.seq, f"expected seq {expected_seq}")
        if event.prev_hash != previous:
            return ChainReport(len(events), False, event.seq, "prev_hash does not link")
        if event_hash(event) != event.hash:
            return ChainReport(len(events), False, event.seq, "hash does not match content")
        previous = event.hash
    return ChainReport(len(events), True)


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Check the stored trail (links, head, checkpoints' hashes) in batches; see
    ``docflow.services.audit_chain.check_chain`` for the full status."""
    from docflow.services.audit_chain import check_chain

    status = await check_chain(session)
    broken = status.first_broken
    if broken is None:
        return ChainReport(status.events_checked, True)
    return ChainReport(status.events_checked, False, broken.seq, broken.problem)
