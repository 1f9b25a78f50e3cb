"""The one read rule for a document's content, and the trail of confidential reads.

Every route and page that returns a document's bytes, preview, validation report or
evidence goes through here: ``load_for_issuer_side`` (the issuing agency's views: every
version, attachment, report, the evidence bundle) or ``load_via_transfer`` (a transfer's
file and arrival report, for both agencies). Who may read is decided by
``docflow.permissions.can_read_as_issuer`` / ``can_read_as_recipient``; anyone else gets
the same 404 as for a document that does not exist.

A served read of a confidential document writes ``document.read`` to the trail once per
(document, person, ``READ_EVENT_WINDOW``): a viewer's range requests and previews count
once. The once is atomic (one conditional ``UPDATE`` of ``document_read_mark``), so
parallel requests cannot write two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from docflow.audit import record_event
from docflow.db import AsyncSession
from docflow.errors import NotFoundError
from docflow.models import Confidentiality, Document, DocumentReadMark, Transfer, utcnow
from docflow.permissions import (
    DocumentFacts,
    Principal,
    Receipt,
    can_read_as_issuer,
    can_read_as_recipient,
)
from docflow.services.access import deny, missing_document, missing_transfer

__all__ = [
    "READ_EVENT_WINDOW",
    "TransferRead",
    "document_facts",
    "load_for_issuer_side",
    "load_via_transfer",
    "may_read_via_transfer",
    "missing_document",
    "missing_transfer",
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


def receipt(transfer: Transfer) -> Receipt:
    return Receipt(
        recipient_agency_id=transfer.recipient_agency_id,
        assigned_user_id=transfer.assigned_user_id,
        assigned_department_id=transfer.assigned_department_id,
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


@dataclass(frozen=True)
class TransferRead:
    transfer: Transfer
    document: Document
    #: Whether the reader reads as the receiving agency (it then gets its stamped copy).
    as_recipient: bool


async def load_via_transfer(
    session: AsyncSession, principal: Principal, transfer_id: int, *, what: str
) -> TransferRead:
    """A transfer's document for a reader of either side; noted; 404 otherwise."""
    transfer = await session.get(Transfer, transfer_id)
    document = await session.get(Document, transfer.document_id) if transfer else None
    if transfer is None or document is None:
        raise NotFoundError(missing_transfer(transfer_id))
    as_recipient = can_read_as_recipient(principal, document_facts(document), receipt(transfer))
    if not (as_recipient or await may_read_via_transfer(session, principal, transfer)):
        await deny(session, principal, action="document.read", subject_type="transfer",
                   subject_id=transfer_id, message=missing_transfer(transfer_id), hide=True)
    await note_read(session, principal, document, what=what)
    return TransferRead(transfer, document, as_recipient)


async def may_read_via_transfer(
    session: AsyncSession, principal: Principal, transfer: Transfer
) -> bool:
    """Whether ``load_via_transfer`` would serve ``principal`` (a page decides whether to
    offer the file); records nothing."""
    document = await session.get(Document, transfer.document_id)
    if document is None:
        return False
    facts = document_facts(document)
    if can_read_as_recipient(principal, facts, receipt(transfer)):
        return True
    return transfer.sender_agency_id == document.agency_id and can_read_as_issuer(
        principal, facts
    )


async def note_read(
    session: AsyncSession, principal: Principal, document: Document, *, what: str
) -> None:
    """For a confidential document: ``document.read`` in the trail, at most once per
    person and window; commits. Nothing for other documents."""
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
    await session.commit()
