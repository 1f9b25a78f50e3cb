"""Sign-in sessions and the sign-in throttle (server-side, so logout and expiry are real)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from docflow.core.models_base import UTCDateTime, utcnow

__all__ = ["AuthRevision", "AuthSession", "LoginThrottle"]


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


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins counted under one key: an (account, address) pair or an address.

    Counted atomically in the database (one conditional ``UPDATE`` per attempt), so the
    limits hold across processes and instances. ``failures`` counts attempts that have
    not (yet) proved to be the owner's: an attempt is counted before its password is
    checked and given back when it succeeds.
    """

    __tablename__ = "login_throttle"

    #: ``pair:<username>|<address>`` or ``address:<address>``.
    key: str = Field(primary_key=True, max_length=320)
    failures: int = Field(default=0, nullable=False)
    last_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    #: No password is checked under this key before then (back-off).
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Attempts refused while blocked since the trail last heard of this key.
    refused: int = Field(default=0, nullable=False)


class AuthRevision(SQLModel, table=True):
    """One row whose ``n`` grows whenever who-may-do-what may have changed: database
    triggers (migration 0012) add one on every UPDATE or DELETE of ``auth_session``
    (sign-out, ended sessions) and ``user_account`` (disabled, moved, new password), and
    on every change of ``user_role``. Each process caches token -> principal lookups
    under the revision it read first and reads this row (one primary-key lookup) on
    every request instead, so a revocation holds on every instance from the next request
    on (``docflow.accounts.principal_cache``)."""

    __tablename__ = "auth_revision"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    n: int = Field(default=0, nullable=False)
