"""What each side sees of a transfer.

- The sender (``sender_timelines``): per recipient, the current status code and the
  timeline of status events with who (the emitting person's name) and when, and
  reasons. Never the recipient's assignees, instructions or notes. A recipient of
  another system (``external``) starts in status ``""`` (sending, no report yet).
- The recipient (``recipient_view``): its own transfer in full, handling included.
  A recipient never sees another recipient's transfer (404).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_agency import Agency, Department
from docflow.accounts.models_user import User
from docflow.accounts.permissions import Principal, can_audit_agency
from docflow.core.db import AsyncSession
from docflow.core.errors import NotFoundError
from docflow.core.jobs.port import JobQueue
from docflow.core.jobs.views import job_view
from docflow.documents.documents import load_readable
from docflow.documents.models import Document, DocumentVersion
from docflow.documents.registers import HIDDEN_SUBJECT
from docflow.transfers.jobs import StampIncoming
from docflow.transfers.models import Transfer, TransferEvent, VerificationRecord
from docflow.transfers.reading import load_via_transfer, missing_transfer
from docflow.transfers.status_signing import verify_status_event
from docflow.transfers.statuses import STATUS_LABELS, event_meaning, label_of

__all__ = [
    "load_visible",
    "recipient_view",
    "sender_timelines",
    "transfer_file",
    "verification_report",
]


def _event_public(event: TransferEvent) -> dict[str, Any]:
    meaning = event_meaning(event.status, event.private)
    return {
        "seq": event.seq,
        "status": event.status,
        "label": meaning.vietnamese,
        "label_en": meaning.english,
        # An 04/05 signed before their meaning changed (2026-11-30, migration 0009).
        "old_meaning": meaning is not STATUS_LABELS[event.status],
        "at": event.occurred_at.isoformat(),
        "by": event.actor_name or event.actor,
        "from": event.from_code,
        "to": event.to_code,
        "reason": event.reason,
        "signature_valid": verify_status_event(event),
    }


async def _events(session: AsyncSession, transfer_ids: list[int]) -> dict[int, list[TransferEvent]]:
    if not transfer_ids:
        return {}
    rows = (
        await session.exec(
            select(TransferEvent)
            .where(col(TransferEvent.transfer_id).in_(transfer_ids))
            .order_by(col(TransferEvent.transfer_id), col(TransferEvent.seq))
        )
    ).all()
    grouped: dict[int, list[TransferEvent]] = {i: [] for i in transfer_ids}
    for event in rows:
        grouped[event.transfer_id].append(event)
    return grouped


async def sender_timelines(
    session: AsyncSession, principal: Principal, document_id: int
) -> list[dict[str, Any]]:
    """Per recipient of ``document_id``: status and timeline (people of the sending agency)."""
    await load_readable(session, principal, document_id)
    rows = (
        await session.exec(
            select(Transfer, Agency)
            .join(Agency, col(Agency.id) == Transfer.recipient_agency_id)
            .where(Transfer.document_id == document_id)
            .order_by(col(Transfer.id))
        )
    ).all()
    events = await _events(session, [t.id for t, _ in rows])  # type: ignore[misc]
    return [
        {
            "id": transfer.id,
            "recipient": {"code": transfer.recipient_code, "name": agency.name,
                          "abbreviation": agency.abbreviation},
            # An agency of another system: its statuses arrive as edXML packages, and
            # status "" means sent, no report yet (the delivery: /api/v1/exchange/deliveries).
            "external": agency.external,
            "status": transfer.status,
            "status_label": label_of(transfer.status).vietnamese,
            "verification": transfer.verification,
            "arrived_at": transfer.arrived_at.isoformat(),
            "timeline": [_event_public(e) for e in events[transfer.id]],  # type: ignore[index]
        }
        for transfer, agency in rows
    ]


async def load_visible(session: AsyncSession, principal: Principal, transfer_id: int) -> Transfer:
    """The transfer if ``principal``'s agency sent or received it (or audits the recipient)."""
    transfer = await session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFoundError(missing_transfer(transfer_id))
    if principal.agency_id not in (
        transfer.sender_agency_id, transfer.recipient_agency_id
    ) and not can_audit_agency(principal, transfer.recipient_agency_id):
        await deny(session, principal, action="transfer.read", subject_type="transfer",
                   subject_id=transfer_id, message=missing_transfer(transfer_id), hide=True)
    return transfer


async def _recipient_part(
    session: AsyncSession, transfer: Transfer, events: list[TransferEvent]
) -> dict[str, Any]:
    """What only the recipient agency sees: its register entry, assignment and notes."""
    department = (
        await session.get(Department, transfer.assigned_department_id)
        if transfer.assigned_department_id else None
    )
    assignee = (
        await session.get(User, transfer.assigned_user_id) if transfer.assigned_user_id
        else None
    )
    return dict(
        incoming_number=transfer.incoming_number,
        incoming_year=transfer.incoming_year,
        accepted_at=transfer.accepted_at.isoformat() if transfer.accepted_at else None,
        stamped=transfer.stamped_sha256 is not None,
        assigned_department=department.name if department else None,
        assigned_user=assignee.username if assignee else None,
        assigned_user_name=assignee.full_name if assignee else None,
        instructions=transfer.instructions,
        deadline=transfer.deadline.isoformat() if transfer.deadline else None,
        notes=transfer.notes,
        handling=[{"seq": e.seq, **e.private} for e in events if e.private],
    )


async def recipient_view(
    session: AsyncSession,
    principal: Principal,
    transfer_id: int,
    jobs: JobQueue | None = None,
) -> dict[str, Any]:
    """The transfer as its reader may see it: in full for the recipient agency, status
    and reasons only for the sender. With ``jobs``, the recipient also sees its incoming
    stamp's background work (``stamp``: pending with the next try, done, failed)."""
    transfer = await load_visible(session, principal, transfer_id)
    document = await session.get(Document, transfer.document_id)
    sender = await session.get(Agency, transfer.sender_agency_id)
    assert document is not None and sender is not None
    events = (await _events(session, [transfer_id]))[transfer_id]
    view: dict[str, Any] = {
        "id": transfer.id,
        "document_id": transfer.document_id,
        "status": transfer.status,
        "status_label": label_of(transfer.status).vietnamese,
        "sender": {"code": transfer.sender_code, "name": sender.name},
        "recipient": {"code": transfer.recipient_code},
        "number": document.number,
        "symbol": document.symbol,
        "subject": document.subject if document.confidentiality == "none" else HIDDEN_SUBJECT,
        "urgency": document.urgency,
        "priority": transfer.priority,
        "business_type": transfer.business_type,
        "corrects": await _corrected(session, transfer),
        "issued_at": document.issued_at.isoformat() if document.issued_at else None,
        "arrived_at": transfer.arrived_at.isoformat(),
        "verification": transfer.verification,
        "verification_url": f"/api/v1/transfers/{transfer.id}/verification",
        "timeline": [_event_public(e) for e in events],
    }
    if principal.agency_id != transfer.sender_agency_id or principal.agency_id == (
        transfer.recipient_agency_id
    ):
        view.update(await _recipient_part(session, transfer, events))
        if jobs is not None and transfer.incoming_number is not None:
            view["stamp"] = await job_view(jobs, session, StampIncoming(transfer_id))
    return view


async def _corrected(session: AsyncSession, transfer: Transfer) -> dict[str, Any] | None:
    """The document this one updates/replaces, and its transfer to the same recipient."""
    if transfer.corrects_document_id is None:
        return None
    earlier = await session.get(Document, transfer.corrects_document_id)
    earlier_transfer = (
        await session.exec(
            select(Transfer.id).where(
                Transfer.document_id == transfer.corrects_document_id,
                Transfer.recipient_agency_id == transfer.recipient_agency_id,
            )
        )
    ).first()
    return {
        "document_id": transfer.corrects_document_id,
        "symbol": earlier.symbol if earlier else None,
        "transfer_id": earlier_transfer,
    }


async def verification_report(
    session: AsyncSession, principal: Principal, transfer_id: int
) -> dict[str, Any]:
    """The verdict and full validation report made when the file arrived (the document's
    read rule: ``docflow.documents.reading``)."""
    transfer = (await load_via_transfer(session, principal, transfer_id, what="arrival report")
                ).transfer
    record = (
        await session.get(VerificationRecord, transfer.verification_id)
        if transfer.verification_id else None
    )
    return {
        "transfer_id": transfer.id,
        "verification": transfer.verification,
        "sha256": record.sha256 if record else None,
        "verified_at": record.created_at.isoformat() if record else None,
        "report": record.report if record else None,
    }


async def transfer_file(
    session: AsyncSession, principal: Principal, transfer_id: int
) -> tuple[str, int, str]:
    """(sha256, size, kind) of the file this reader gets: the recipient's stamped copy
    once it exists (for the recipient), else the issued file as sent. Only the document's
    readers on either side get it (``docflow.documents.reading``)."""
    read = await load_via_transfer(session, principal, transfer_id, what="transfer file")
    transfer = read.transfer
    if (
        transfer.stamped_sha256
        and read.as_recipient
        and principal.agency_id == transfer.recipient_agency_id
    ):
        return transfer.stamped_sha256, transfer.stamped_size or 0, "stamped"
    version = await session.get(DocumentVersion, transfer.version_id)
    assert version is not None
    return version.sha256, version.size, "issued"
