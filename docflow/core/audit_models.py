"""The audit trail's tables: insert-only, the application may only INSERT and SELECT.

- ``audit_event``: what happened, and its ``digest`` (SHA-256 of its canonical content,
  ``docflow.core.audit_digest``), written by whoever records it.
- ``audit_log``: the order. Row ``position`` (1, 2, 3, ... without gaps) names one event
  and carries its digest and the hash chain over digests; the Merkle tree of the
  checkpoints is over the same digests, in the same order.
- ``audit_checkpoint``: signed, timestamped tree heads, one per log size.
- ``audit_verification``: the outcome of each whole check of the trail (periodic or asked
  for), which the audit page shows instead of checking every event on every view.

No row is ever updated. Writers insert ``audit_event`` rows only (``seq`` from the
database: a sequence on PostgreSQL, the row id on SQLite; it orders nothing). One
sequencer at a time (``docflow.audit.sequencer``, under a lock) appends ``audit_log``
rows for the committed events without one, in batches, reading the newest position and
chain from the last row: events become chained when sequenced and provable when
checkpointed; an event without a log row is *pending*, and ``audit verify`` says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary
from sqlmodel import Field, SQLModel

from docflow.core.models_base import UTCDateTime

__all__ = [
    "AUDIT_TABLES",
    "GENESIS_CHAIN",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditLog",
    "AuditVerification",
]

#: ``chain`` before the first log row.
GENESIS_CHAIN = "0" * 64
#: The tables the application may only insert into and read.
AUDIT_TABLES = ("audit_event", "audit_log", "audit_checkpoint", "audit_verification")


class AuditEvent(SQLModel, table=True):
    """One thing that happened; never updated or deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    #: The event's number, given by the database as events are written (a sequence on
    #: PostgreSQL, the row id on SQLite); its place in the order is its log position.
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": True})
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor_user_id: int | None = Field(default=None, index=True)
    actor_agency_id: int | None = Field(default=None, index=True)
    #: Dotted name, e.g. ``auth.login``, ``access.denied``, ``user.created``.
    action: str = Field(max_length=64, index=True)
    subject_type: str | None = Field(default=None, max_length=64)
    subject_id: str | None = Field(default=None, max_length=128)
    request_id: str | None = Field(default=None, max_length=128)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: SHA-256 hex of the canonical content (every field above but ``seq``).
    digest: str = Field(max_length=64)


class AuditLog(SQLModel, table=True):
    """The order of events: the leaves of the Merkle tree and the links of the chain."""

    __tablename__ = "audit_log"

    #: 1, 2, 3, ... without gaps; leaf ``position - 1`` of the tree.
    position: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    event_seq: int = Field(foreign_key="audit_event.seq", unique=True)
    #: The event's digest, copied so proofs and checkpoints need this table only.
    digest: str = Field(max_length=64)
    #: SHA-256 hex of the previous row's ``chain`` and this ``digest`` (raw bytes).
    chain: str = Field(max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    """The log's head at one moment, signed with the system seal and timestamped.

    ``statement`` is the exact bytes signed (``docflow.audit.checkpoint_sign``): the log
    size, the Merkle root and the chain after that many events, and the time. The
    primary key on ``size`` lets only one worker sign a given head. A copy of each
    checkpoint, with the digests it added, is kept in the object store as well.
    """

    __tablename__ = "audit_checkpoint"

    #: How many log rows the checkpoint covers.
    size: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None)
    #: ``on_demand``, ``interval``, ``evidence`` (made for a bundle) or ``legacy``
    #: (signed before digests: a statement of ``seq`` and chain hash, no tree root).
    reason: str = Field(max_length=16)
    statement: bytes = Field(sa_type=LargeBinary)
    #: Detached CMS over ``statement`` by the system seal.
    signature: bytes = Field(sa_type=LargeBinary)
    #: RFC 3161 token whose message imprint is the SHA-256 of ``signature``.
    timestamp_token: bytes = Field(sa_type=LargeBinary)
    #: The time the TSA vouches for (genTime of the token).
    timestamp_time: datetime = Field(sa_type=UTCDateTime, nullable=False)
    #: The tree's frontier at ``size`` (``merkle.Frontier.to_bytes``) so the next
    #: checkpoint reads only the digests added since; empty for legacy checkpoints.
    frontier: bytes = Field(default=b"", sa_type=LargeBinary)


class AuditVerification(SQLModel, table=True):
    """One whole check of the trail (``docflow.audit.verifications``) and what it found.

    Insert-only like the trail: a check that found the chain broken stays on record
    whatever is inserted after it.
    """

    __tablename__ = "audit_verification"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    finished_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    #: ``interval`` (the periodic check), ``requested`` (an auditor asked on the audit
    #: page), ``api`` (``GET /api/v1/audit/verify``) or ``first_view`` (the page found no
    #: check on record).
    trigger: str = Field(max_length=16)
    requested_by_id: int | None = Field(default=None)
    ok: bool
    #: The newest event number the check covered (events after it came later).
    newest_seq: int = Field(default=0)
    newest_event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: ``ChainStatus.to_dict()``: what ``GET /api/v1/audit/verify`` answers.
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
