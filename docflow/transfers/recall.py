"""Recall: the sender asks every recipient to withdraw an issued document (13); each
recipient accepts (15: the document leaves its working views, stays in the trail and
in the incoming register with a note) or refuses with a reason (16: handling goes on
from where it stood)."""

from __future__ import annotations

from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_user import Role, User
from docflow.accounts.permissions import Principal, can_change
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, NotFoundError
from docflow.core.runtime import Runtime
from docflow.documents.documents import readable
from docflow.documents.models import Document
from docflow.transfers.models import Transfer
from docflow.transfers.status import emit_status, lock_transfer
from docflow.transfers.statuses import TransferStatus, is_allowed
from docflow.transfers.transfers import authorized_transfer, clean_reason

__all__ = ["accept_recall", "recall_document", "refuse_recall"]

S = TransferStatus


async def _name(runtime: Runtime, principal: Principal) -> str | None:
    async with runtime.session() as session:
        user = await session.get(User, principal.user_id)
        return user.full_name if user else None


async def recall_document(
    runtime: Runtime, principal: Principal, document_id: int, reason: object
) -> list[Transfer]:
    """Ask every recipient that still holds ``document_id`` to withdraw it (13).

    A clerk or leader of the issuing agency; 409 when no transfer can be recalled.
    """
    text = clean_reason(reason)
    async with runtime.session() as session:
        document = await session.get(Document, document_id)
        if document is None or not readable(principal, document):
            if document is not None:
                await deny(session, principal, action="document.recall",
                           subject_type="document", subject_id=document_id,
                           message=f"There is no document {document_id}.", hide=True)
            raise NotFoundError(f"There is no document {document_id}.")
        if not can_change(principal, document.agency_id, needs=(Role.CLERK, Role.LEADER)):
            await deny(session, principal, action="document.recall", subject_type="document",
                       subject_id=document_id,
                       message="Only a clerk or a leader of the issuing agency recalls a "
                       "document.")
        ids = (
            await session.exec(
                select(Transfer.id)
                .where(Transfer.document_id == document_id)
                .order_by(col(Transfer.id))
            )
        ).all()
    name = await _name(runtime, principal)
    async with runtime.transaction() as session:
        recalled: list[Transfer] = []
        for transfer_id in ids:  # in id order: concurrent recalls lock in the same order
            transfer = await lock_transfer(session, transfer_id)  # type: ignore[arg-type]
            if is_allowed(transfer.status, S.RECALL_REQUESTED, transfer.status_before_recall):
                await emit_status(session, runtime.signing, transfer, S.RECALL_REQUESTED,
                                  jobs=runtime.jobs, actor=principal, actor_name=name,
                                  reason=text)
                recalled.append(transfer)
        if not recalled:
            raise ConflictError(
                f"Document {document_id} has no transfer that can be recalled (none sent, "
                "or every recipient returned it, already withdrew it or is asked already)."
            )
    return recalled


async def accept_recall(runtime: Runtime, principal: Principal, transfer_id: int) -> Transfer:
    """The recipient confirms the recall (15): out of its inbox, noted in its register."""
    async with runtime.session() as session:
        await authorized_transfer(
            session, principal, transfer_id, action="transfer.recall.accept",
            needs=(Role.CLERK, Role.LEADER),
            message="Only a clerk or leader of the receiving agency answers a recall.",
        )
    name = await _name(runtime, principal)
    async with runtime.transaction() as session:
        transfer = await lock_transfer(session, transfer_id)
        request_reason = await _recall_reason(session, transfer)
        await emit_status(session, runtime.signing, transfer, S.RECALL_ACCEPTED,
                          jobs=runtime.jobs, actor=principal,
                          actor_name=name)
        transfer.active = False
        note = "Đã thu hồi theo yêu cầu của cơ quan gửi"
        transfer.notes = f"{note}: {request_reason}" if request_reason else note
        session.add(transfer)
    return transfer


async def refuse_recall(
    runtime: Runtime, principal: Principal, transfer_id: int, reason: object
) -> Transfer:
    """The recipient refuses the recall (16) with a reason; handling goes on."""
    text = clean_reason(reason)
    async with runtime.session() as session:
        await authorized_transfer(
            session, principal, transfer_id, action="transfer.recall.refuse",
            needs=(Role.CLERK, Role.LEADER),
            message="Only a clerk or leader of the receiving agency answers a recall.",
        )
    name = await _name(runtime, principal)
    async with runtime.transaction() as session:
        transfer = await lock_transfer(session, transfer_id)
        await emit_status(session, runtime.signing, transfer, S.RECALL_REFUSED,
                          jobs=runtime.jobs, actor=principal,
                          actor_name=name, reason=text)
    return transfer


async def _recall_reason(session: AsyncSession, transfer: Transfer) -> str | None:
    from docflow.transfers.models import TransferEvent

    query = (
        select(TransferEvent.reason)
        .where(TransferEvent.transfer_id == transfer.id, TransferEvent.status == S.RECALL_REQUESTED)
        .order_by(col(TransferEvent.seq).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()
