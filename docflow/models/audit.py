"""The audit trail: append-only, hash-chained events (see ``docflow.audit``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary
from sqlmodel import Field, SQLModel

from docflow.models.base import UTCDateTime

__all__ = ["GENESIS_HASH", "AuditChainHead", "AuditCheckpoint", "AuditEvent"]

#: ``prev_hash`` of the first event.
GENESIS_HASH = "0" * 64


class AuditEvent(SQLModel, table=True):
    """One thing that happened; never updated or deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    #: Position in the chain: 1, 2, 3, ... without gaps.
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor_user_id: int | None = Field(default=None, index=True)
    actor_agency_id: int | None = Field(default=None, index=True)
    #: Dotted name, e.g. ``auth.login``, ``access.denied``, ``user.created``.
    action: str = Field(max_length=64, index=True)
    subject_type: str | None = Field(default=None, max_length=64)
    subject_id: str | None = Field(default=None, max_length=128)
    request_id: str | None = Field(default=None, max_length=128)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str = Field(max_length=64)
    #: SHA-256 hex of ``prev_hash`` (ASCII hex) followed by the event's canonical JSON.
    hash: str = Field(max_length=64, unique=True)


class AuditChainHead(SQLModel, table=True):
    """The one row naming the newest event; appends lock it to stay in order."""

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_seq: int = Field(default=0)
    last_hash: str = Field(default=GENESIS_HASH, max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    """The chain's head at one moment, signed with the system seal and timestamped.

    ``signature`` is a detached CMS over ``docflow.evidence.checkpoint_payload(seq, hash,
    created_at)``; ``timestamp_token`` is an RFC 3161 token whose message imprint is the
    SHA-256 of ``signature``. Neither needs the database to be checked.
    """

    __tablename__ = "audit_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    #: The last event covered, and its hash.
    seq: int = Field(index=True)
    hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_by_id: int | None = Field(default=None)
    #: ``on_demand``, ``interval`` or ``evidence`` (made for a bundle).
    reason: str = Field(max_length=16)
    signature: bytes = Field(sa_type=LargeBinary)
    timestamp_token: bytes = Field(sa_type=LargeBinary)
    #: The time the TSA vouches for (genTime of the token).
    timestamp_time: datetime = Field(sa_type=UTCDateTime, nullable=False)
