"""The exchange's tables: peers, every edXML package sent or received, and deliveries.

- ``ExchangePeer``: another deployment or any edXML endpoint, chosen by organ-id pattern,
  with its URL, the roots its signatures chain to, and how each side authenticates.
- ``ExchangePackage``: one package in or out, stored by its SHA-256 in the object store,
  named by ``dedup_key`` so that receiving the same package again creates nothing new
  and answers with the first ``result``.
- ``ExchangeDelivery`` and ``ExchangeAttempt``: the outbox. A delivery row is written in
  the same transaction as the change that caused the package; the job queue sends it
  and every attempt is recorded.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from docflow.core.models_base import UTCDateTime, utcnow

__all__ = [
    "DeliveryState",
    "Direction",
    "ExchangeAttempt",
    "ExchangeDelivery",
    "ExchangePackage",
    "ExchangePeer",
    "PackageKind",
    "SignatureState",
]


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class PackageKind(StrEnum):
    DOCUMENT = "document"
    STATUS = "status"


class SignatureState(StrEnum):
    VALID = "valid"  # an XML signature of the From agency's seal that verifies
    WEAK = "weak"  # verifies, but with RSA-SHA1 (accepted on import only, reported)
    UNSIGNED = "unsigned"  # no signature or a placeholder; accepted only when allowed


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the attempt limit; a clerk may retry it by hand


class ExchangePeer(SQLModel, table=True):
    """Another system on the axis. ``organ_pattern`` is a shell-style pattern over organ
    ids (``000.00.*.H31``); the first peer whose pattern matches a recipient's code
    receives its packages."""

    __tablename__ = "exchange_peer"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    organ_pattern: str = Field(max_length=100)
    #: Where packages are POSTed (``https://…/api/v1/exchange/packages``).
    url: str = Field(max_length=1024)
    #: PEM roots for the peer's XML signatures and the PAdES signatures of what it sends.
    trust_anchors_pem: str = Field(default="", sa_type=Text)
    #: ``token`` (a bearer token each way) or ``mtls`` (client certificates).
    auth: str = Field(default="token", max_length=16)
    #: SHA-256 (hex) of the token the peer presents to us.
    inbound_token_sha256: str | None = Field(default=None, max_length=64, unique=True)
    #: The token we present to the peer.
    outbound_token: str | None = Field(default=None, max_length=512)
    #: Legacy systems that send no XML signature.
    allow_unsigned: bool = Field(default=False, nullable=False)
    #: For ``auth = "mtls"``: the PEM files (certificate with its chain, private key) of
    #: the client certificate presented when POSTing to the peer; paths, never the key.
    client_certificate_path: str | None = Field(default=None, max_length=1024)
    client_key_path: str | None = Field(default=None, max_length=1024)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ExchangePackage(SQLModel, table=True):
    """One edXML package sent or received, its bytes in the object store."""

    __tablename__ = "exchange_package"
    __table_args__ = (UniqueConstraint("direction", "dedup_key"),)

    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=8)
    kind: str = Field(max_length=16)
    #: ``sender|DocumentId|business type`` for a document package,
    #: ``sender|DocumentId|status code|timestamp`` for a status package.
    dedup_key: str = Field(max_length=600)
    sender_organ_id: str = Field(max_length=32, index=True)
    edxml_document_id: str = Field(max_length=300)
    business_type: int = Field(default=0, nullable=False)
    status_code: str | None = Field(default=None, max_length=4)
    sha256: str = Field(max_length=64)
    size: int = Field(nullable=False)
    signature_state: str = Field(max_length=16)
    #: The docflow document this package carries or answers, when there is one here.
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    peer_id: int | None = Field(default=None, foreign_key="exchange_peer.id")
    #: Received: the answer given (created transfers, verdicts), repeated for duplicates.
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ExchangeDelivery(SQLModel, table=True):
    """One outgoing package to one peer: the outbox row."""

    __tablename__ = "exchange_delivery"
    __table_args__ = (UniqueConstraint("package_id", "peer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    package_id: int = Field(foreign_key="exchange_package.id", index=True)
    peer_id: int = Field(foreign_key="exchange_peer.id", index=True)
    state: str = Field(default=DeliveryState.PENDING.value, max_length=16)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ExchangeAttempt(SQLModel, table=True):
    """One attempt to deliver: when, what the peer answered or what failed."""

    __tablename__ = "exchange_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="exchange_delivery.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    http_status: int | None = Field(default=None)
    error: str | None = Field(default=None, sa_type=Text)
