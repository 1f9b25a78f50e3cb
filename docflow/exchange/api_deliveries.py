"""Outgoing deliveries to peers, for the sending agency's clerks: what was sent where,
what is still pending (and when the next attempt is), what failed and why; a failed one
may be sent again."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from docflow.accounts.access import deny
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal, can_change
from docflow.core.db import AsyncSession
from docflow.core.runtime import Runtime
from docflow.exchange.delivery import list_deliveries, retry_delivery

__all__ = ["DELIVERY_HANDLERS"]


@get("/api/v1/exchange/deliveries", tags=["exchange"],
     summary="The agency's outgoing edXML deliveries to peers")
async def get_deliveries(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    """Newest first (at most 200); a clerk (văn thư) of the agency only."""
    if not can_change(principal, principal.agency_id, needs=[Role.CLERK]):
        await deny(db_session, principal, action="exchange.deliveries", subject_type="agency",
                   subject_id=principal.agency_id,
                   message="Only a clerk (văn thư) sees the agency's outgoing deliveries.")
    return {"items": await list_deliveries(db_session, principal.agency_id)}


@post("/api/v1/exchange/deliveries/{delivery_id:int}/retry", tags=["exchange"],
      status_code=200, summary="Send a failed delivery again")
async def post_retry(
    delivery_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    """Pending again with a fresh count of attempts; the job runner sends it."""
    delivery = await retry_delivery(runtime, db_session, principal, delivery_id)
    return {"id": delivery.id, "state": delivery.state, "attempts": delivery.attempts}


DELIVERY_HANDLERS = [get_deliveries, post_retry]
