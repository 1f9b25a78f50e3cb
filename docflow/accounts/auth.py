"""Signing in and out: server-side sessions, throttled password checks.

A session token is 32 random bytes (URL-safe base64) handed to the client once; the
database keeps only ``HMAC-SHA256(secret key, token)``, so a copied database lets no
one in and rotating the secret key ends every session. Logout and expiry are checked
on the server on every request. Browser sessions also get a CSRF token, derived from
the session token with the secret key (nothing more to store).

Sign-in attempts are throttled per (account, address) and per address with back-off
(``docflow.accounts.throttle``): guessing is slowed, the owner signing in from
another address is not.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from docflow.accounts.inputs import clean_password
from docflow.accounts.models_auth import AuthSession
from docflow.accounts.models_user import Role, User, UserRole
from docflow.accounts.passwords import hash_password, needs_rehash, verify_password
from docflow.accounts.permissions import Principal
from docflow.accounts.principal_cache import CachedPrincipal, cache_for, read_revision
from docflow.accounts.throttle import (
    Attempt,
    LoginPolicy,
    address_key,
    failed,
    pair_key,
    reserve,
    succeeded,
    take_refused,
)
from docflow.accounts.users import UserInfo, end_sessions, principal_for, user_info
from docflow.core.audit_append import Actor, record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import NotAuthenticated, PermissionDenied
from docflow.core.models_base import utcnow

__all__ = [
    "SESSION_COOKIE",
    "IssuedSession",
    "LoginPolicy",
    "authenticate",
    "csrf_token_for",
    "login",
    "logout",
    "change_own_password",
    "open_session",
]

#: The browser cookie that carries a session token (the API and the pages read it).
SESSION_COOKIE = "docflow_session"
SESSION_KINDS = ("bearer", "cookie")
WRONG_CREDENTIALS = "The username or password is wrong."
DEFAULT_POLICY = LoginPolicy()
#: What no username (nor any text column) can hold: NUL, half a surrogate pair.
_UNSTORABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


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


async def _record_failure(
    session: AsyncSession,
    attempt: Attempt,
    *,
    name: str,
    user: User | None,
    source_ip: str,
    policy: LoginPolicy,
) -> None:
    """Count the failure and leave trail events for it, on transitions only (see
    ``docflow.accounts.throttle``)."""
    await failed(session, attempt, policy, utcnow())
    pair, address = pair_key(name, source_ip), address_key(source_ip)
    if attempt.first_failure(pair) and user is not None or (
        user is None and attempt.first_failure(address)
    ):
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
    for key, scope in ((pair, "account"), (address, "address")):
        if attempt.entered_backoff(key, policy):
            await record_event(
                session,
                "auth.throttled",
                actor=Actor(user.id, user.agency_id) if user is not None else None,
                subject_type="user",
                subject_id=name,
                details={
                    "scope": scope,
                    "source_ip": source_ip,
                    "failures": attempt.counts[key],
                    "refused_since_last_report": await take_refused(session, key),
                    "backoff_seconds": int(policy.delay(key, attempt.counts[key]).total_seconds()),
                },
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
    policy: LoginPolicy = DEFAULT_POLICY,
) -> IssuedSession:
    """Check the password and open a session.

    Raises ``NotAuthenticated`` (401, one sentence for unknown user and wrong password
    alike) and ``TooManyAttempts`` (429, nothing checked). Every attempt is counted,
    and committed, before its password is checked (``docflow.accounts.throttle``); a
    failure is committed before it is raised (a refusal stays though the request fails).
    The success is committed by the caller.
    """
    name = username.strip().lower()[:255]
    if _UNSTORABLE.search(name):
        name = "<unusable username>"  # no account has one; counted like any unknown name
    attempt = await reserve(
        session, [pair_key(name, source_ip), address_key(source_ip)], policy, utcnow()
    )
    user = (await session.exec(select(User).where(User.username == name))).first()
    stored = user.password_hash if user is not None and user.is_active else None
    ok = await anyio.to_thread.run_sync(verify_password, stored or _dummy(), password)
    if user is None or stored is None or not ok:
        await _record_failure(
            session, attempt, name=name, user=user, source_ip=source_ip, policy=policy
        )
        await session.commit()
        raise NotAuthenticated(WRONG_CREDENTIALS, code="bad_credentials")
    if needs_rehash(stored):  # parameters were raised since this hash was made
        user.password_hash = await anyio.to_thread.run_sync(hash_password, password)
        session.add(user)
    issued = await open_session(
        session, user, secret_key=secret_key, lifetime=lifetime, kind=kind, source_ip=source_ip
    )
    await succeeded(session, attempt, policy)
    await record_event(
        session,
        "auth.login",
        actor=issued.principal,
        subject_type="user",
        subject_id=user.id,
        details={"kind": kind, "source_ip": source_ip},
    )
    return issued


async def authenticate(session: AsyncSession, token: str, secret_key: str) -> Principal:
    """The ``Principal`` of a live session; ``NotAuthenticated`` for a forged, expired or
    revoked token, or an inactive user. Cached in the process while the auth revision
    stands (``docflow.accounts.principal_cache``): one small query per request."""
    if not token or len(token) > 256:
        raise NotAuthenticated("The sign-in token is not valid; sign in again.")
    key = token_hash(token, secret_key)
    connection = await session.connection()  # Core rows: no ORM loading (every request)
    cache = cache_for(connection)
    revision = await read_revision(connection)  # before the lookup: see principal_cache
    if revision is not None:
        cached = cache.get(key, revision)
        if cached is not None and cached.expires_at > utcnow():
            return cached.principal
    principal, expires_at = await _look_up(connection, key)
    if revision is not None:
        cache.put(key, revision, CachedPrincipal(principal, expires_at))
    return principal


async def _look_up(connection: AsyncConnection, key: str) -> tuple[Principal, datetime]:
    # One round trip: the session, its user and the user's roles (one row per role).
    # SQLAlchemy's own ``select``: sqlmodel's is typed for at most four columns.
    rows = (
        await connection.execute(
            core_select(
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
            .where(col(AuthSession.token_hash) == key)
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
    principal = Principal(
        user_id=row.id,
        username=row.username,
        agency_id=row.agency_id,
        department_id=row.department_id,
        roles=frozenset(roles),
        province_scope=row.province_scope,
    )
    return principal, row.expires_at


async def logout(session: AsyncSession, principal: Principal, token: str, secret_key: str) -> None:
    """End the session of ``token`` (server-side: the token stops working at once)."""
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



async def change_own_password(
    session: AsyncSession,
    principal: Principal,
    *,
    current: str,
    new: str,
    token: str,
    secret_key: str,
    source_ip: str,
    policy: LoginPolicy = DEFAULT_POLICY,
) -> int:
    """Replace the signed-in person's password after checking the current one (counted
    like a sign-in, so a stolen session cannot guess it); end every other session of
    theirs, keep this one. How many sessions were ended. A wrong current password is
    recorded (committed) before the refusal is raised."""
    user = await session.get(User, principal.user_id)
    if user is None:
        raise NotAuthenticated("Your account no longer exists.")
    secret = clean_password(new, username=user.username)
    attempt = await reserve(
        session, [pair_key(user.username, source_ip), address_key(source_ip)], policy, utcnow()
    )
    ok = await anyio.to_thread.run_sync(verify_password, user.password_hash, current)
    if not ok:
        await _record_failure(
            session, attempt, name=user.username, user=user, source_ip=source_ip, policy=policy
        )
        await session.commit()
        raise PermissionDenied("The current password is wrong; the password was not changed.")
    await succeeded(session, attempt, policy)
    user.password_hash = await anyio.to_thread.run_sync(hash_password, secret)
    session.add(user)
    ended = await end_sessions(session, user.id, keep_token_hash=token_hash(token, secret_key))  # type: ignore[arg-type]
    await record_event(
        session,
        "user.password_changed",
        actor=principal,
        subject_type="user",
        subject_id=user.id,
        details={"sessions_ended": ended, "kept": "this session"},
    )
    return ended
