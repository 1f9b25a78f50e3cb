"""``GET /api/v1/inbox``: the agency's incoming transfers, urgent first, keyset-paged."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.transfers.inbox import DEFAULT_LIMIT, InboxFilter, list_inbox

__all__ = ["INBOX_HANDLERS"]


def _day(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date (YYYY-MM-DD).") from None


@get(
    "/api/v1/inbox",
    tags=["transfers"],
    summary="Incoming documents of your agency (urgent first, then newest; ?cursor= to page)",
)
async def inbox(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    status: FromQuery[str | None] = None,
    urgency: FromQuery[str | None] = None,
    sender: FromQuery[str | None] = None,
    date_from: FromQuery[str | None] = None,
    date_to: FromQuery[str | None] = None,
    q: FromQuery[str | None] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
    cursor: FromQuery[str | None] = None,
) -> dict[str, Any]:
    flt = InboxFilter(
        status=status, urgency=urgency, sender=sender, date_from=_day("date_from", date_from),
        date_to=_day("date_to", date_to), text=q, limit=limit, cursor=cursor,
    )
    page = await list_inbox(db_session, principal, flt)
    return {"items": page.items, "next_cursor": page.next_cursor}


INBOX_HANDLERS = [inbox]
