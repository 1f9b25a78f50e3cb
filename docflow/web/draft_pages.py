"""A draft's life on its page (``/documents/{id}``): the forms that return, resubmit,
withdraw, edit or replace a draft and add a comment, and what the page shows of it (the
thread, the version history, who may do what). Plain forms with the page's CSRF token
(``web.form_csrf``); each answers 303 to the document's page with ``?done=…`` (the
confirmation that survives the reload) or ``?refused=…`` (why nothing was done, from
the catalogue). Not allowed (403) or not readable (404): the error page, as elsewhere.
The rules are the services' (``documents.draft_life``, ``draft_file``, ``history``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio.to_thread
from litestar import Request, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from docflow.accounts.agencies import list_directory
from docflow.accounts.models_user import Role
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput
from docflow.core.runtime import Runtime
from docflow.documents import draft_life, history
from docflow.documents.draft_file import replace_file
from docflow.documents.draft_request import DetailsRequest
from docflow.documents.files import save_upload, working_dir
from docflow.documents.jobs import IndexForSearch
from docflow.documents.lists import people_of_agency
from docflow.documents.models import CommentKind, Document, DocumentState
from docflow.web.form_csrf import CSRF_FIELD, csrf_for, posted_form
from docflow.web.i18n import VIETNAM, translator
from docflow.web.pages import Viewer

__all__ = ["DRAFT_PAGES", "draft_context", "draft_done"]

PageRequest = Request[Any, Any, Any]
PATH = "/documents/{document_id:int}"
_CODE = re.compile(r"^[a-z_]{1,40}$")
#: ``?done=`` keys of this module and the state that shows the action happened.
_DONE_STATES = {"returned": "returned", "resubmitted": "draft", "withdrawn": "withdrawn",
                "details": None, "replaced": None, "commented": None}


def draft_done(lang: str, done: str | None, state: str) -> str | None:
    """The confirmation of ``?done=`` once the document shows it, else None."""
    if done not in _DONE_STATES:
        return None
    expected = _DONE_STATES[done]
    if expected is not None and state != expected:
        return None
    return str(translator(lang)(f"done.{done}"))


def refusal(lang: str, code: str | None, fallback: str | None = None) -> str | None:
    """What ``?refused=<code>`` says (from the catalogue only; unknown codes say nothing)."""
    if code is None or not _CODE.match(code):
        return None
    t = translator(lang)
    for key in (f"err.{code}", f"refused.{code}"):
        if t(key) != key:
            return str(t(key))
    return str(t(fallback)) if fallback else None


async def draft_context(
    request: PageRequest, session: AsyncSession, viewer: Viewer, document: Document
) -> dict[str, Any]:
    """What the document page needs for the draft's life (its template part)."""
    me = viewer.principal
    assert document.id is not None
    drafter = me.user_id == document.created_by_id and not me.is_read_only
    unsigned = (document.state in draft_life.EDITABLE
                and not await draft_life.signatures_made(session, document.id))
    can_return = (document.state == DocumentState.DRAFT.value
                  and await draft_life.may_return(session, me, document))
    comments = await history.comments_of(session, document.id)
    returned = [c for c in comments if c["kind"] == CommentKind.RETURN.value]
    editing = drafter and unsigned
    return {
        "comments": comments,
        "last_return": returned[-1] if returned and document.state == "returned" else None,
        "version_rows": await history.versions_view(session, document),
        "can_return": can_return,
        "can_edit": editing,
        "can_resubmit": drafter and document.state == DocumentState.RETURNED.value,
        "can_comment": history.may_comment(me, document),
        "signers": await people_of_agency(session, me.agency_id, Role.LEADER) if editing else [],
        "agencies": [a for a in await list_directory(session) if a.id != me.agency_id]
        if editing else [],
        # the date input's value: the due date's day in Vietnam (YYYY-MM-DD)
        "due_value": document.due_at.astimezone(VIETNAM).date().isoformat()
        if document.due_at else "",
        "csrf": csrf_for(request),
        "csrf_field": CSRF_FIELD,
    }


def _back(document_id: int, **query: str) -> Redirect:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return Redirect(f"/documents/{document_id}?{tail}", status_code=303)


async def _refused(session: AsyncSession, document_id: int, exc: Exception, kind: str) -> Redirect:
    """Nothing of the failed action is kept; the page says why."""
    await session.rollback()
    code = getattr(exc, "code", None)
    if isinstance(exc, InvalidInput) and (code is None or refusal("vi", code) is None):
        code = kind
    return _back(document_id, refused=str(code or kind))


async def _state_action(request: PageRequest, session: AsyncSession, document_id: int,
                        action: str) -> Redirect:
    got = await posted_form(request, f"/documents/{document_id}")
    if isinstance(got, Redirect):
        return got
    viewer, form = got
    act = {"return": (draft_life.return_draft, "returned"),
           "resubmit": (draft_life.resubmit, "resubmitted"),
           "withdraw": (draft_life.withdraw, "withdrawn")}[action]
    try:
        await act[0](session, viewer.principal, document_id, form.get("comment"))
    except (ConflictError, InvalidInput) as exc:
        return await _refused(session, document_id, exc, "comment_required")
    return _back(document_id, done=act[1])


@post(f"{PATH}/return", include_in_schema=False, request_max_body_size=65536)
async def return_page(request: PageRequest, document_id: FromPath[int],
                      db_session: NamedDependency[AsyncSession]) -> Redirect:
    return await _state_action(request, db_session, document_id, "return")


@post(f"{PATH}/resubmit", include_in_schema=False, request_max_body_size=65536)
async def resubmit_page(request: PageRequest, document_id: FromPath[int],
                        db_session: NamedDependency[AsyncSession]) -> Redirect:
    return await _state_action(request, db_session, document_id, "resubmit")


@post(f"{PATH}/withdraw", include_in_schema=False, request_max_body_size=65536)
async def withdraw_page(request: PageRequest, document_id: FromPath[int],
                        db_session: NamedDependency[AsyncSession]) -> Redirect:
    return await _state_action(request, db_session, document_id, "withdraw")


@post(f"{PATH}/comments", include_in_schema=False, request_max_body_size=65536)
async def comment_page(request: PageRequest, document_id: FromPath[int],
                       db_session: NamedDependency[AsyncSession]) -> Redirect:
    got = await posted_form(request, f"/documents/{document_id}")
    if isinstance(got, Redirect):
        return got
    viewer, form = got
    try:
        await history.add_comment(db_session, viewer.principal, document_id, form.get("comment"))
    except InvalidInput as exc:
        return await _refused(db_session, document_id, exc, "comment_required")
    return _back(document_id, done="commented")


def _details_of(form: Any) -> dict[str, Any]:
    """The form's fields as the API's JSON (the recipients are checkboxes)."""
    raw: dict[str, Any] = {k: form.get(k) for k in ("subject", "urgency", "signer")
                           if isinstance(form.get(k), str)}
    due = form.get("due_date")
    if isinstance(due, str):
        raw["due_date"] = due
    raw["recipients"] = [v for v in form.getall("recipients", []) if isinstance(v, str)]
    return raw


@post(f"{PATH}/details", include_in_schema=False, request_max_body_size=65536)
async def details_page(request: PageRequest, document_id: FromPath[int],
                       db_session: NamedDependency[AsyncSession]) -> Redirect:
    got = await posted_form(request, f"/documents/{document_id}")
    if isinstance(got, Redirect):
        return got
    viewer, form = got
    runtime: Runtime = request.app.state.runtime
    try:
        changes = DetailsRequest.parse(_details_of(form))
        changed = await draft_life.update_details(
            db_session, viewer.principal, document_id, changes)
    except (ConflictError, InvalidInput) as exc:
        return await _refused(db_session, document_id, exc, "details")
    if changed:
        await runtime.jobs.enqueue(db_session, IndexForSearch(document_id))
    return _back(document_id, done="details")


@post(f"{PATH}/file", include_in_schema=False)
async def file_page(request: PageRequest, document_id: FromPath[int],
                    db_session: NamedDependency[AsyncSession]) -> Redirect:
    got = await posted_form(request, f"/documents/{document_id}")
    if isinstance(got, Redirect):
        return got
    viewer, form = got
    runtime: Runtime = request.app.state.runtime
    try:
        await draft_life.check_unsigned(
            db_session, await draft_life.load_for_drafter(
                db_session, viewer.principal, document_id, "document.replace"))
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _back(document_id, refused="no_file")
        with working_dir() as tmp:
            path = Path(tmp) / "upload.pdf"
            sha256 = await anyio.to_thread.run_sync(save_upload, upload, path)
            await replace_file(db_session, viewer.principal, document_id, path, sha256,
                               store=runtime.store, workers=runtime.signing_pool)
    except (ConflictError, InvalidInput) as exc:
        return await _refused(db_session, document_id, exc, "file")
    finally:
        for value in form.values():
            if isinstance(value, UploadFile):
                await value.close()
    await runtime.jobs.enqueue(db_session, IndexForSearch(document_id))
    return _back(document_id, done="replaced")


DRAFT_PAGES = [return_page, resubmit_page, withdraw_page, comment_page, details_page, file_page]
