"""The drafting side's notices (``docflow.notifications``): a draft waits for a
person's signature (each approver in turn, then the signer), a signed document waits
for the agency's clerks to number and seal it; and the drafter's handling due date
(hạn xử lý), read from the upload's metadata."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from docflow.accounts.models_user import Role
from docflow.core.db import AsyncSession
from docflow.documents.models import Document
from docflow.documents.reading import document_facts
from docflow.notifications.kinds import Kind
from docflow.notifications.notify import About, notify, people_with_role

__all__ = ["VIETNAM", "about_document", "parse_due", "returned", "to_issue", "to_sign"]

VIETNAM = timezone(timedelta(hours=7), "ICT")


def parse_due(value: Any, problems: list[str]) -> datetime | None:
    """``due_date``: a date (YYYY-MM-DD: the end of that day in Vietnam) or an ISO 8601
    time; None when absent, a problem appended when not a date."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.append("due_date must be a date (YYYY-MM-DD)")
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"due_date {value!r} is not a date (YYYY-MM-DD)")
        return None
    if len(value.strip()) == 10:  # a bare date
        moment = datetime.combine(date.fromisoformat(value.strip()), time(23, 59, 59))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(UTC)


def about_document(document: Document, note: str | None = None) -> About:
    assert document.id is not None
    return About(
        document_facts(document), document.id, document.subject, document.symbol, note=note
    )


async def to_sign(session: AsyncSession, document: Document, user_id: int) -> None:
    """``user_id`` (an approver or the signer) is the next to sign ``document``."""
    await notify(session, Kind.TO_SIGN, [user_id], about_document(document))


async def to_issue(session: AsyncSession, document: Document) -> None:
    """The agency's clerks: ``document`` is signed and waits for its number and seal."""
    clerks = await people_with_role(session, document.agency_id, Role.CLERK)
    await notify(session, Kind.TO_ISSUE, clerks, about_document(document))


async def returned(session: AsyncSession, document: Document, comment: str) -> None:
    """The drafter: the signer or an approver returned ``document`` with ``comment``."""
    about = about_document(document, comment)
    await notify(session, Kind.RETURNED, [document.created_by_id], about)
