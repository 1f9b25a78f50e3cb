"""A person's own notifications over the API: the list (unread first, paged, ``unread``
filter), marking one or all read. Everyone signed in sees their own, nobody else's."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.notifications.inbox import (
    as_json,
    link_of,
    list_notices,
    mark_all_read,
    mark_read,
)

__all__ = ["NOTIFICATION_HANDLERS"]


@get("/api/v1/notifications", tags=["notifications"], summary="My notifications")
async def get_notifications(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    unread: FromQuery[bool] = False,
    limit: FromQuery[int] = 20,
    offset: FromQuery[int] = 0,
) -> dict[str, Any]:
    """Unread first, then newest; ``unread=true`` for the unread ones only; ``limit`` 1
    to 100. A confidential document's notification has no subject (``null``)."""
    found = await list_notices(db_session, principal.user_id, unread_only=unread,
                               limit=limit, offset=offset)
    return {
        "items": [as_json(n, link_of(n)) for n in found.items],
        "total": found.total,
        "unread": found.unread,
        "limit": limit,
        "offset": offset,
    }


@post("/api/v1/notifications/{notification_id:int}/read", tags=["notifications"],
      status_code=200, summary="Mark one of my notifications read")
async def post_read(
    notification_id: FromPath[int],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    row = await mark_read(db_session, principal.user_id, notification_id)
    return as_json(row, link_of(row))


@post("/api/v1/notifications/read-all", tags=["notifications"], status_code=200,
      summary="Mark all my notifications read")
async def post_read_all(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, int]:
    return {"marked": await mark_all_read(db_session, principal.user_id)}


NOTIFICATION_HANDLERS = [get_notifications, post_read, post_read_all]
