"""Refusing a request: record ``access.denied`` (committed on its own) and raise."""

from __future__ import annotations

from typing import NoReturn

from docflow.audit import record_refusal
from docflow.db import AsyncSession
from docflow.errors import NotFoundError, PermissionDenied
from docflow.permissions import Principal

__all__ = ["deny"]


async def deny(
    session: AsyncSession,
    principal: Principal,
    *,
    action: str,
    subject_type: str,
    subject_id: str | int | None,
    message: str,
    hide: bool = False,
) -> NoReturn:
    """Record that ``principal`` was refused ``action`` on the subject, then raise.

    ``hide=True`` answers 404 with ``message`` (for things of another agency whose
    existence must not leak); otherwise 403. The record names what was really refused.
    """
    await record_refusal(
        session,
        "access.denied",
        actor=principal,
        subject_type=subject_type,
        subject_id=subject_id,
        details={"attempted": action, "answered": 404 if hide else 403},
    )
    if hide:
        raise NotFoundError(message)
    raise PermissionDenied(message)
