"""Administering people: their roles, deactivating and reactivating them, resetting a
forgotten password. The pages (``/admin/users``) and the API (``/api/v1/users/...``)
call these; each checks ``can_manage_agency`` and records its audit event.

A person of an agency the actor does not administer answers 404, as if missing (like
``users.get_user``): nothing of another agency's people leaks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import delete
from sqlmodel import col

from docflow.accounts.access import deny
from docflow.accounts.inputs import clean_roles
from docflow.accounts.models_user import Role, User, UserRole
from docflow.accounts.permissions import Principal, can_manage_agency
from docflow.accounts.users import UserInfo, end_sessions, set_password, user_info
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput

__all__ = ["managed_user", "reset_password", "set_active", "set_roles", "temporary_password"]

#: Letters and digits that cannot be mistaken for one another when read aloud or copied.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY23456789"


def temporary_password() -> str:
    """Four groups of four unambiguous characters (about 90 bits), e.g. ``k7Qm-...``."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


async def managed_user(session: AsyncSession, actor: Principal, user_id: int, action: str) -> User:
    """The person ``user_id`` when ``actor`` administers their agency; refused (recorded)
    otherwise: 404 for a person of another agency or none, 403 for a non-admin's own."""
    user = await session.get(User, user_id)
    if user is not None and can_manage_agency(actor, user.agency_id):
        return user
    hide = user is None or user.agency_id != actor.agency_id
    await deny(
        session,
        actor,
        action=action,
        subject_type="user",
        subject_id=user_id,
        message="There is no such person." if hide else "Only an administrator of this "
        "agency may change its people's accounts.",
        hide=hide,
    )


async def set_roles(
    session: AsyncSession, actor: Principal, user_id: int, roles: Iterable[str]
) -> UserInfo:
    """Replace the roles of ``user_id``. An admin keeps their own admin role (nobody locks
    the agency out by mistake); a province-level account stays an admin or an auditor."""
    user = await managed_user(session, actor, user_id, "user.roles")
    wanted = clean_roles(roles)
    if user.id == actor.user_id and Role.ADMIN not in wanted:
        raise InvalidInput("You cannot take the administrator role away from yourself.")
    if user.province_scope and not wanted & {Role.ADMIN, Role.AUDITOR}:
        raise InvalidInput("Only an admin or an auditor can be province-level.")
    before = (await user_info(session, user)).roles
    after = tuple(sorted(r.value for r in wanted))
    if before != after:
        await session.exec(delete(UserRole).where(col(UserRole.user_id) == user.id))
        for role in after:
            session.add(UserRole(user_id=user.id, role=role))  # type: ignore[arg-type]
        await session.flush()
        await record_event(
            session,
            "user.roles_changed",
            actor=actor,
            subject_type="user",
            subject_id=user.id,
            details={"before": list(before), "after": list(after)},
        )
    return await user_info(session, user)


async def set_active(
    session: AsyncSession, actor: Principal, user_id: int, *, active: bool
) -> tuple[UserInfo, bool]:
    """Deactivate (every session of theirs ends, sign-in refused) or reactivate a person.
    (the person, whether anything changed: pressing twice changes nothing)."""
    user = await managed_user(session, actor, user_id, "user.activate" if active else
                              "user.deactivate")
    if user.id == actor.user_id and not active:
        raise InvalidInput("You cannot deactivate your own account.")
    if user.is_active == active:
        return await user_info(session, user), False
    user.is_active = active
    session.add(user)
    ended = 0 if active else await end_sessions(session, user.id)  # type: ignore[arg-type]
    await record_event(
        session,
        "user.reactivated" if active else "user.deactivated",
        actor=actor,
        subject_type="user",
        subject_id=user.id,
        details={"sessions_ended": ended} if not active else None,
    )
    return await user_info(session, user), True


async def reset_password(session: AsyncSession, actor: Principal, user_id: int) -> str:
    """Give ``user_id`` a new temporary password (returned once, never stored in clear):
    ``users.set_password`` checks, hashes, ends their sessions and records the change."""
    user = await managed_user(session, actor, user_id, "user.password")
    secret = temporary_password()
    await set_password(session, actor, user.username, secret)
    return secret
