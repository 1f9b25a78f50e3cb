"""Recall and correction on the pages, for what the API already does
(``transfers.recall``, ``transfers.corrections``):

- the sender's clerk or leader recalls an issued document with a required reason
  (``/documents/{id}/recall``: every recipient that holds it gets 13);
- the recipient's clerk or leader answers a recall on its transfer
  (``/transfers/{id}/recall``: accept, 15, or refuse with a reason, 16);
- a draft of the issuing agency is marked as updating (2) or replacing (3) an issued
  document (``/documents/{id}/correction``); it carries that when it is issued.

Each is a confirmation page (GET) and plain forms (POST, the page's CSRF token,
``web.form_csrf``) answering 303 with ``?done=…`` or ``?refused=…`` like
``web.draft_pages``. Who may do what is the services' rule: a person it refuses gets
the error page (403, or 404 where the document or transfer must not be known).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import can_change
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput
from docflow.core.runtime import Runtime
from docflow.documents import documents
from docflow.documents.models import Document, DocumentState
from docflow.transfers import corrections, recall
from docflow.transfers import views as transfer_views
from docflow.transfers.statuses import TransferStatus
from docflow.transfers.transfers import authorized_transfer
from docflow.web.draft_pages import refusal
from docflow.web.form_csrf import CSRF_FIELD, csrf_for, posted_form
from docflow.web.pages import Viewer, lang_of, page

__all__ = ["RECALL_PAGES"]

PageRequest = Request[Any, Any, Any]
DOC = "/documents/{document_id:int}"
TRANSFER = "/transfers/{transfer_id:int}"
#: Drafts that may still be marked as a correction (not issued, not withdrawn).
_OPEN_DRAFTS = (DocumentState.DRAFT.value, DocumentState.RETURNED.value,
                DocumentState.SIGNED.value)


def _to(path: str, **query: str) -> Redirect:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return Redirect(f"{path}?{tail}" if tail else path, status_code=303)


def _render(request: PageRequest, viewer: Viewer, refused: str | None,
            **context: Any) -> Template:
    return page(request, "recall.html", viewer, csrf=csrf_for(request),
                csrf_field=CSRF_FIELD, refused=refusal(lang_of(request), refused), **context)


async def _issued_of_mine(session: AsyncSession, viewer: Viewer, document_id: int,
                          action: str, needs: tuple[Role, ...]) -> Document:
    """The issued document of the viewer's agency they may act on (404 / 403 / 409)."""
    document = await documents.load_readable(session, viewer.principal, document_id)
    if not can_change(viewer.principal, document.agency_id, needs=needs):
        await deny(session, viewer.principal, action=action, subject_type="document",
                   subject_id=document_id,
                   message="Only a clerk or a leader of the issuing agency does this.")
    if document.state != DocumentState.ISSUED.value:
        raise ConflictError(f"Document {document_id} is not issued.")
    return document


@get(f"{DOC}/recall", include_in_schema=False)
async def recall_form(request: PageRequest, document_id: FromPath[int],
                      viewer: NamedDependency[Viewer],
                      db_session: NamedDependency[AsyncSession],
                      refused: FromQuery[str | None] = None) -> Template:
    document = await _issued_of_mine(db_session, viewer, document_id, "document.recall",
                                     (Role.CLERK, Role.LEADER))
    holders = await transfer_views.sender_timelines(db_session, viewer.principal, document_id)
    return _render(request, viewer, refused, mode="recall", doc=document, holders=holders)


@post(f"{DOC}/recall", include_in_schema=False, request_max_body_size=65536)
async def recall_post(request: PageRequest, document_id: FromPath[int]) -> Redirect:
    back = f"/documents/{document_id}"
    got = await posted_form(request, f"{back}/recall")
    if isinstance(got, Redirect):
        return got
    viewer, form = got
    runtime: Runtime = request.app.state.runtime
    try:
        await recall.recall_document(runtime, viewer.principal, document_id, form.get("reason"))
    except InvalidInput:
        return _to(f"{back}/recall", refused="recall_reason")
    except ConflictError:
        return _to(back, refused="recall_none")
    return _to(back, done="recalled")


@get(f"{TRANSFER}/recall", include_in_schema=False)
async def answer_form(request: PageRequest, transfer_id: FromPath[int],
                      viewer: NamedDependency[Viewer],
                      db_session: NamedDependency[AsyncSession],
                      refused: FromQuery[str | None] = None) -> Template:
    await authorized_transfer(
        db_session, viewer.principal, transfer_id, action="transfer.recall.answer",
        needs=(Role.CLERK, Role.LEADER),
        message="Only a clerk or leader of the receiving agency answers a recall.")
    runtime: Runtime = request.app.state.runtime
    view = await transfer_views.recipient_view(db_session, viewer.principal, transfer_id,
                                               runtime.jobs)
    asked = [e for e in view["timeline"] if e["status"] == TransferStatus.RECALL_REQUESTED]
    return _render(request, viewer, refused, mode="answer", tr=view,
                   asked=asked[-1] if asked else None)


async def _answer(request: PageRequest, transfer_id: int, accept: bool) -> Redirect:
    back = f"/transfers/{transfer_id}"
    got = await posted_form(request, f"{back}/recall")
    if isinstance(got, Redirect):
        return got
    viewer, form = got
    runtime: Runtime = request.app.state.runtime
    try:
        if accept:
            await recall.accept_recall(runtime, viewer.principal, transfer_id)
        else:
            await recall.refuse_recall(runtime, viewer.principal, transfer_id,
                                       form.get("reason"))
    except InvalidInput:
        return _to(f"{back}/recall", refused="recall_refuse_reason")
    except ConflictError:
        return _to(back, refused="recall_answered")
    return _to(back, done="recall_accepted" if accept else "recall_refused")


@post(f"{TRANSFER}/recall/accept", include_in_schema=False, request_max_body_size=65536)
async def accept_post(request: PageRequest, transfer_id: FromPath[int]) -> Redirect:
    return await _answer(request, transfer_id, accept=True)


@post(f"{TRANSFER}/recall/refuse", include_in_schema=False, request_max_body_size=65536)
async def refuse_post(request: PageRequest, transfer_id: FromPath[int]) -> Redirect:
    return await _answer(request, transfer_id, accept=False)


async def _open_drafts(session: AsyncSession, agency_id: int) -> list[Document]:
    """The agency's drafts not issued yet, newest first (what a correction may be)."""
    query = (select(Document)
             .where(Document.agency_id == agency_id, col(Document.state).in_(_OPEN_DRAFTS))
             .order_by(col(Document.id).desc()).limit(100))
    return list((await session.exec(query)).all())


@get(f"{DOC}/correction", include_in_schema=False)
async def correction_form(request: PageRequest, document_id: FromPath[int],
                          viewer: NamedDependency[Viewer],
                          db_session: NamedDependency[AsyncSession],
                          refused: FromQuery[str | None] = None) -> Template:
    document = await _issued_of_mine(db_session, viewer, document_id, "document.correction",
                                     (Role.CLERK, Role.LEADER))
    drafts = await _open_drafts(db_session, document.agency_id)
    return _render(request, viewer, refused, mode="correction", doc=document, drafts=drafts)


@post(f"{DOC}/correction", include_in_schema=False, request_max_body_size=65536)
async def correction_post(request: PageRequest, document_id: FromPath[int],
                          db_session: NamedDependency[AsyncSession]) -> Redirect:
    back = f"/documents/{document_id}/correction"
    got = await posted_form(request, back)
    if isinstance(got, Redirect):
        return got
    viewer, form = got
    await _issued_of_mine(db_session, viewer, document_id, "document.correction",
                          (Role.CLERK, Role.LEADER))
    draft = form.get("draft")
    if not isinstance(draft, str) or not draft.isdigit():
        return _to(back, refused="correction_draft")
    try:
        await corrections.mark_correction(db_session, viewer.principal, int(draft),
                                          document_id, form.get("business_type"))
    except (ConflictError, InvalidInput):
        await db_session.rollback()
        return _to(back, refused="correction_refused")
    return _to(f"/documents/{draft}", done="correction_marked")


RECALL_PAGES = [recall_form, recall_post, answer_form, accept_post, refuse_post,
                correction_form, correction_post]
