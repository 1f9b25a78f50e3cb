"""Moving a transfer to a new status: the one place that checks the transition table,
numbers, signs and records the status event, and writes the audit event — all in the
caller's transaction. When the agency the status is for (the sender for what the
recipient reports, the recipient for a recall request) belongs to another system
(``Agency.external``), the same transaction enqueues ``ReportToOtherSystem``: the
exchange sends the status there as a signed edXML package."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency
from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import NotFoundError
from docflow.core.jobs.port import JobQueue
from docflow.core.keys import SigningConfig
from docflow.core.models_base import utcnow
from docflow.transfers import notices
from docflow.transfers.jobs import ReportToOtherSystem
from docflow.transfers.models import Transfer, TransferEvent
from docflow.transfers.status_signing import sign_status_event
from docflow.transfers.statuses import SENDER_EMITS, TransferStatus, check_transition

__all__ = ["emit_status", "lock_transfer", "new_status_event", "report_if_external"]

#: The actor named in events no person caused (the arrival).
SYSTEM_ACTOR = "system"


async def lock_transfer(session: AsyncSession, transfer_id: int) -> Transfer:
    """The transfer, re-read and locked until the transaction ends.

    A no-op UPDATE first: a row lock on PostgreSQL, the single write lock on SQLite
    (taken now rather than upgraded from a read later).
    """
    await session.exec(
        update(Transfer)
        .where(col(Transfer.id) == transfer_id)
        .values(last_seq=Transfer.last_seq)
    )
    query = (
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    transfer = (await session.exec(query)).first()
    if transfer is None:
        raise NotFoundError(f"There is no transfer {transfer_id}.")
    return transfer


def new_status_event(
    transfer: Transfer,
    status: str,
    *,
    actor: Principal | None,
    actor_name: str | None = None,
    reason: str | None = None,
    private: dict[str, Any] | None = None,
) -> TransferEvent:
    """The next (unsigned) status event of ``transfer``; advances its sequence and status."""
    check_transition(transfer.status or None, status, transfer.status_before_recall)
    by_sender = status in SENDER_EMITS
    transfer.last_seq += 1
    event = TransferEvent(
        transfer_id=transfer.id,  # type: ignore[arg-type]
        seq=transfer.last_seq,
        document_id=transfer.document_id,
        status=status,
        from_code=transfer.sender_code if by_sender else transfer.recipient_code,
        to_code=transfer.recipient_code if by_sender else transfer.sender_code,
        reason=reason,
        actor_user_id=actor.user_id if actor else None,
        actor=actor.username if actor else SYSTEM_ACTOR,
        actor_name=actor_name,
        occurred_at=utcnow(),
        private=private or {},
        signature="",
        signature_algorithm="",
        certificate_pem="",
    )
    if status == TransferStatus.RECALL_REQUESTED:
        transfer.status_before_recall = (
            transfer.status_before_recall
            if transfer.status == TransferStatus.RECALL_REFUSED
            else transfer.status
        )
    transfer.status = status
    return event


async def emit_status(
    session: AsyncSession,
    config: SigningConfig,
    transfer: Transfer,
    status: str,
    *,
    jobs: JobQueue,
    actor: Principal,
    actor_name: str | None,
    reason: str | None = None,
    private: dict[str, Any] | None = None,
) -> TransferEvent:
    """Move ``transfer`` (locked by the caller) to ``status`` with an event signed by the
    emitting agency's seal (``config.seal_keys``) and an audit event; ``ConflictError``
    if the transition table forbids it. A counterpart of another system gets the status
    through ``jobs`` (``ReportToOtherSystem``). Caller commits."""
    event = new_status_event(
        transfer, status, actor=actor, actor_name=actor_name, reason=reason, private=private
    )
    emitter_id = (
        transfer.sender_agency_id if status in SENDER_EMITS else transfer.recipient_agency_id
    )
    emitter = await session.get(Agency, emitter_id)
    assert emitter is not None
    await sign_status_event(config, emitter, event)
    session.add(event)
    session.add(transfer)
    await session.flush()
    await record_event(
        session,
        "transfer.status",
        actor=actor,
        subject_type="transfer",
        subject_id=transfer.id,
        details={
            "document_id": transfer.document_id,
            "status": status,
            "seq": event.seq,
            "reason": reason,
            "signature_sha256": _digest(event.signature),
        },
    )
    await report_if_external(session, jobs, transfer, event)
    await notices.on_status(session, transfer, status, jobs=jobs)
    return event


async def report_if_external(
    session: AsyncSession, jobs: JobQueue, transfer: Transfer, event: TransferEvent
) -> bool:
    """Enqueue ``ReportToOtherSystem`` for ``event`` when the agency it is for is an
    agency of another system; True if it did. Statuses that came from that system are
    not given here (they must not echo back)."""
    counterpart_id = (
        transfer.recipient_agency_id if event.status in SENDER_EMITS
        else transfer.sender_agency_id
    )
    counterpart = await session.get(Agency, counterpart_id)
    if counterpart is None or not counterpart.external:
        return False
    assert transfer.id is not None
    await jobs.enqueue(session, ReportToOtherSystem(transfer.id, event.seq))
    return True


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("ascii")).hexdigest()
