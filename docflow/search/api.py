"""``GET /api/v1/search``: documents the caller may read, by words and filters, paged;
``GET /api/v1/queues``: the caller's work queues and their counts."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.search.query import SearchFilter, day, search
from docflow.search.queues import queue_counts

__all__ = ["SEARCH_HANDLERS"]


@get(
    "/api/v1/search",
    tags=["search"],
    summary="Documents you may read, by number, symbol, subject, sender or text "
    "(diacritics and case ignored); filters, sort=relevance|date, page and limit",
)
async def search_documents(
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    q: FromQuery[str | None] = None,
    type: FromQuery[str | None] = None,  # noqa: A002 - the API's parameter name
    urgency: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    date_from: FromQuery[str | None] = None,
    date_to: FromQuery[str | None] = None,
    agency: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
    page: FromQuery[int] = 1,
    limit: FromQuery[int] = 20,
) -> dict[str, Any]:
    flt = SearchFilter(
        q=q, document_type=type or None, urgency=urgency or None, status=status or None,
        date_from=day("date_from", date_from), date_to=day("date_to", date_to),
        agency=agency or None, sort=sort or None, page=page, limit=limit,
    )
    found = await search(db_session, principal, flt)
    return {"items": found.items, "page": found.page, "limit": found.limit,
            "next_page": found.page + 1 if found.has_more else None}


@get("/api/v1/queues", tags=["search"], summary="Your work queues and their counts")
async def work_queues(
    principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]
) -> dict[str, Any]:
    queues = await queue_counts(db_session, principal)
    return {"queues": [{"key": q.key, "count": q.count, "url": q.url} for q in queues]}


SEARCH_HANDLERS = [search_documents, work_queues]
