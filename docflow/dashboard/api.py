"""``GET /api/v1/dashboard?from=&to=``: the operations figures the caller may see."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.dashboard.figures import build_dashboard, reach_of
from docflow.dashboard.period import parse_period

__all__ = ["DASHBOARD_HANDLERS"]


@get("/api/v1/dashboard", tags=["dashboard"],
     summary="Operations figures per agency for a period (Vietnam-time days)")
async def dashboard(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    since: Annotated[str | None, QueryParameter(
        name="from", description="First day, YYYY-MM-DD (default: first of this month)")] = None,
    until: Annotated[str | None, QueryParameter(
        name="to", description="Last day, YYYY-MM-DD (default: end of from's month)")] = None,
) -> dict[str, Any]:
    """An agency's leaders and clerks get their agency; the province's administrators
    and auditors every agency; anyone else 403. A bad date, or ``from`` after ``to``,
    is 400."""
    reach = await reach_of(db_session, principal)  # refused before the dates are read
    board = await build_dashboard(db_session, reach, parse_period(since, until))
    return board.to_json()


DASHBOARD_HANDLERS = [dashboard]
