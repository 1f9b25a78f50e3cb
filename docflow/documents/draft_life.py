"""A draft's life before anyone signs it: the signer (or an approver whose turn has not
come) returns it to its drafter with a comment; the drafter changes its details,
replaces its file (``docflow.documents.draft_file``), resubmits it or withdraws it.

Who: only the drafter (``created_by_id``) edits, replaces, resubmits and withdraws;
only the signer or a pending approver returns. Anyone else of the agency gets 403, and
people who may not read the document 404 (``load_readable``). The state decides the
rest (409 with a reason a clerk can act on). Every action appends its audit event and
a comment row in the caller's transaction; services never commit.
"""

from __future__ import annotations

from sqlmodel import col, func, select

from docflow.accounts.access import deny
from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput
from docflow.documents import notices
from docflow.documents.documents import check_recipients, load_readable, signer_of
from docflow.documents.draft_request import DetailsRequest
from docflow.documents.models import (
    CommentKind,
    Document,
    DocumentComment,
    DocumentState,
    DocumentVersion,
    VersionSource,
)
from docflow.documents.signatures import next_turn
from docflow.documents.states import move_state

__all__ = [
    "MAX_COMMENT",
    "add_comment_row",
    "check_comment",
    "check_unsigned",
    "load_for_drafter",
    "may_return",
    "resubmit",
    "return_draft",
    "signatures_made",
    "update_details",
    "withdraw",
]

MAX_COMMENT = 4000
EDITABLE = (DocumentState.DRAFT.value, DocumentState.RETURNED.value)
_SIGNED_SOURCES = (VersionSource.APPROVAL.value, VersionSource.LEADER_SIGNATURE.value)


def check_comment(text: object, *, required: bool) -> str | None:
    """The comment stripped (None when empty and not required); 422 otherwise."""
    if text is not None and not isinstance(text, str):
        raise InvalidInput("The comment must be text.", code="comment_invalid")
    value = (text or "").strip()
    if not value:
        if required:
            raise InvalidInput(
                "Write a comment: the drafter needs to know what to change.",
                code="comment_required",
            )
        return None
    if len(value) > MAX_COMMENT:
        raise InvalidInput(
            f"The comment is longer than {MAX_COMMENT} characters; shorten it.",
            code="comment_too_long",
        )
    return value


async def signatures_made(session: AsyncSession, document_id: int) -> int:
    """How many signatures (approvals and the signer's) the document carries."""
    count = await session.exec(
        select(func.count()).where(
            DocumentVersion.document_id == document_id,
            col(DocumentVersion.produced_by).in_(_SIGNED_SOURCES),
        )
    )
    return int(count.one())


async def may_return(session: AsyncSession, principal: Principal, document: Document) -> bool:
    """The signer, or an approver who has not signed yet, of a draft waiting for them."""
    if principal.is_read_only or document.id is None:
        return False
    if principal.user_id == document.signer_id:
        return True
    if principal.user_id not in document.approver_ids:
        return False
    done = await signatures_made(session, document.id)
    return document.approver_ids.index(principal.user_id) >= done


async def load_for_drafter(
    session: AsyncSession, principal: Principal, document_id: int, action: str
) -> Document:
    """The document if ``principal`` drafted it (404 unreadable, 403 someone else)."""
    document = await load_readable(session, principal, document_id)
    if principal.user_id != document.created_by_id or principal.is_read_only:
        await deny(
            session, principal, action=action, subject_type="document",
            subject_id=document_id,
            message="Only the person who drafted this document may do this.",
        )
    return document


async def check_unsigned(session: AsyncSession, document: Document) -> None:
    """409 unless the document is a draft (or returned) that nobody has signed yet."""
    assert document.id is not None
    if document.state == DocumentState.WITHDRAWN.value:
        raise ConflictError(
            f"Document {document.id} was withdrawn: it is kept as it is; upload a new "
            "draft instead.",
            code="draft_withdrawn",
        )
    if document.state not in EDITABLE or await signatures_made(session, document.id):
        raise ConflictError(
            f"Document {document.id} already carries a signature: it can no longer be "
            "changed, replaced or withdrawn (that would break the signature); if it must "
            "change, upload a new draft.",
            code="draft_already_signed",
        )


def add_comment_row(
    session: AsyncSession, document_id: int, author_id: int, kind: CommentKind, body: str
) -> DocumentComment:
    row = DocumentComment(
        document_id=document_id, author_id=author_id, kind=kind.value, body=body
    )
    session.add(row)
    return row


async def return_draft(
    session: AsyncSession, principal: Principal, document_id: int, comment: object
) -> Document:
    """The signer or a pending approver sends the draft back to its drafter."""
    document = await load_readable(session, principal, document_id)
    if not await may_return(session, principal, document):
        await deny(
            session, principal, action="document.return", subject_type="document",
            subject_id=document_id,
            message="Only the signer, or an approver who has not signed yet, may return "
            "this draft.",
        )
    text = check_comment(comment, required=True)
    assert text is not None
    if document.state != DocumentState.DRAFT.value:
        raise ConflictError(
            f"Document {document_id} is {document.state}: only a draft waiting for "
            "signatures can be returned.",
            code="draft_not_returnable",
        )
    await move_state(session, document, (DocumentState.DRAFT.value,),
                     DocumentState.RETURNED.value)
    add_comment_row(session, document_id, principal.user_id, CommentKind.RETURN, text)
    await record_event(
        session, "document.returned", actor=principal, subject_type="document",
        subject_id=document_id, details={"to_user_id": document.created_by_id},
    )
    await session.flush()
    await notices.returned(session, document, text)
    return document


async def resubmit(
    session: AsyncSession, principal: Principal, document_id: int, comment: object
) -> Document:
    """The drafter sends a returned draft back for signing (the next signer is told)."""
    document = await load_for_drafter(session, principal, document_id, "document.resubmit")
    text = check_comment(comment, required=False)
    if document.state != DocumentState.RETURNED.value:
        raise ConflictError(
            f"Document {document_id} is {document.state}: only a returned draft can be "
            "resubmitted.",
            code="draft_not_returned",
        )
    await move_state(session, document, (DocumentState.RETURNED.value,),
                     DocumentState.DRAFT.value)
    if text:
        add_comment_row(session, document_id, principal.user_id, CommentKind.RESUBMIT, text)
    await record_event(
        session, "document.resubmitted", actor=principal, subject_type="document",
        subject_id=document_id, details={},
    )
    await session.flush()
    turn = await next_turn(session, document)
    await notices.to_sign(session, document, turn.user_id)
    return document


async def withdraw(
    session: AsyncSession, principal: Principal, document_id: int, comment: object
) -> Document:
    """The drafter takes back an unsigned draft: out of every queue, kept readable."""
    document = await load_for_drafter(session, principal, document_id, "document.withdraw")
    text = check_comment(comment, required=False)
    await check_unsigned(session, document)
    await move_state(session, document, EDITABLE, DocumentState.WITHDRAWN.value)
    if text:
        add_comment_row(session, document_id, principal.user_id, CommentKind.WITHDRAW, text)
    await record_event(
        session, "document.withdrawn", actor=principal, subject_type="document",
        subject_id=document_id, details={},
    )
    await session.flush()
    return document


async def update_details(
    session: AsyncSession, principal: Principal, document_id: int, request: DetailsRequest
) -> list[str]:
    """Change what ``request`` names; the names of the details that changed."""
    document = await load_for_drafter(session, principal, document_id, "document.edit")
    await check_unsigned(session, document)
    changed: dict[str, object] = {}
    if request.subject is not None and request.subject != document.subject:
        changed["subject"] = document.subject = request.subject
    if request.urgency is not None and request.urgency != document.urgency:
        changed["urgency"] = document.urgency = request.urgency
    if request.change_due and request.due_at != document.due_at:
        document.due_at = request.due_at
        changed["due_date"] = request.due_at.isoformat() if request.due_at else None
    if request.recipients is not None and list(request.recipients) != document.recipients:
        await check_recipients(session, request.recipients)
        changed["recipients"] = document.recipients = list(request.recipients)
    new_signer = None
    if request.signer is not None:
        signer = await signer_of(session, principal, request.signer)
        if signer.id in document.approver_ids:
            raise InvalidInput(
                f"signer {request.signer!r} is an approver of this draft; the signer "
                "signs last and must be someone else."
            )
        if signer.id != document.signer_id:
            assert signer.id is not None
            document.signer_id = new_signer = signer.id
            changed["signer"] = signer.username
    if not changed:
        return []
    session.add(document)
    await record_event(
        session, "document.details_changed", actor=principal, subject_type="document",
        subject_id=document_id, details={"changed": sorted(changed)},
    )
    await session.flush()
    if new_signer is not None and document.state == DocumentState.DRAFT.value:
        turn = await next_turn(session, document)
        if turn.user_id == new_signer:
            await notices.to_sign(session, document, new_signer)
    return sorted(changed)
