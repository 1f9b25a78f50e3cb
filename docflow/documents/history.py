"""A document's comment thread and its version history, as the API and the document
page show them. Reading follows the document's read rule (404 otherwise); writing a
comment is for the people of the issuing agency who act (not auditors)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_user import User
from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.documents.documents import load_readable, versions_of
from docflow.documents.draft_life import add_comment_row, check_comment
from docflow.documents.models import CommentKind, Document, DocumentComment

__all__ = ["add_comment", "comments_of", "list_comments", "list_versions", "versions_view"]


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    users = (await session.exec(select(User).where(col(User.id).in_(sorted(ids))))).all()
    return {u.id: u for u in users if u.id is not None}


async def comments_of(session: AsyncSession, document_id: int) -> list[dict[str, Any]]:
    """The thread, oldest first (the caller has checked the document may be read)."""
    rows = (await session.exec(
        select(DocumentComment).where(DocumentComment.document_id == document_id)
        .order_by(col(DocumentComment.id))
    )).all()
    people = await _names(session, {r.author_id for r in rows})
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "body": r.body,
            "author": people[r.author_id].username if r.author_id in people else None,
            "author_name": people[r.author_id].full_name if r.author_id in people else None,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]


async def list_comments(
    session: AsyncSession, principal: Principal, document_id: int
) -> list[dict[str, Any]]:
    await load_readable(session, principal, document_id)
    return await comments_of(session, document_id)


def may_comment(principal: Principal, document: Document) -> bool:
    """People of the issuing agency who act (the reader check comes first)."""
    return not principal.is_read_only and principal.agency_id == document.agency_id


async def add_comment(
    session: AsyncSession, principal: Principal, document_id: int, body: object
) -> DocumentComment:
    document = await load_readable(session, principal, document_id)
    if not may_comment(principal, document):
        await deny(
            session, principal, action="document.comment", subject_type="document",
            subject_id=document_id,
            message="Only people of the drafting agency who work on documents comment on "
            "them; auditors read.",
        )
    text = check_comment(body, required=True)
    assert text is not None
    row = add_comment_row(session, document_id, principal.user_id, CommentKind.COMMENT, text)
    await session.flush()
    await record_event(
        session, "document.commented", actor=principal, subject_type="document",
        subject_id=document_id, details={"comment_id": row.id},
    )
    return row


async def versions_view(session: AsyncSession, document: Document) -> list[dict[str, Any]]:
    """Every version, oldest first: what produced it, who, when, its hash and link."""
    assert document.id is not None
    versions = await versions_of(session, document.id)
    people = await _names(session, {v.actor_id for v in versions if v.actor_id is not None})
    return [
        {
            "version": v.version,
            "produced_by": v.produced_by,
            "actor": people[v.actor_id].username if v.actor_id in people else None,
            "actor_name": people[v.actor_id].full_name if v.actor_id in people else None,
            "created_at": v.created_at.isoformat(),
            "sha256": v.sha256,
            "sha256_short": v.sha256[:12],
            "size": v.size,
            "download": f"/api/v1/documents/{document.id}/file?version={v.version}",
        }
        for v in versions
    ]


async def list_versions(
    session: AsyncSession, principal: Principal, document_id: int
) -> list[dict[str, Any]]:
    document = await load_readable(session, principal, document_id)
    return await versions_view(session, document)
