"""A received status package: what a recipient agency did with a document issued here.

``ResponseFor/DocumentId`` (``organId,yyyy/MM/dd,number/notation``, as the export
writes it) names a document issued by an agency of this deployment; the status is
accepted only from the agency the document was sent to (a transfer to the ``From``
agency), and only when the transition table allows it after the transfer's current
status; the sender-only status (13, recall requested) is never accepted from a
recipient. A transfer to an agency of another system starts as ``""`` (sent, no report
yet; ``outbox.sender_transfers``), which the table reads as no status: 01 comes first.
The status becomes the transfer's next event on the sender's timeline; it
carries no docflow seal signature (the package's XML signature, checked on arrival,
is its proof, and the event names the package's SHA-256).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.documents.models import Document, DocumentState
from docflow.exchange import edxml
from docflow.exchange.imports_problems import PackageRejected, refusal
from docflow.transfers import notices as transfer_notices
from docflow.transfers.models import Transfer
from docflow.transfers.status import lock_transfer, new_status_event
from docflow.transfers.statuses import SENDER_EMITS, STATUS_LABELS, is_allowed

__all__ = ["issuer_organ", "receive_status"]


def _parts(document_id: str | None) -> tuple[str, str, str] | None:
    pieces = (document_id or "").split(",", 2)
    if len(pieces) != 3 or not all(p.strip() for p in pieces):
        return None
    return pieces[0].strip(), pieces[1].strip(), pieces[2].strip()


def issuer_organ(package: edxml.StatusPackage) -> str | None:
    """The organ id of the agency whose document the status answers."""
    parts = _parts(package.response_for.document_id)
    return parts[0] if parts else package.response_for.organ_id


def _unknown(document_id: str | None) -> PackageRejected:
    return PackageRejected(
        "The status answers no document issued here",
        [refusal("unknown_document",
                 f"No document issued by this system has the id {document_id!r}.",
                 f"Không có văn bản nào do hệ thống này ban hành có mã {document_id!r}.",
                 "ResponseFor/DocumentId")],
    )


async def _document(session: AsyncSession, document_id: str | None) -> Document:
    parts = _parts(document_id)
    if parts is None:
        raise _unknown(document_id)
    organ, day, symbol = parts
    issued = edxml.parse_date(day)
    if issued is None:
        raise _unknown(document_id)
    rows = (
        await session.exec(
            select(Document)
            .join(AgencyCode, col(AgencyCode.agency_id) == col(Document.agency_id))
            .join(Agency, col(Agency.id) == col(Document.agency_id))
            .where(AgencyCode.code == organ, Document.symbol == symbol,
                   Document.state == DocumentState.ISSUED.value,
                   col(Agency.external).is_(False))
        )
    ).all()
    for document in rows:
        day_issued = document.issued_at.astimezone(edxml.VIETNAM_TIME).date() \
            if document.issued_at else None
        if day_issued == issued:
            return document
    raise _unknown(document_id)


def _wrong_agency(organ_id: str) -> PackageRejected:
    return PackageRejected(
        "The status comes from an agency the document was not sent to",
        [refusal("status_wrong_agency",
                 f"The document was not sent to {organ_id}: only its recipient reports on it.",
                 f"Văn bản không được gửi tới {organ_id}: chỉ đơn vị nhận mới báo trạng thái.",
                 "MessageHeader/From/OrganId")],
    )


async def _transfer(
    session: AsyncSession, document: Document, sender: Agency | None, organ_id: str
) -> Transfer:
    if sender is None or sender.id is None:
        raise _wrong_agency(organ_id)
    found = (
        await session.exec(
            select(Transfer.id).where(
                Transfer.document_id == document.id,
                Transfer.recipient_agency_id == sender.id,
            )
        )
    ).first()
    if found is None:
        raise _wrong_agency(organ_id)
    return await lock_transfer(session, found)


def _refuse_transition(current: str, target: str) -> PackageRejected:
    now = STATUS_LABELS[current].english if current in STATUS_LABELS else current
    then = STATUS_LABELS[target].english if target in STATUS_LABELS else target
    return PackageRejected(
        "The status does not follow the transfer's current status",
        [refusal("transition_not_allowed",
                 f"A transfer in status {current} ({now}) cannot move to {target} ({then}).",
                 f"Văn bản đang ở trạng thái {current} không thể chuyển sang {target}.",
                 "StatusCode")],
    )


async def receive_status(
    session: AsyncSession, package: edxml.StatusPackage, sender: Agency | None
) -> tuple[dict[str, Any], int]:
    """Apply ``package`` to the transfer it answers; ``({"transfer", "status", ...}, id)``."""
    document = await _document(session, package.response_for.document_id)
    target = package.status_code
    if target in SENDER_EMITS:
        raise _refuse_transition("--", target)
    current = (
        await session.exec(
            select(Transfer.status, Transfer.status_before_recall).where(
                Transfer.document_id == document.id,
                Transfer.recipient_agency_id == (sender.id if sender else None),
            )
        )
    ).first()
    # A transfer to another system starts as "" (sent, no report yet): 01 follows None.
    if current is not None and not is_allowed(current[0] or None, target, current[1]):
        raise _refuse_transition(current[0] or "--", target)
    transfer = await _transfer(session, document, sender, package.sender.organ_id)
    if not is_allowed(transfer.status or None, target, transfer.status_before_recall):
        raise _refuse_transition(transfer.status or "--", target)
    staff = package.staff.staff if package.staff else None
    moment: datetime | None = package.timestamp
    event = new_status_event(
        transfer, target, actor=None, actor_name=staff, reason=package.description,
        private={"via": "edxml", "timestamp": moment.isoformat() if moment else None},
    )
    session.add(event)
    session.add(transfer)
    await session.flush()
    await record_event(
        session, "transfer.status", subject_type="transfer", subject_id=transfer.id,
        details={"document_id": transfer.document_id, "status": target, "seq": event.seq,
                 "reason": package.description, "via": "edxml"},
    )
    await transfer_notices.on_status(session, transfer, target, jobs=None)
    assert document.id is not None
    return {"transfer": transfer.id, "status": target, "seq": event.seq}, document.id
