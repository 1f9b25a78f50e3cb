"""Signing several drafts at once: the confirmation page of the leader's ticked drafts.

The "to sign" list (``/to-sign``) ticks drafts and asks ``GET /to-sign/confirm?d=1&d=2``.
This page names each chosen draft (symbol, type, subject: only documents the leader may
read, 404 for any other, as the document page) and sets apart, with the reason, those
the leader cannot sign now (another signer's, no longer a draft, waiting for an
approver first). The signing itself runs in the browser (``static/js/sign_many.js``),
each document through the same prepare / sign with the browser's key / complete as the
document page (``static/js/sign_flow.js``), so the private key never leaves it.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from docflow.accounts.models_user import Role, User
from docflow.core.db import AsyncSession
from docflow.core.errors import PermissionDenied
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.documents import load_readable
from docflow.documents.models import Document, DocumentState
from docflow.documents.signatures import next_turn
from docflow.web.i18n import translator
from docflow.web.pages import Viewer, lang_of, page

__all__ = ["MAX_SIGN_MANY", "SIGN_MANY_PAGES"]

PageRequest = Request[Any, Any, Any]
MAX_SIGN_MANY = 30


async def _why_not(session: AsyncSession, viewer: Viewer, doc: Document, lang: str) -> str:
    """Why the viewer cannot sign ``doc`` now (empty when they can)."""
    words = translator(lang)
    me = viewer.principal.user_id
    if me not in (*doc.approver_ids, doc.signer_id):
        return str(words("signmany.not_signer"))
    if doc.state != DocumentState.DRAFT.value:
        return str(words("signmany.not_draft"))
    turn = await next_turn(session, doc)
    if turn.user_id == me:
        return ""
    signers = [*doc.approver_ids, doc.signer_id]
    if signers.index(me) < signers.index(turn.user_id):  # already signed it as approver
        return str(words("signmany.not_draft"))
    waiting = await session.get(User, turn.user_id)
    name = waiting.full_name if waiting else str(turn.user_id)
    return str(words("signmany.waits_for", name=name))


def _type_name(code: str, lang: str) -> str:
    kind = DOCUMENT_TYPES.get(code)
    if kind is None:
        return code
    return kind.name if lang == "vi" else kind.english


async def _lines(
    session: AsyncSession, viewer: Viewer, ids: list[int], lang: str
) -> list[dict[str, Any]]:
    """Each chosen document as the page names it (404 for one the viewer may not read)."""
    lines = []
    for document_id in ids:
        doc = await load_readable(session, viewer.principal, document_id)
        lines.append({
            "id": doc.id, "symbol": doc.symbol, "subject": doc.subject,
            "type": _type_name(doc.document_type, lang),
            "reason": await _why_not(session, viewer, doc, lang),
        })
    return lines


def _chosen(d: list[int] | None, lang: str) -> tuple[list[int], str | None]:
    ids = list(dict.fromkeys(d or []))
    words = translator(lang)
    if not ids:
        return ids, str(words("signmany.none"))
    if len(ids) > MAX_SIGN_MANY:
        return ids, str(words("signmany.too_many", max=MAX_SIGN_MANY))
    return ids, None


@get("/to-sign/confirm", include_in_schema=False)
async def sign_many_confirm(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    d: FromQuery[list[int] | None] = None,
) -> Template:
    """The confirmation naming every ticked draft, and the one button that signs them."""
    me = viewer.principal
    if not me.has(Role.LEADER) or me.is_read_only:
        raise PermissionDenied(
            "Only leaders sign the drafts given to them.", code="sign_many_leaders"
        )
    lang = lang_of(request)
    ids, problem = _chosen(d, lang)
    lines = [] if problem else await _lines(db_session, viewer, ids, lang)
    signable = [line for line in lines if not line["reason"]]
    skipped = [line for line in lines if line["reason"]]
    if lines and not signable:
        problem = str(translator(lang)("signmany.nothing"))
    names = "; ".join(line["symbol"] or line["subject"] for line in signable)
    return page(
        request, "sign_many.html", viewer, signable=signable, skipped=skipped,
        problem=problem, names=names, full_name=viewer.me.user.full_name,
    )


SIGN_MANY_PAGES = [sign_many_confirm]
