"""Transfers between agencies: one per (document, recipient agency), its signed status
events, and the verification report made when the issued file arrived."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel, UniqueConstraint

from docflow.core.models_base import UTCDateTime, utcnow

__all__ = ["DocumentCorrection", "Transfer", "TransferEvent", "VerificationRecord"]


class DocumentCorrection(SQLModel, table=True):
    """A document issued to correct an earlier one of the same agency: an update (edXML
    business type 2, a correcting letter: error of form) or a replacement (3: error of
    substance). Its transfers carry the business type and the corrected document."""

    __tablename__ = "document_correction"

    document_id: int = Field(
        foreign_key="document.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    corrects_document_id: int = Field(foreign_key="document.id", index=True)
    #: 2 (update) or 3 (replace).
    business_type: int
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class VerificationRecord(SQLModel, table=True):
    """The validation report of one issued file, made once when it is dispatched and
    shown to every recipient (the same bytes give the same verdict)."""

    __tablename__ = "verification_record"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="document_version.id", unique=True)
    sha256: str = Field(max_length=64)
    #: ``passed``, ``failed`` or ``indeterminate``.
    verdict: str = Field(max_length=16)
    #: ``signing.DocumentReport.to_dict()``.
    report: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Transfer(SQLModel, table=True):
    """One issued document on its way to one recipient agency, and its handling there."""

    __tablename__ = "transfer"
    __table_args__ = (
        UniqueConstraint("document_id", "recipient_agency_id"),
        UniqueConstraint("recipient_agency_id", "incoming_year", "incoming_number"),
        # The inbox: one agency's working transfers, most urgent then newest first.
        Index(
            "ix_transfer_inbox", "recipient_agency_id", "active", "priority", "arrived_at", "id"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    #: The issued version that was sent (the file is stored once for every recipient).
    version_id: int = Field(foreign_key="document_version.id")
    sender_agency_id: int = Field(foreign_key="agency.id", index=True)
    recipient_agency_id: int = Field(foreign_key="agency.id")
    #: Identifier codes (OrganId) as used on the exchange.
    sender_code: str = Field(max_length=32)
    recipient_code: str = Field(max_length=32)
    #: edXML business type (0 new, 1 recall, 2 update, 3 replace) and the corrected document.
    business_type: int = Field(default=0)
    corrects_document_id: int | None = Field(default=None, foreign_key="document.id")
    #: edXML priority 0..4 (from the document's urgency); the inbox sorts on it.
    priority: int = Field(default=0)
    #: Current edXML status code, two digits (``docflow.transfers.statuses.TransferStatus``).
    status: str = Field(max_length=2)
    #: The status a recall interrupted (handling resumes from it if the recall is refused).
    status_before_recall: str | None = Field(default=None, max_length=2)
    #: False once the recipient accepted a recall: out of the working views, kept in the trail.
    active: bool = Field(default=True)
    #: ``passed|failed|indeterminate``: the verdict on the file as it arrived.
    verification: str = Field(max_length=16)
    verification_id: int | None = Field(default=None, foreign_key="verification_record.id")
    arrived_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    #: Incoming register (sổ văn bản đến), once accepted.
    incoming_year: int | None = Field(default=None)
    incoming_number: int | None = Field(default=None)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    #: The recipient's copy with its incoming stamp ("ĐẾN"), a separate stored object.
    stamped_sha256: str | None = Field(default=None, max_length=64)
    stamped_size: int | None = Field(default=None)
    #: Handling inside the recipient agency; never shown to the sender.
    assigned_department_id: int | None = Field(default=None, foreign_key="department.id")
    assigned_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    instructions: str | None = Field(default=None, sa_type=Text)
    deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Register note (e.g. the recall), shown in the incoming register.
    notes: str | None = Field(default=None, sa_type=Text)
    #: Sequence number of the last status event (events are numbered 1, 2, 3, ...).
    last_seq: int = Field(default=0)


class TransferEvent(SQLModel, table=True):
    """One status message about a transfer, signed by the agency that emitted it.

    ``signature`` is over ``docflow.transfers.status_signing.canonical_status_bytes``;
    ``private`` holds the recipient's handling details (assignee, instructions), which
    are not signed into the exchange message and never shown to the sender.
    """

    __tablename__ = "transfer_event"
    __table_args__ = (UniqueConstraint("transfer_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id", index=True)
    seq: int
    document_id: int
    status: str = Field(max_length=2)
    from_code: str = Field(max_length=32)
    to_code: str = Field(max_length=32)
    reason: str | None = Field(default=None, sa_type=Text)
    actor_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    #: The actor as signed (``username``, or ``system`` for the arrival).
    actor: str = Field(max_length=64)
    actor_name: str | None = Field(default=None, max_length=255)
    occurred_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    private: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: Signature (base64) by the emitting agency's seal key, and that seal certificate.
    signature: str = Field(sa_type=Text)
    signature_algorithm: str = Field(max_length=32)
    certificate_pem: str = Field(sa_type=Text)
