"""The browser application's pages, server-rendered; actions run from small scripts
against the JSON API (cookie session + ``X-CSRF-Token``).

Pages that need a signed-in person send everyone else to the sign-in page (and back
afterwards); a refused page says why.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router

from docflow.accounts.agencies import list_directory
from docflow.accounts.models_user import Role
from docflow.core.db import AsyncSession
from docflow.core.errors import DomainError, InvalidInput, PermissionDenied
from docflow.documents import documents, registers
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.draft_request import MAX_ATTACHMENTS
from docflow.documents.lists import list_documents, people_of_agency, person
from docflow.documents.models import Confidentiality, DocumentState, Urgency
from docflow.documents.views import document_view
from docflow.search.queues import inbox_filter, waiting_document_ids
from docflow.transfers import register as registers_incoming
from docflow.transfers import views as transfer_views
from docflow.transfers.assignees import assignable_people
from docflow.transfers.inbox import list_inbox
from docflow.transfers.models import Transfer
from docflow.transfers.reading import may_read_via_transfer
from docflow.web.account_keys import KEY_PAGES
from docflow.web.admin_agencies import AGENCY_PAGES
from docflow.web.admin_users import ADMIN_USER_PAGES
from docflow.web.audit_pages import AUDIT_PAGES
from docflow.web.dashboard import DASHBOARD_PAGES
from docflow.web.deliveries import DELIVERY_PAGES
from docflow.web.draft_pages import DRAFT_PAGES, draft_context, draft_done, refusal
from docflow.web.i18n import LANGS, VIETNAM
from docflow.web.jobs_page import JOB_PAGES
from docflow.web.notifications_page import NOTIFICATION_PAGES
from docflow.web.pages import (
    LANG_COOKIE,
    SignInRequired,
    Viewer,
    lang_of,
    page,
    provide_viewer,
    safe_next,
    sign_in_redirect,
)
from docflow.web.recall_pages import RECALL_PAGES
from docflow.web.search_pages import SEARCH_PAGES
from docflow.web.sign_many_pages import SIGN_MANY_PAGES
from docflow.web.upload_words import done_message, words

__all__ = ["WEB_HANDLERS"]

PageRequest = Request[Any, Any, Any]
URGENCIES = [u.value for u in Urgency]
CONFIDENTIALITIES = [c.value for c in Confidentiality]


def _queue_is(queue: str, expected: str) -> None:
    if queue != expected:
        raise InvalidInput(f"queue must be {expected} here.")


def _need(viewer: Viewer, *roles: Role, why: str, code: str) -> None:
    if not any(viewer.principal.has(r) for r in roles):
        raise PermissionDenied(why, code=code)


@get("/sign-in", opt={"page": "public"}, include_in_schema=False)
async def sign_in_page(
    request: PageRequest, next: FromQuery[str | None] = None, expired: FromQuery[str | None] = None
) -> Template:
    return page(request, "sign_in.html", None, next=safe_next(next), expired=bool(expired))


@get("/lang/{code:str}", opt={"page": "public"}, include_in_schema=False)
async def switch_language(code: FromPath[str], next: FromQuery[str | None] = None) -> Redirect:
    lang = code if code in LANGS else "vi"
    cookie = Cookie(key=LANG_COOKIE, value=lang, max_age=365 * 86400, path="/", samesite="lax")
    return Redirect(safe_next(next), status_code=303, cookies=[cookie])


@get("/", include_in_schema=False)
async def home(request: PageRequest, viewer: NamedDependency[Viewer]) -> Template:
    return page(request, "home.html", viewer)


@get("/inbox", include_in_schema=False)
async def inbox_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    queue: FromQuery[str | None] = None,
) -> Template:
    """The inbox, or one of its work queues (``?queue=to_receive|assigned|overdue``)."""
    me = viewer.principal
    found = await list_inbox(db_session, me, inbox_filter(queue, me, 100))
    return page(request, "inbox.html", viewer, items=found.items, queue=queue or None)


@get("/outbox", include_in_schema=False)
async def outbox_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    queue: FromQuery[str | None] = None,
) -> Template:
    """Issued documents, or those a recipient has not accepted yet (``?queue=waiting``)."""
    issued = await list_documents(db_session, viewer.principal, states=(DocumentState.ISSUED,))
    if queue is not None:
        _queue_is(queue, "waiting")
        waiting = await waiting_document_ids(db_session, viewer.principal)
        issued = [doc for doc in issued if doc.id in waiting]
    rows = []
    for doc in issued[:50]:
        recipients = await transfer_views.sender_timelines(db_session, viewer.principal, doc.id)
        rows.append((doc, recipients))
    return page(request, "outbox.html", viewer, rows=rows, types=DOCUMENT_TYPES, queue=queue)


@get("/drafts", include_in_schema=False)
async def drafts_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    queue: FromQuery[str | None] = None,
) -> Template:
    """Drafts and signed documents, or only the signed ones (``?queue=to_issue``)."""
    states: tuple[DocumentState, ...] = (
        DocumentState.DRAFT, DocumentState.RETURNED, DocumentState.SIGNED)
    if queue is not None:
        _queue_is(queue, "to_issue")
        states = (DocumentState.SIGNED,)
    drafts = await list_documents(db_session, viewer.principal, states=states)
    title = "queue.to_issue" if queue else "nav.drafts"
    return page(request, "documents.html", viewer, docs=drafts, title_key=title,
                types=DOCUMENT_TYPES)


@get("/to-sign", include_in_schema=False)
async def to_sign_page(
    request: PageRequest, viewer: NamedDependency[Viewer], db_session: NamedDependency[AsyncSession]
) -> Template:
    waiting = await list_documents(
        db_session,
        viewer.principal,
        states=(DocumentState.DRAFT,),
        signer_id=viewer.principal.user_id,
    )
    return page(
        request,
        "documents.html",
        viewer,
        docs=waiting,
        title_key="nav.to_sign",
        types=DOCUMENT_TYPES,
    )


@get("/upload", include_in_schema=False)
async def upload_page(
    request: PageRequest, viewer: NamedDependency[Viewer], db_session: NamedDependency[AsyncSession]
) -> Template:
    _need(
        viewer,
        Role.SPECIALIST,
        Role.CLERK,
        Role.LEADER,
        why="Only specialists, clerks and leaders of an agency upload drafts.",
        code="upload_roles",
    )
    signers = await people_of_agency(db_session, viewer.principal.agency_id, Role.LEADER)
    # named readers: any active person of the agency; approvers: those who may sign (an
    # auditor changes nothing; documents.documents refuses other agencies' people)
    people = await people_of_agency(db_session, viewer.principal.agency_id)
    signing = [
        await people_of_agency(db_session, viewer.principal.agency_id, role)
        for role in (Role.LEADER, Role.SPECIALIST, Role.CLERK)
    ]
    approvers = sorted(
        {p.username: p for group in signing for p in group}.values(), key=lambda p: p.full_name
    )
    agencies = [a for a in await list_directory(db_session) if a.id != viewer.principal.agency_id]
    settings = request.app.state.runtime.settings
    page_words = words(lang_of(request))
    return page(
        request,
        "upload.html",
        viewer,
        types=DOCUMENT_TYPES,
        signers=signers,
        people=people,
        approvers=approvers,
        max_attachments=MAX_ATTACHMENTS,
        agencies=agencies,
        urgencies=URGENCIES,
        confidentialities=CONFIDENTIALITIES,
        # the form's nonce: sent twice, it makes one draft (docflow.documents.upload_key)
        upload_key=secrets.token_urlsafe(24),
        max_upload_mb=settings.max_upload_mb,
        max_upload_bytes=settings.max_upload_bytes,
        words=page_words,
        words_json=json.dumps(page_words, ensure_ascii=False),
    )


@get("/documents/{document_id:int}", include_in_schema=False)
async def document_page(
    request: PageRequest,
    document_id: FromPath[int],
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    done: FromQuery[str | None] = None,
    refused: FromQuery[str | None] = None,
) -> Template:
    """``?done=uploaded|signed|issued`` (or a draft's action, ``web.draft_pages``): the
    confirmation after the page reloads; ``?refused=<code>``: why a form did nothing."""
    document = await documents.load_readable(db_session, viewer.principal, document_id)
    view = await document_view(db_session, document)
    recipients: list[dict[str, Any]] = []
    if document.state == DocumentState.ISSUED.value:
        try:
            recipients = await transfer_views.sender_timelines(
                db_session, viewer.principal, document_id
            )
        except DomainError:
            recipients = []
    me = viewer.principal
    can_sign = (
        document.state == DocumentState.DRAFT.value
        and document.signer_id == me.user_id
        and not me.is_read_only
    )
    can_issue = (
        document.state == DocumentState.SIGNED.value
        and me.has(Role.CLERK)
        and me.agency_id == document.agency_id
    )
    signer = await person(db_session, document.signer_id)
    names = {a.code: a.name for a in await list_directory(db_session)}
    lang = lang_of(request)
    draft = await draft_context(request, db_session, viewer, document)
    return page(
        request,
        "document.html",
        viewer,
        doc=view,
        recipients=recipients,
        signer_name=signer.full_name if signer else view["signer"],
        recipient_names=[names.get(code, code) for code in view["recipients"]],
        can_sign=can_sign,
        can_issue=can_issue,
        is_auditor=me.has(Role.AUDITOR),
        full_name=viewer.me.user.full_name,
        types=DOCUMENT_TYPES,
        done=done_message(lang, done, view) or draft_done(lang, done, document.state),
        refused=refusal(lang, refused),
        words=words(lang),
        **draft,
    )


@get("/transfers/{transfer_id:int}", include_in_schema=False)
async def transfer_page(
    request: PageRequest,
    transfer_id: FromPath[int],
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
) -> Template:
    runtime = request.app.state.runtime
    view = await transfer_views.recipient_view(
        db_session, viewer.principal, transfer_id, runtime.jobs
    )
    people = await assignable_people(db_session, viewer.principal.agency_id)
    transfer = await db_session.get(Transfer, transfer_id)
    assert transfer is not None  # recipient_view answered 404 otherwise
    readable = await may_read_via_transfer(db_session, viewer.principal, transfer)
    return page(
        request, "transfer.html", viewer, tr=view, people=people, content_readable=readable
    )


@get("/registers", include_in_schema=False)
async def registers_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    year: FromQuery[int | None] = None,
) -> Template:
    chosen = year or datetime.now(VIETNAM).year
    outgoing = await registers.outgoing_register(
        db_session, viewer.principal, None, registers.RegisterFilter(year=chosen)
    )
    incoming = await registers_incoming.incoming_register(
        db_session, viewer.principal, None, chosen
    )
    return page(
        request, "registers.html", viewer, year=chosen, outgoing=outgoing, incoming=incoming
    )


@get("/verify", include_in_schema=False)
async def verify_page(request: PageRequest, viewer: NamedDependency[Viewer]) -> Template:
    return page(request, "verify.html", viewer)


@get("/trust", opt={"page": "public"}, include_in_schema=False, sync_to_thread=False)
def trust_page(request: PageRequest) -> Template:
    """How to trust docflow's signatures in other software (public: outside readers too)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    from docflow.core.keys import anchor_pems

    runtime = request.app.state.runtime
    anchors = []
    for pem in anchor_pems(runtime.signing):
        cert = x509.load_pem_x509_certificate(pem)
        anchors.append(
            {
                "subject": cert.subject.rfc4514_string(),
                "sha256": cert.fingerprint(hashes.SHA256()).hex(":").upper(),
            }
        )
    return page(request, "trust.html", None, anchors=anchors)


STATIC = create_static_files_router(
    path="/static",
    directories=[Path(__file__).parent / "static"],
    opt={"page": "public"},
    include_in_schema=False,
    name="static",
)

PAGES = Router(
    path="/",
    route_handlers=[
        sign_in_page,
        switch_language,
        home,
        inbox_page,
        outbox_page,
        drafts_page,
        to_sign_page,
        upload_page,
        document_page,
        transfer_page,
        registers_page,
        verify_page,
        trust_page,
        *DASHBOARD_PAGES,
        *DELIVERY_PAGES,
        *DRAFT_PAGES,
        *RECALL_PAGES,
        *NOTIFICATION_PAGES,
        *SEARCH_PAGES,
        *SIGN_MANY_PAGES,
        *JOB_PAGES,
        *ADMIN_USER_PAGES,
        *AGENCY_PAGES,
        *KEY_PAGES,
        *AUDIT_PAGES,
    ],
    dependencies={"viewer": Provide(provide_viewer)},
    # Every other error of a page becomes a page at the app's level (web.error_pages).
    exception_handlers={SignInRequired: sign_in_redirect},
)

WEB_HANDLERS: list[Router] = [PAGES, STATIC]
