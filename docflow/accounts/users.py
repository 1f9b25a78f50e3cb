"""People: creating them, listing them for their agency's admins and auditors, passwords.

Passwords are hashed with argon2 (``docflow.accounts.passwords``) in a worker thread; they are
never logged, stored or returned in clear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import update
from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.inputs import (
    clean_email,
    clean_name,
    clean_password,
    clean_roles,
    clean_username,
)
from docflow.accounts.models_agency import Agency, Department
from docflow.accounts.models_auth import AuthSession
from docflow.accounts.models_user import Role, User, UserRole
from docflow.accounts.passwords import hash_password
from docflow.accounts.permissions import (
    Principal,
    can_manage_agency,
    can_read_users_of,
)
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput, NotFoundError
from docflow.core.models_base import utcnow

__all__ = [
    "Me",
    "UserInfo",
    "create_user",
    "end_sessions",
    "fetch_users",
    "get_user",
    "list_users",
    "principal_for",
    "set_password",
    "user_by_username",
    "user_info",
    "whoami",
]


@dataclass(frozen=True)
class UserInfo:
    """What others may see of a person (never the password hash)."""

    id: int
    username: str
    full_name: str
    agency_id: int
    department_id: int | None
    roles: tuple[str, ...]
    province_scope: bool
    is_active: bool
    email: str | None = None


async def _roles_of(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, set[Role]]:
    ids = list(user_ids)
    roles: dict[int, set[Role]] = {i: set() for i in ids}
    if not ids:
        return roles
    rows = (await session.exec(select(UserRole).where(col(UserRole.user_id).in_(ids)))).all()
    for row in rows:
        try:
            roles[row.user_id].add(Role(row.role))
        except ValueError:  # a role this version does not know grants nothing
            continue
    return roles


def _info(user: User, roles: set[Role]) -> UserInfo:
    return UserInfo(
        id=user.id,  # type: ignore[arg-type]
        username=user.username,
        full_name=user.full_name,
        agency_id=user.agency_id,
        department_id=user.department_id,
        roles=tuple(sorted(r.value for r in roles)),
        province_scope=user.province_scope,
        is_active=user.is_active,
        email=user.email,
    )


async def principal_for(session: AsyncSession, user: User) -> Principal:
    """The ``Principal`` a request of ``user`` acts as."""
    roles = (await _roles_of(session, [user.id]))[user.id]  # type: ignore[list-item,index]
    return Principal(
        user_id=user.id,  # type: ignore[arg-type]
        username=user.username,
        agency_id=user.agency_id,
        department_id=user.department_id,
        roles=frozenset(roles),
        province_scope=user.province_scope,
    )


async def user_info(session: AsyncSession, user: User) -> UserInfo:
    roles = (await _roles_of(session, [user.id]))[user.id]  # type: ignore[list-item,index]
    return _info(user, roles)


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    value = username.strip().lower()
    return (await session.exec(select(User).where(User.username == value))).first()


async def _check_may_create_user(
    session: AsyncSession, actor: Principal, agency_id: int, *, province_scope: bool
) -> None:
    """Refuse (``deny``: recorded and committed) a person who may not add this account."""
    if not can_manage_agency(actor, agency_id):
        await deny(
            session,
            actor,
            action="user.create",
            subject_type="agency",
            subject_id=agency_id,
            message="You may add people only to an agency you administer.",
        )
    if province_scope and not actor.province_scope:
        await deny(
            session,
            actor,
            action="user.create",
            subject_type="agency",
            subject_id=agency_id,
            message="Only a province-level administrator may create province-level accounts.",
        )


async def _check_agency_and_department(
    session: AsyncSession, agency_id: int, department_id: int | None
) -> None:
    """``NotFoundError`` for a missing agency, ``InvalidInput`` for a foreign department."""
    if await session.get(Agency, agency_id) is None:
        raise NotFoundError("There is no such agency.")
    if department_id is not None:
        department = await session.get(Department, department_id)
        if department is None or department.agency_id != agency_id:
            raise InvalidInput("The department does not belong to this agency.")


async def create_user(
    session: AsyncSession,
    actor: Principal | None,
    *,
    username: str,
    full_name: str,
    agency_id: int,
    roles: Iterable[str],
    password: str,
    department_id: int | None = None,
    province_scope: bool = False,
    email: str | None = None,
) -> UserInfo:
    """Add a person to ``agency_id``. ``actor=None`` is the operator (CLI).

    An admin adds people to their own agency only (a province admin to any); only a
    province admin (or the operator) makes someone province-level. Bad or taken
    usernames, names, roles or departments raise ``InvalidInput``; nothing is created.
    """
    if actor is not None:
        await _check_may_create_user(session, actor, agency_id, province_scope=province_scope)
    clean_user = clean_username(username)
    clean_full = clean_name(full_name, "Full name")
    clean_role_set = clean_roles(roles)
    secret = clean_password(password, username=clean_user)
    clean_mail = clean_email(email)
    if province_scope and not clean_role_set & {Role.ADMIN, Role.AUDITOR}:
        raise InvalidInput("Only an admin or an auditor can be province-level.")
    await _check_agency_and_department(session, agency_id, department_id)
    if await user_by_username(session, clean_user) is not None:
        raise InvalidInput(f"The username {clean_user} is already taken.")
    password_hash = await anyio.to_thread.run_sync(hash_password, secret)
    user = User(
        username=clean_user,
        full_name=clean_full,
        email=clean_mail,
        agency_id=agency_id,
        department_id=department_id,
        password_hash=password_hash,
        province_scope=province_scope,
    )
    session.add(user)
    await session.flush()
    for role in sorted(clean_role_set):
        session.add(UserRole(user_id=user.id, role=role.value))  # type: ignore[arg-type]
    await record_event(
        session,
        "user.created",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        details={
            "username": clean_user,
            "agency_id": agency_id,
            "roles": sorted(r.value for r in clean_role_set),
            "province_scope": province_scope,
        },
    )
    return _info(user, set(clean_role_set))


async def fetch_users(session: AsyncSession, agency_ids: frozenset[int] | None) -> list[UserInfo]:
    """People of ``agency_ids`` (None: all), by username. No permission check: callers
    check first (``list_users``)."""
    query = select(User).order_by(User.username)
    if agency_ids is not None:
        query = query.where(col(User.agency_id).in_(sorted(agency_ids)))
    users = (await session.exec(query)).all()
    roles = await _roles_of(session, [u.id for u in users])  # type: ignore[misc]
    return [_info(u, roles[u.id]) for u in users]  # type: ignore[index]


async def list_users(
    session: AsyncSession, actor: Principal, agency_id: int | None = None
) -> list[UserInfo]:
    """People of ``agency_id`` (default: the actor's own agency) for its admins and
    auditors (province-level ones: any agency)."""
    target = actor.agency_id if agency_id is None else agency_id
    if not can_read_users_of(actor, target):
        await deny(
            session,
            actor,
            action="user.list",
            subject_type="agency",
            subject_id=target,
            message="Only administrators and auditors may list the people of an agency, "
            "and only of their own agency unless province-level.",
        )
    return await fetch_users(session, frozenset({target}))


async def get_user(session: AsyncSession, actor: Principal, user_id: int) -> UserInfo:
    """One person, for themselves and for those who may list their agency.

    A person of another agency the actor may not see answers 404, as if missing.
    """
    user = await session.get(User, user_id)
    if user is not None and (user.id == actor.user_id or can_read_users_of(actor, user.agency_id)):
        return await user_info(session, user)
    if user is None or user.agency_id != actor.agency_id:
        await deny(
            session,
            actor,
            action="user.read",
            subject_type="user",
            subject_id=user_id,
            message="There is no such person.",
            hide=True,
        )
    await deny(
        session,
        actor,
        action="user.read",
        subject_type="user",
        subject_id=user_id,
        message="Only administrators and auditors may see other people's accounts.",
    )


async def set_password(
    session: AsyncSession, actor: Principal | None, username: str, password: str
) -> None:
    """Replace a person's password (operator, or an admin of their agency)."""
    user = await user_by_username(session, username)
    if user is None:
        raise NotFoundError(f"There is no user {username.strip()[:64]!r}.")
    if (
        actor is not None
        and actor.user_id != user.id
        and not can_manage_agency(actor, user.agency_id)
    ):
        await deny(
            session,
            actor,
            action="user.password",
            subject_type="user",
            subject_id=user.id,
            message="You may not change this person's password.",
        )
    secret = clean_password(password, username=user.username)
    user.password_hash = await anyio.to_thread.run_sync(hash_password, secret)
    session.add(user)
    # Whoever knew the old password may hold a session: every one of them ends.
    ended = await end_sessions(session, user.id)  # type: ignore[arg-type]
    await record_event(
        session,
        "user.password_changed",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        details={"sessions_ended": ended},
    )


async def end_sessions(
    session: AsyncSession, user_id: int, *, keep_token_hash: str | None = None
) -> int:
    """Revoke every live session of ``user_id`` but the one whose token hashes to
    ``keep_token_hash``; the caller commits. How many were ended."""
    query = (
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    if keep_token_hash is not None:
        query = query.where(col(AuthSession.token_hash) != keep_token_hash)
    result = await session.exec(query)
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class Me:
    """The signed-in person and their agency."""

    user: UserInfo
    agency_abbreviation: str
    agency_name: str


async def whoami(session: AsyncSession, actor: Principal) -> Me:
    user = await session.get(User, actor.user_id)
    agency = await session.get(Agency, actor.agency_id)
    if user is None or agency is None:
        raise NotFoundError("Your account no longer exists.")
    return Me(await user_info(session, user), agency.abbreviation, agency.name)
