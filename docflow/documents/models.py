"""Outgoing documents, their immutable versions, external-signature sessions and the
outgoing register (counters and entries)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from docflow.core.models_base import UTCDateTime, utcnow

__all__ = [
    "CommentKind",
    "Confidentiality",
    "Document",
    "DocumentAttachment",
    "DocumentComment",
    "DocumentState",
    "DocumentVersion",
    "RegisterCounter",
    "RegisterEntry",
    "SigningSession",
    "Urgency",
    "VersionSource",
]


class DocumentState(StrEnum):
    DRAFT = "draft"  # dự thảo: uploaded, fields added, waiting for the signer
    SIGNED = "signed"  # the competent person signed; waiting for the clerk
    ISSUED = "issued"  # numbered, dated and sealed by the clerk
    #: The signer or a pending approver sent the draft back to its drafter, with a
    #: comment; the drafter edits, replaces the file and resubmits (back to ``draft``).
    RETURNED = "returned"
    #: The drafter took the draft back before anyone signed: out of every queue, kept
    #: (readable, with its versions and comments); nothing is deleted.
    WITHDRAWN = "withdrawn"


class Urgency(StrEnum):
    NORMAL = "normal"
    KHAN = "khan"  # Khẩn
    THUONG_KHAN = "thuong_khan"  # Thượng khẩn
    HOA_TOC = "hoa_toc"  # Hỏa tốc


class Confidentiality(StrEnum):
    NONE = "none"
    MAT = "mat"  # Mật
    TOI_MAT = "toi_mat"  # Tối mật
    TUYET_MAT = "tuyet_mat"  # Tuyệt mật


class VersionSource(StrEnum):
    UPLOAD = "upload"
    FIELDS = "fields"
    #: The drafter replaced the draft's file (the new upload; a ``FIELDS`` version follows).
    REPLACEMENT = "replacement"
    APPROVAL = "approval"
    LEADER_SIGNATURE = "leader_signature"
    ISSUANCE = "issuance"
    #: A new archive (document) timestamp before the previous one's certificate expires.
    RENEWAL = "renewal"


class Document(SQLModel, table=True):
    """An outgoing document of one agency, from draft to issued."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ux_document_upload_key", "created_by_id", "upload_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id")
    #: The nonce of the upload form that sent the draft (or an API client's idempotency
    #: key): the same form sent again answers with this draft instead of a second one.
    upload_key: str | None = Field(default=None, max_length=64)
    #: A key of ``docflow.documents.doctypes.DOCUMENT_TYPES``.
    document_type: str = Field(max_length=32)
    #: Trích yếu: what the document is about.
    subject: str = Field(sa_type=Text)
    urgency: str = Field(default=Urgency.NORMAL.value, max_length=16)
    confidentiality: str = Field(default=Confidentiality.NONE.value, max_length=16)
    #: The competent person who must sign.
    signer_id: int = Field(foreign_key="user_account.id", index=True)
    #: Recipient agency identifier codes (nơi nhận).
    recipients: list[str] = Field(default_factory=list, sa_type=JSON)
    #: Drafting unit abbreviation for a công văn symbol (``VP`` in ``125/UBND-VP``).
    drafting_unit: str | None = Field(default=None, max_length=32)
    #: Place in the date line (``Hậu Giang, ngày ...``).
    place: str | None = Field(default=None, max_length=128)
    #: People (user ids) allowed to read a confidential document besides drafter and signer.
    named_reader_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    #: People (user ids) who approve by signing before the signer, in this order.
    approver_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    #: Field layout used at upload (``signing.FieldLayout`` values).
    layout: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    state: str = Field(default=DocumentState.DRAFT.value, max_length=16, index=True)
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Hạn xử lý: the drafter's handling due date; each transfer's deadline on arrival
    #: unless the receiving leader sets another when assigning.
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Set at issuance.
    number: int | None = Field(default=None)
    symbol: str | None = Field(default=None, max_length=64)
    issued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    issued_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DocumentVersion(SQLModel, table=True):
    """One immutable state of a document's PDF; each new version starts with the bytes
    of the one before. Written only after the object is stored and hash-checked."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    #: 1, 2, 3, ... per document.
    version: int
    sha256: str = Field(max_length=64)
    object_key: str = Field(max_length=128)
    size: int
    #: A ``VersionSource`` value.
    produced_by: str = Field(max_length=24)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    #: When the newest archive timestamp's TSA certificate expires (B-LTA versions): the
    #: renewal adds a new one before then. ``None``: no archive timestamp (yet).
    archive_expires_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, nullable=True, index=True
    )


class DocumentAttachment(SQLModel, table=True):
    """A separate PDF sent with a document (phụ lục); signed by the agency at issuance
    with a text-only stamp naming the document's number and symbol."""

    __tablename__ = "document_attachment"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    #: 1, 2, 3, ... in upload order.
    position: int
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    size: int
    #: The agency-signed copy, set at issuance.
    signed_sha256: str | None = Field(default=None, max_length=64)
    signed_size: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class SigningSession(SQLModel, table=True):
    """Between prepare and complete of an external signature: the prepared file (in
    the object store) and ``signing.PreparedSignature`` as JSON."""

    __tablename__ = "signing_session"

    id: str = Field(primary_key=True, max_length=36)
    document_id: int = Field(foreign_key="document.id", index=True)
    user_id: int = Field(foreign_key="user_account.id")
    certificate_id: int = Field(foreign_key="personal_certificate.id")
    #: The version the preparation started from; completion refuses if it moved on.
    base_version: int
    prepared_sha256: str = Field(max_length=64)
    prepared: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RegisterCounter(SQLModel, table=True):
    """The last number given in one series of one agency's outgoing register for a year.

    Issuance locks this row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's single
    writer) until its transaction commits, so numbers are gapless and unique.
    """

    __tablename__ = "register_counter"

    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    series: str = Field(primary_key=True, max_length=32)
    last_number: int = Field(default=0)


class RegisterEntry(SQLModel, table=True):
    """One line of the outgoing register (sổ văn bản đi): a number given to a document."""

    __tablename__ = "register_entry"
    __table_args__ = (UniqueConstraint("agency_id", "year", "series", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    year: int
    series: str = Field(max_length=32)
    number: int
    symbol: str = Field(max_length=64)
    document_id: int = Field(foreign_key="document.id", unique=True)
    version_id: int = Field(foreign_key="document_version.id")
    issued_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    issued_by_id: int = Field(foreign_key="user_account.id")
    #: Copies made (số lượng bản) and file copy holder (nơi lưu); optional register columns.
    copies: int | None = Field(default=None)
    file_holder: str | None = Field(default=None, max_length=255)
    date_sent: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes: str | None = Field(default=None, sa_type=Text)


class CommentKind(StrEnum):
    COMMENT = "comment"  # a remark in the thread
    RETURN = "return"  # why the signer (or an approver) returned the draft
    RESUBMIT = "resubmit"  # the drafter's note on resubmitting
    WITHDRAW = "withdraw"  # the drafter's reason for withdrawing


class DocumentComment(SQLModel, table=True):
    """One remark in a document's thread (append-only: never edited or deleted)."""

    __tablename__ = "document_comment"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    author_id: int = Field(foreign_key="user_account.id")
    #: A ``CommentKind`` value.
    kind: str = Field(default=CommentKind.COMMENT.value, max_length=16)
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
