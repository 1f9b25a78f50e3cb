"""Agencies (cơ quan), their identifier codes and departments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel, UniqueConstraint

from docflow.core.models_base import UTCDateTime, utcnow

__all__ = ["Agency", "AgencyCode", "Department"]


class Agency(SQLModel, table=True):
    """A state agency that issues and receives documents."""

    __tablename__ = "agency"

    id: int | None = Field(default=None, primary_key=True)
    #: Full Vietnamese name, e.g. "Sở Thông tin và Truyền thông".
    name: str = Field(max_length=255)
    #: Short upper-case abbreviation, unique; demo usernames are built from it.
    abbreviation: str = Field(max_length=32, unique=True)
    #: The agency this one belongs to (a department of a province's People's Committee).
    parent_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    #: The agency's seal certificate (PEM), used for its electronic "seal" signature.
    seal_certificate_pem: str | None = Field(default=None, sa_type=Text)
    #: Where the seal key lives: ``pkcs11:...`` (RFC 7512 URI), a PKCS#12 path
    #: (``file:/...p12``) or ``<store>:<abbrev>`` (a key store naming keys by agency).
    seal_key_ref: str | None = Field(default=None, max_length=1024)
    #: An agency of another system (a peer on the exchange axis, or named by a received
    #: package's ``From``): in the directory so clerks can address it, never a user's home.
    external: bool = Field(default=False, nullable=False)
    #: Directory data the edXML ``From``/``To`` carry (``OrganAdd``, ``Email``, ...).
    address: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=50)
    website: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AgencyCode(SQLModel, table=True):
    """An identifier code of an agency (shape ``000.00.00.H30``); an agency may have several."""

    __tablename__ = "agency_code"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Department(SQLModel, table=True):
    """A unit inside an agency (phòng, ban); users belong to one."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
