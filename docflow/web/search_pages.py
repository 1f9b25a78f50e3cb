"""The search page (``/search``) and the inbox's bulk accept.

Search asks ``docflow.search.query`` (the document read rule applies there). Bulk
accept: the inbox's ticked documents (``GET /inbox/accept?t=1&t=2``) are named on one
confirmation page; its form (``POST /inbox/accept``, CSRF token in the form) accepts each
through the same service as the single accept (``transfers.accept_transfer``, each in
its own transaction with its own incoming number), and the page says per document what
happened: accepted with its number, or why not.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from docflow.accounts.auth import SESSION_COOKIE
from docflow.core.db import AsyncSession
from docflow.core.errors import DomainError, NotFoundError
from docflow.core.runtime import Runtime
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.models import DocumentState, Urgency
from docflow.search.query import SearchFilter, day, search
from docflow.transfers import views as transfer_views
from docflow.transfers.statuses import STATUS_LABELS
from docflow.transfers.transfers import accept_transfer
from docflow.web.form_csrf import CSRF_FIELD, check_csrf, csrf_for
from docflow.web.i18n import translator
from docflow.web.pages import (
    SignInRequired,
    Viewer,
    lang_of,
    page,
    provide_viewer,
    recounted,
)

__all__ = ["MAX_BULK", "SEARCH_PAGES"]

PageRequest = Request[Any, Any, Any]
MAX_BULK = 50
PAGE_SIZE = 20
_CRITERIA = ("q", "type", "urgency", "status", "date_from", "date_to", "agency", "sort")


def _page_url(asked: dict[str, str], number: int) -> str:
    return "/search?" + urlencode({**asked, "page": str(number)})


@get("/search", include_in_schema=False)
async def search_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    q: FromQuery[str | None] = None,
    kind: Annotated[str | None, QueryParameter(name="type")] = None,
    urgency: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    date_from: FromQuery[str | None] = None,
    date_to: FromQuery[str | None] = None,
    agency: FromQuery[str | None] = None,
    sort: FromQuery[str | None] = None,
    page_number: Annotated[int, QueryParameter(name="page")] = 1,
) -> Template:
    given = dict(zip(_CRITERIA, (q, kind, urgency, status, date_from, date_to, agency, sort),
                     strict=True))
    asked = {k: v for k, v in given.items() if v}
    found = None
    if asked.keys() - {"sort"}:
        found = await search(db_session, viewer.principal, SearchFilter(
            q=q, document_type=kind or None, urgency=urgency or None, status=status or None,
            date_from=day("date_from", date_from), date_to=day("date_to", date_to),
            agency=agency or None, sort=sort or None, page=page_number, limit=PAGE_SIZE,
        ))
    return page(
        request, "search.html", viewer, asked=given, found=found, types=DOCUMENT_TYPES,
        urgencies=[u.value for u in Urgency], states=[s.value for s in DocumentState],
        statuses=sorted(STATUS_LABELS),
        prev_url=_page_url(asked, page_number - 1) if found and page_number > 1 else None,
        next_url=_page_url(asked, page_number + 1) if found and found.has_more else None,
    )


async def _lines(session: AsyncSession, viewer: Viewer, ids: list[int]) -> list[dict[str, Any]]:
    """What the confirmation names of each transfer (404 for one the viewer may not see)."""
    return [await transfer_views.recipient_view(session, viewer.principal, i) for i in ids]


def _chosen(t: list[int] | None, lang: str) -> tuple[list[int], str | None]:
    ids = list(dict.fromkeys(t or []))
    words = translator(lang)
    if not ids:
        return ids, words("bulk.none")
    if len(ids) > MAX_BULK:
        return ids, words("bulk.too_many").replace("{max}", str(MAX_BULK))
    return ids, None


@get("/inbox/accept", include_in_schema=False)
async def bulk_accept_confirm(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    t: FromQuery[list[int] | None] = None,
) -> Template:
    """The confirmation naming every ticked document."""
    ids, problem = _chosen(t, lang_of(request))
    chosen = [] if problem else await _lines(db_session, viewer, ids)
    return page(request, "inbox_accept.html", viewer, results=None, chosen=chosen,
                problem=problem, csrf=csrf_for(request), csrf_field=CSRF_FIELD)


async def _accept_each(
    runtime: Runtime, viewer: Viewer, ids: list[int]
) -> list[dict[str, Any]]:
    results = []
    for transfer_id in ids:
        line: dict[str, Any] = {"id": transfer_id, "symbol": None, "subject": "",
                                "accepted": False, "number": None, "reason": ""}
        try:
            async with runtime.session() as session:
                view = await transfer_views.recipient_view(session, viewer.principal,
                                                           transfer_id)
            line.update(symbol=view["symbol"], subject=view["subject"])
            accepted = await accept_transfer(runtime, viewer.principal, transfer_id)
            line.update(accepted=True, number=accepted.incoming_number)
        except DomainError as exc:  # this one only: the others go on
            line["reason"] = str(exc)
        results.append(line)
    return results


@post("/inbox/accept", include_in_schema=False, request_max_body_size=16384)
async def bulk_accept(request: PageRequest) -> Template | Redirect:
    """Accept each confirmed document; the page reports each one."""
    try:
        viewer = await provide_viewer(request)
    except SignInRequired:  # after signing in, back to the inbox (not to this POST)
        ended = "&expired=1" if request.cookies.get(SESSION_COOKIE) else ""
        return Redirect(f"/sign-in?next=%2Finbox{ended}", status_code=303)
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    try:
        raw = [int(v) for v in form.getall("t", [])]
    except (TypeError, ValueError):
        raise NotFoundError("There is no such transfer.") from None
    ids, problem = _chosen(raw, lang_of(request))
    runtime: Runtime = request.app.state.runtime
    results = [] if problem else await _accept_each(runtime, viewer, ids)
    if results:
        viewer = await recounted(request, viewer)
    ok = sum(1 for r in results if r["accepted"])
    return page(request, "inbox_accept.html", viewer, results=None if problem else results, ok=ok,
                failed=len(results) - ok, problem=problem, chosen=[])


SEARCH_PAGES = [search_page, bulk_accept_confirm, bulk_accept]
