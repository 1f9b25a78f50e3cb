"""Refusing a request: record ``access.denied`` (committed on its own) and raise."""

from __future__ import annotations

from typing import NoReturn

from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_refusal
from docflow.core.db import AsyncSession
from docflow.core.errors import NotFoundError, PermissionDenied

__all__ = ["deny", "missing_document", "missing_transfer"]


def missing_document(document_id: object) -> str:
    """The one answer for a document that does not exist or is not the caller's to know."""
    return f"There is no document {document_id}."


def missing_transfer(transfer_id: object) -> str:
    return f"There is no transfer {transfer_id}."


_MISSING = {"document": missing_document, "transfer": missing_transfer}


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

    ``hide=True`` answers 404 (for things of another agency whose existence must not
    leak) with, for a document or a transfer, exactly the sentence a missing one gets
    (whatever ``message`` says); otherwise 403 with ``message``. The record names what
    was really refused.
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
        missing = _MISSING.get(subject_type or "")
        raise NotFoundError(missing(subject_id) if missing else message)
    raise PermissionDenied(message)
