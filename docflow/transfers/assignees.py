"""Who an incoming document may be assigned to, and the rule that only an assigned one
is completed.

A leader assigns an accepted document to a person who handles documents: an active
clerk, leader or specialist of the receiving agency. An auditor reads and checks, an
administrator manages accounts, a deactivated person no longer works here: none of
them is offered, and the assignment refuses them if named anyway.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from docflow.accounts.models_user import Role, User, UserRole
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput
from docflow.documents.lists import Person
from docflow.transfers.models import Transfer

__all__ = ["HANDLING_ROLES", "assignable_people", "check_assignee", "require_assigned"]

#: The roles of a person who handles documents.
HANDLING_ROLES = frozenset({Role.CLERK, Role.LEADER, Role.SPECIALIST})


def _handlers(agency_id: int) -> Any:
    return (
        select(User)
        .join(UserRole, col(UserRole.user_id) == User.id)
        .where(User.agency_id == agency_id, col(User.is_active).is_(True))
        .where(col(UserRole.role).in_([r.value for r in HANDLING_ROLES]))
        .distinct()
    )


async def assignable_people(session: AsyncSession, agency_id: int) -> list[Person]:
    """Active people of ``agency_id`` holding a handling role, by name, each once."""
    query = _handlers(agency_id).order_by(col(User.full_name), col(User.id))
    users = (await session.exec(query)).all()
    return [Person(u.id, u.username, u.full_name) for u in users]


async def check_assignee(session: AsyncSession, user: User, agency_id: int) -> None:
    """``InvalidInput`` (``assignee_not_handler``) unless ``user`` may be assigned."""
    found = (await session.exec(_handlers(agency_id).where(User.id == user.id))).first()
    if found is None:
        raise InvalidInput(
            f"{user.full_name} cannot be assigned documents: choose an active clerk, "
            "leader or specialist of your agency.",
            code="assignee_not_handler",
        )


def require_assigned(transfer: Transfer) -> None:
    """``ConflictError`` (409, ``not_assigned``) for a transfer nobody was assigned."""
    if transfer.assigned_user_id is None and transfer.assigned_department_id is None:
        raise ConflictError(
            f"Nobody has been assigned this incoming document (status {transfer.status}): "
            "a leader assigns it first, then the assignee or a clerk completes it.",
            code="not_assigned",
        )
