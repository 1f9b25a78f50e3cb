"""Users and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from docflow.core.models_base import UTCDateTime, utcnow

__all__ = ["Role", "User", "UserRole"]


class Role(StrEnum):
    """What a user may do; a user may hold several roles."""

    CLERK = "clerk"  # văn thư: registers, numbers and sends documents
    LEADER = "leader"  # lãnh đạo: approves and signs
    SPECIALIST = "specialist"  # chuyên viên: drafts and handles assigned documents
    AUDITOR = "auditor"  # kiểm tra: reads the audit trail
    ADMIN = "admin"  # quản trị: manages users of the agency


class User(SQLModel, table=True):
    """A person working at an agency."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    #: Lower-case login name, unique across the system (demo: ``<abbrev>.<role>``).
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=255)
    #: Where the person is reached (notifications); optional.
    email: str | None = Field(default=None, max_length=255)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    #: argon2 hash (see ``docflow.accounts.passwords``); never the password itself.
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    #: A province-level admin or auditor: may manage or audit every agency of the
    #: province, not only their own. Gives no other right (nobody acts for another agency).
    province_scope: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class UserRole(SQLModel, table=True):
    """One role held by one user."""

    __tablename__ = "user_role"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    #: A ``Role`` value; stored as text so adding a role needs no type migration.
    role: str = Field(max_length=16, primary_key=True)
