"""The clerk's page of outgoing edXML packages (the agency's documents and the status
reports it sends about documents it received): each delivery to a peer with its
document, state, attempts, what went wrong (in words a clerk can act on) and when the
next attempt is; a failed one is sent again with a form (``POST
/deliveries/{id}/retry``, CSRF token in the form), then the page says so.

Who sees what is the rule of ``GET /api/v1/exchange/deliveries``: the clerks of the
sending agency, their agency's deliveries only; anyone else gets the refusal page.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.auth import SESSION_COOKIE
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import can_change
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError
from docflow.core.runtime import Runtime
from docflow.documents.models import Document
from docflow.exchange.delivery import list_deliveries, retry_delivery
from docflow.web.delivery_words import explain
from docflow.web.form_csrf import CSRF_FIELD, check_csrf, csrf_for
from docflow.web.i18n import translator
from docflow.web.pages import SignInRequired, Viewer, lang_of, page, provide_viewer

__all__ = ["DELIVERY_PAGES", "CSRF_FIELD"]

PageRequest = Request[Any, Any, Any]
LIST_PATH = "/deliveries"


async def _clerk_only(db_session: AsyncSession, viewer: Viewer) -> None:
    me = viewer.principal
    if not can_change(me, me.agency_id, needs=[Role.CLERK]):
        await deny(db_session, me, action="exchange.deliveries", subject_type="agency",
                   subject_id=me.agency_id,
                   message="Only a clerk (văn thư) sees the agency's outgoing deliveries.")


async def _documents(db_session: AsyncSession, ids: set[int]) -> dict[int, Document]:
    if not ids:
        return {}
    rows = await db_session.exec(select(Document).where(col(Document.id).in_(sorted(ids))))
    return {d.id: d for d in rows.all() if d.id is not None}


async def _rows(request: PageRequest, db_session: AsyncSession, agency_id: int) -> list[Any]:
    items = await list_deliveries(db_session, agency_id)
    ids = {i["package"]["document_id"] for i in items if i["package"]["document_id"]}  # type: ignore[index]
    documents = await _documents(db_session, ids)
    t = translator(lang_of(request))
    rows = []
    for item in items:
        doc = documents.get(item["package"]["document_id"])  # type: ignore[index]
        state = str(item["state"])
        rows.append({**item, "document": doc, "problem": explain(
            item["last_error"], state, t)})  # type: ignore[arg-type]
    return rows


def _flash(rows: list[Any], retried: int | None, stale: int | None) -> tuple[str, Any] | None:
    chosen = retried or stale
    if chosen is None:
        return None
    row = next((r for r in rows if r["id"] == chosen), None)
    return ("retried" if retried else "stale", row)


@get(LIST_PATH, include_in_schema=False)
async def deliveries_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    retried: FromQuery[int | None] = None,
    stale: FromQuery[int | None] = None,
) -> Template:
    await _clerk_only(db_session, viewer)
    rows = await _rows(request, db_session, viewer.principal.agency_id)
    return page(request, "deliveries.html", viewer, rows=rows, csrf=csrf_for(request),
                csrf_field=CSRF_FIELD, flash=_flash(rows, retried, stale))


@post("/deliveries/{delivery_id:int}/retry", include_in_schema=False,
      request_max_body_size=4096)  # one hidden field
async def retry_from_page(
    request: PageRequest,
    delivery_id: FromPath[int],
    db_session: NamedDependency[AsyncSession],
) -> Redirect:
    """Send a failed delivery again, then back to the list, which says so (303)."""
    try:
        viewer = await provide_viewer(request)
    except SignInRequired:  # after signing in, back to the list (not to this POST)
        ended = "&expired=1" if request.cookies.get(SESSION_COOKIE) else ""
        return Redirect(f"/sign-in?next=%2Fdeliveries{ended}", status_code=303)
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    runtime: Runtime = request.app.state.runtime
    try:
        await retry_delivery(runtime, db_session, viewer.principal, delivery_id)
    except ConflictError:  # not failed (any more): pressed twice, or sent meanwhile
        return Redirect(f"{LIST_PATH}?stale={delivery_id}", status_code=303)
    return Redirect(f"{LIST_PATH}?retried={delivery_id}", status_code=303)


DELIVERY_PAGES = [deliveries_page, retry_from_page]
