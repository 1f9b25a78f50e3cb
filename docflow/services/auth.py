"""Signing in and out: server-side sessions, throttled password checks.

A session token is 32 random bytes (URL-safe base64) handed to the client once; the
database keeps only ``HMAC-SHA256(secret key, token)``, so a copied database lets no
one in and rotating the secret key ends every session. Logout and expiry are checked
on the server on every request. Browser sessions also get a CSRF token, derived from
the session token with the secret key (nothing more to store).

Failed sign-ins are stored (``login_failure``), so the limits hold across workers:
after ``max_per_account`` failures for one username, or ``max_per_source`` from one
address, within ``window``, further tries are refused with ``TooManyAttempts`` (429,
``Retry-After``), even with the right password, until the oldest failure leaves the
window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio.to_thread
from sqlalchemy import delete, func
from sqlmodel import col, select

from docflow.audit import Actor, record_event
from docflow.db import AsyncSession
from docflow.errors import NotAuthenticated, TooManyAttempts
from docflow.models import AuthSession, LoginFailure, Role, User, UserRole, utcnow
from docflow.passwords import hash_password, needs_rehash, verify_password
from docflow.permissions import Principal
from docflow.services.users import UserInfo, principal_for, user_info

__all__ = [
    "IssuedSession",
    "LoginPolicy",
    "authenticate",
    "csrf_token_for",
    "login",
    "logout",
    "open_session",
]

SESSION_KINDS = ("bearer", "cookie")
WRONG_CREDENTIALS = "The username or password is wrong."


@dataclass(frozen=True)
class LoginPolicy:
    """How many failed sign-ins are tolerated, per account and per source address."""

    max_per_account: int = 5
    #: Higher than per account: a whole agency's office may share one NAT address.
    max_per_source: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class IssuedSession:
    """A new session: ``token`` goes to the client once and is stored only hashed."""

    token: str
    csrf_token: str
    kind: str
    expires_at: datetime
    user: UserInfo
    principal: Principal


def token_hash(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def csrf_token_for(token: str, secret_key: str) -> str:
    """The CSRF token belonging to a session token (bound to it, unguessable without it)."""
    return hmac.new(secret_key.encode(), b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


# A hash to check against when the username is unknown, so both cases take as long.
_dummy_hash: str | None = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(16))
    return _dummy_hash


async def open_session(
    session: AsyncSession,
    user: User,
    *,
    secret_key: str,
    lifetime: timedelta,
    kind: str = "bearer",
    source_ip: str | None = None,
) -> IssuedSession:
    """Create a session for ``user`` (after the caller checked who they are); flushes.

    The caller commits (``login`` does; tests creating sessions directly must too).
    """
    if kind not in SESSION_KINDS:
        raise ValueError(f"session kind must be one of {SESSION_KINDS}")
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + lifetime
    session.add(
        AuthSession(
            token_hash=token_hash(token, secret_key),
            user_id=user.id,  # type: ignore[arg-type]
            kind=kind,
            expires_at=expires_at,
            source_ip=source_ip,
        )
    )
    await session.flush()
    return IssuedSession(
        token=token,
        csrf_token=csrf_token_for(token, secret_key),
        kind=kind,
        expires_at=expires_at,
        user=await user_info(session, user),
        principal=await principal_for(session, user),
    )


async def _failures_since(
    session: AsyncSession, since: datetime, *, username: str | None = None, ip: str | None = None
) -> tuple[int, datetime | None]:
    query = select(func.count(), func.min(LoginFailure.occurred_at)).where(
        LoginFailure.occurred_at > since
    )
    if username is not None:
        query = query.where(LoginFailure.username == username)
    if ip is not None:
        query = query.where(LoginFailure.source_ip == ip)
    count, oldest = (await session.exec(query)).one()
    if isinstance(oldest, str):  # SQLite's MIN() of a datetime column comes back as text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), oldest


async def _throttle(session: AsyncSession, username: str, ip: str, policy: LoginPolicy) -> None:
    now = utcnow()
    since = now - policy.window
    by_account = await _failures_since(session, since, username=username)
    by_source = await _failures_since(session, since, ip=ip)
    for scope, (count, oldest), limit in (
        ("account", by_account, policy.max_per_account),
        ("source", by_source, policy.max_per_source),
    ):
        if count >= limit:
            retry = (oldest + policy.window - now).total_seconds() if oldest else 60
            await record_event(
                session,
                "auth.throttled",
                subject_type="user",
                subject_id=username,
                details={"scope": scope, "failures": count, "source_ip": ip},
            )
            await session.commit()
            raise TooManyAttempts(
                "Too many failed sign-ins; wait before trying again "
                f"(about {max(1, int(retry) // 60 + 1)} minutes).",
                retry_after=int(retry) + 1,
            )


async def login(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    source_ip: str,
    secret_key: str,
    lifetime: timedelta,
    kind: str = "bearer",
    policy: LoginPolicy = LoginPolicy(),
) -> IssuedSession:
    """Check the password and open a session; commit.

    Raises ``NotAuthenticated`` (401, one sentence for unknown user and wrong password
    alike) and ``TooManyAttempts`` (429). Failures and throttling are recorded.
    """
    name = username.strip().lower()[:255]
    await _throttle(session, name, source_ip, policy)
    user = (await session.exec(select(User).where(User.username == name))).first()
    stored = user.password_hash if user is not None and user.is_active else None
    ok = await anyio.to_thread.run_sync(verify_password, stored or _dummy(), password)
    if user is None or stored is None or not ok:
        session.add(LoginFailure(username=name, source_ip=source_ip))
        await record_event(
            session,
            "auth.login_failed",
            actor=Actor(user.id, user.agency_id) if user is not None else None,
            subject_type="user",
            subject_id=name,
            details={
                "source_ip": source_ip,
                "reason": "unknown user" if user is None else "wrong password or inactive",
            },
        )
        await session.commit()
        raise NotAuthenticated(WRONG_CREDENTIALS)
    if needs_rehash(stored):  # parameters were raised since this hash was made
        user.password_hash = await anyio.to_thread.run_sync(hash_password, password)
        session.add(user)
    issued = await open_session(
        session, user, secret_key=secret_key, lifetime=lifetime, kind=kind, source_ip=source_ip
    )
    await session.exec(delete(LoginFailure).where(col(LoginFailure.username) == name))
    await record_event(
        session,
        "auth.login",
        actor=issued.principal,
        subject_type="user",
        subject_id=user.id,
        details={"kind": kind, "source_ip": source_ip},
    )
    await session.commit()
    return issued


async def authenticate(session: AsyncSession, token: str, secret_key: str) -> Principal:
    """The ``Principal`` of a live session; ``NotAuthenticated`` for a forged, expired or
    revoked token, or an inactive user."""
    if not token or len(token) > 256:
        raise NotAuthenticated("The sign-in token is not valid; sign in again.")
    # One round trip: the session, its user and the user's roles (one row per role).
    connection = await session.connection()  # Core rows: no ORM loading (every request)
    rows = (
        await connection.execute(
            select(
                col(AuthSession.revoked_at),
                col(AuthSession.expires_at),
                col(User.id),
                col(User.username),
                col(User.agency_id),
                col(User.department_id),
                col(User.province_scope),
                col(User.is_active),
                col(UserRole.role),
            )
            .join(User, col(User.id) == col(AuthSession.user_id))
            .outerjoin(UserRole, col(UserRole.user_id) == col(User.id))
            .where(AuthSession.token_hash == token_hash(token, secret_key))
        )
    ).all()
    if not rows:
        raise NotAuthenticated("The sign-in token is not valid; sign in again.")
    row = rows[0]
    if row.revoked_at is not None:
        raise NotAuthenticated("This session was logged out; sign in again.")
    if row.expires_at <= utcnow():
        raise NotAuthenticated("This session has expired; sign in again.")
    if not row.is_active:
        raise NotAuthenticated("This account is disabled.")
    roles: set[Role] = set()
    for r in rows:
        if r.role is None:
            continue
        try:
            roles.add(Role(r.role))
        except ValueError:  # a role this version does not know grants nothing
            continue
    return Principal(
        user_id=row.id,
        username=row.username,
        agency_id=row.agency_id,
        department_id=row.department_id,
        roles=frozenset(roles),
        province_scope=row.province_scope,
    )


async def logout(session: AsyncSession, principal: Principal, token: str, secret_key: str) -> None:
    """End the session of ``token`` (server-side: the token stops working at once); commit."""
    auth = (
        await session.exec(
            select(AuthSession).where(AuthSession.token_hash == token_hash(token, secret_key))
        )
    ).first()
    if auth is not None and auth.revoked_at is None:
        auth.revoked_at = utcnow()
        session.add(auth)
        await record_event(
            session,
            "auth.logout",
            actor=principal,
            subject_type="user",
            subject_id=principal.user_id,
        )
    await session.commit()
