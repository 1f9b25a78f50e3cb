"""Sign-in sessions and failed sign-in attempts (server-side, so logout and expiry are real)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from docflow.models.base import UTCDateTime, utcnow

__all__ = ["AuthSession", "LoginFailure"]


class AuthSession(SQLModel, table=True):
    """One signed-in session: a bearer token or a browser cookie.

    Only a keyed hash of the token is stored: a copy of the database does not let
    anyone sign in. Revoked or expired sessions stay for the record.
    """

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    #: HMAC-SHA256 (secret key) of the token, hex.
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    #: ``bearer`` or ``cookie`` (cookie sessions need the CSRF header on unsafe methods).
    kind: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source_ip: str | None = Field(default=None, max_length=64)


class LoginFailure(SQLModel, table=True):
    """One failed sign-in; counted per account and per source address to throttle guessing."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    #: The username as typed (lower-cased), known or not.
    username: str = Field(max_length=255, index=True)
    source_ip: str = Field(max_length=64, index=True)
    occurred_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
