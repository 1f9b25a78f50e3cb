"""The read rule through a transfer: a transfer's file and arrival report, for readers
of either agency (``docflow.documents.reading`` holds the rule's other half and the
trail of confidential reads). Anyone else gets the same 404 as for a transfer that does
not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from docflow.accounts.access import deny, missing_transfer
from docflow.accounts.permissions import (
    Principal,
    Receipt,
    can_read_as_issuer,
    can_read_as_recipient,
)
from docflow.core.db import AsyncSession
from docflow.core.errors import NotFoundError
from docflow.documents.models import Document
from docflow.documents.reading import document_facts, note_read
from docflow.transfers.models import Transfer

__all__ = [
    "TransferRead",
    "load_via_transfer",
    "may_read_via_transfer",
    "missing_transfer",
    "receipt",
]


def receipt(transfer: Transfer) -> Receipt:
    return Receipt(
        recipient_agency_id=transfer.recipient_agency_id,
        assigned_user_id=transfer.assigned_user_id,
        assigned_department_id=transfer.assigned_department_id,
    )


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
