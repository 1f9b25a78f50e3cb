"""The one read rule for a document's content, and the trail of confidential reads.

Every route and page that returns a document's bytes, preview, validation report or
evidence goes through here: ``load_for_issuer_side`` (the issuing agency's views: every
version, attachment, report, the evidence bundle) or ``docflow.transfers.reading``
(a transfer's file and arrival report, for both agencies). Who may read is decided by
``docflow.accounts.permissions.can_read_as_issuer`` / ``can_read_as_recipient``; anyone else gets
the same 404 as for a document that does not exist.

A served read of a confidential document writes ``document.read`` to the trail once per
(document, person, ``READ_EVENT_WINDOW``): a viewer's range requests and previews count
once. The once is atomic (one conditional ``UPDATE`` of ``document_read_mark``), so
parallel requests cannot write two.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from docflow.accounts.access import deny, missing_document
from docflow.accounts.permissions import (
    DocumentFacts,
    Principal,
    can_read_as_issuer,
)
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import NotFoundError
from docflow.core.models_base import utcnow
from docflow.documents.models import Confidentiality, Document
from docflow.documents.models_reading import DocumentReadMark

__all__ = [
    "READ_EVENT_WINDOW",
    "document_facts",
    "load_for_issuer_side",
    "missing_document",
    "note_read",
]

READ_EVENT_WINDOW = timedelta(minutes=10)
_MARK: Any = DocumentReadMark.__table__  # type: ignore[attr-defined]


def document_facts(document: Document) -> DocumentFacts:
    return DocumentFacts(
        agency_id=document.agency_id,
        confidential=document.confidentiality != Confidentiality.NONE.value,
        drafter_id=document.created_by_id,
        signer_id=document.signer_id,
        approver_ids=tuple(document.approver_ids or ()),
        reader_ids=tuple(document.named_reader_ids or ()),
    )


async def load_for_issuer_side(
    session: AsyncSession, principal: Principal, document_id: int, *, what: str = "document"
) -> Document:
    """The document if ``principal`` reads it on the issuing agency's side; the read is
    noted (``note_read``). 404, as if missing, otherwise (the refusal is recorded)."""
    document = await session.get(Document, document_id)
    if document is None:
        raise NotFoundError(missing_document(document_id))
    if not can_read_as_issuer(principal, document_facts(document)):
        await deny(session, principal, action="document.read", subject_type="document",
                   subject_id=document_id, message=missing_document(document_id), hide=True)
    await note_read(session, principal, document, what=what)
    return document


async def note_read(
    session: AsyncSession, principal: Principal, document: Document, *, what: str
) -> None:
    """For a confidential document: ``document.read`` in the trail, at most once per
    person and window (kept when the caller's transaction commits). Nothing for other
    documents."""
    if document.confidentiality == Confidentiality.NONE.value:
        return
    assert document.id is not None
    now = utcnow()
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    # Whoever inserts the mark, or moves a stale one forward, writes the event.
    created = await conn.execute(
        insert(_MARK)
        .values(document_id=document.id, user_id=principal.user_id, recorded_at=now)
        .on_conflict_do_nothing(index_elements=[_MARK.c.document_id, _MARK.c.user_id])
    )
    first = bool(created.rowcount)
    if not first:
        moved = await conn.execute(
            update(_MARK)
            .where(_MARK.c.document_id == document.id, _MARK.c.user_id == principal.user_id)
            .where(_MARK.c.recorded_at <= now - READ_EVENT_WINDOW)
            .values(recorded_at=now)
        )
        first = bool(moved.rowcount)
    if first:
        await record_event(
            session,
            "document.read",
            actor=principal,
            subject_type="document",
            subject_id=document.id,
            details={"what": what, "confidentiality": document.confidentiality},
        )
