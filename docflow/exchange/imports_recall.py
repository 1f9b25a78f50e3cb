"""A received recall (business type 1): the sender of a document received here asks
every recipient to withdraw it.

The recalled document is the one ``Bussiness/DocumentId`` names (else the package's own
``DocumentId``), received earlier from the same ``From`` organ (``earlier_document``:
the first document received under that identifier, new, update or replacement). Each
of its incoming transfers that may be recalled moves to 13 (recall requested) with the
package's reason, as the recall inside docflow does; the recipients' clerks then accept
(15) or refuse (16) it with the existing recall actions. Nothing to recall: refused.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.exchange import edxml
from docflow.exchange.imports_problems import PackageRejected, refusal
from docflow.exchange.models import Direction, ExchangePackage, PackageKind
from docflow.transfers import notices as transfer_notices
from docflow.transfers.models import Transfer
from docflow.transfers.status import lock_transfer, new_status_event
from docflow.transfers.statuses import TransferStatus, is_allowed

__all__ = ["earlier_document", "receive_recall"]


#: Business types whose package brought a document here (a recall brings none).
_DOCUMENTS = (int(edxml.BusinessDocType.NEW), int(edxml.BusinessDocType.UPDATE),
              int(edxml.BusinessDocType.REPLACE))


async def earlier_document(
    session: AsyncSession, sender: str, document_id: str, *, what: str, where: str
) -> int:
    """The document first received from ``sender`` under ``document_id`` (a new
    document, an update or a replacement); ``unknown_document`` (422) when none."""
    found = (
        await session.exec(
            select(ExchangePackage.document_id).where(
                ExchangePackage.direction == Direction.IN.value,
                ExchangePackage.kind == PackageKind.DOCUMENT.value,
                col(ExchangePackage.business_type).in_(_DOCUMENTS),
                ExchangePackage.sender_organ_id == sender,
                ExchangePackage.edxml_document_id == document_id,
                col(ExchangePackage.document_id).is_not(None),
            ).order_by(col(ExchangePackage.id)).limit(1)
        )
    ).first()
    if found is None:
        raise PackageRejected(
            f"The {what} names no document received from its sender",
            [refusal("unknown_document",
                     f"No document {document_id!r} was received from {sender}.",
                     f"Chưa nhận văn bản {document_id!r} nào từ {sender}.", where)],
        )
    return found


async def receive_recall(
    session: AsyncSession, package: edxml.DocumentPackage
) -> tuple[dict[str, Any], int]:
    """Recall requested (13) on every recallable transfer of the recalled document."""
    business = package.trace.business if package.trace else None
    target = (business.document_id if business else None) or package.document_id or ""
    reason = business.reason if business else None
    document_id = await earlier_document(
        session, package.sender.organ_id, target, what="recall", where="Bussiness/DocumentId"
    )
    rows = (
        await session.exec(
            select(Transfer.id, Transfer.status, Transfer.status_before_recall)
            .where(Transfer.document_id == document_id).order_by(col(Transfer.id))
        )
    ).all()
    recallable = [
        row[0] for row in rows
        if row[0] is not None and is_allowed(row[1], TransferStatus.RECALL_REQUESTED, row[2])
    ]
    if not recallable:
        raise PackageRejected(
            "Nothing is left to recall",
            [refusal("nothing_to_recall",
                     "Every transfer of the document was already recalled, refused or closed.",
                     "Mọi bản chuyển của văn bản đã được thu hồi, từ chối hoặc kết thúc.")],
        )
    moved: list[int] = []
    for transfer_id in recallable:
        transfer = await lock_transfer(session, transfer_id)
        event = new_status_event(transfer, TransferStatus.RECALL_REQUESTED, actor=None,
                                 reason=reason, private={"via": "edxml"})
        session.add(event)
        session.add(transfer)
        await session.flush()
        await record_event(
            session, "transfer.status", subject_type="transfer", subject_id=transfer_id,
            details={"document_id": document_id, "status": TransferStatus.RECALL_REQUESTED.value,
                     "seq": event.seq, "reason": reason, "via": "edxml"},
        )
        await transfer_notices.on_status(session, transfer, TransferStatus.RECALL_REQUESTED,
                                         jobs=None)
        moved.append(transfer_id)
    return {"document_id": document_id, "recalled": moved}, document_id
