"""Personal signing certificates of users (the private keys stay with the users)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from docflow.core.models_base import UTCDateTime, utcnow

__all__ = ["PersonalCertificate"]


class PersonalCertificate(SQLModel, table=True):
    """A certificate a person signs with; a person may hold several."""

    __tablename__ = "personal_certificate"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    #: SHA-256 of the DER certificate, hex; one certificate is enrolled once.
    fingerprint_sha256: str = Field(max_length=64, unique=True)
    #: Serial number in hex (upper case, no separators).
    serial: str = Field(max_length=64)
    subject: str = Field(max_length=1024)
    issuer: str = Field(max_length=1024)
    not_before: datetime = Field(sa_type=UTCDateTime, nullable=False)
    not_after: datetime = Field(sa_type=UTCDateTime, nullable=False)
    certificate_pem: str = Field(sa_type=Text)
    #: ``dev-ca`` (issued here by the demo CA) or ``uploaded`` (issued by a trusted CA).
    source: str = Field(max_length=16)
    #: What the holder calls the device or browser that keeps the key (WebCrypto keys).
    device_name: str | None = Field(default=None, max_length=100)
    #: Revoked in docflow (by its holder or an administrator): no longer signs here.
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
