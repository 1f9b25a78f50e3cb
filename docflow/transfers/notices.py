"""The transfers' notices (``docflow.notifications``): a document arrived (the
recipient agency's clerks), was assigned (the assignee, or the department), was
refused or its recall refused (the sender's clerks), is recalled (the recipient's
clerks and assignee). Each in the transaction of its event."""

from __future__ import annotations

from docflow.accounts.models_user import Role
from docflow.core.db import AsyncSession
from docflow.core.jobs.port import JobQueue
from docflow.documents.models import Document
from docflow.documents.reading import document_facts
from docflow.notifications.kinds import Kind
from docflow.notifications.notify import About, notify, people_of_department, people_with_role
from docflow.transfers.models import Transfer
from docflow.transfers.reading import receipt
from docflow.transfers.statuses import TransferStatus

__all__ = ["about_transfer", "arrived", "assigned", "handlers_of", "on_status"]


def about_transfer(transfer: Transfer, document: Document, *, as_recipient: bool) -> About:
    assert document.id is not None
    return About(
        document_facts(document), document.id, document.subject, document.symbol,
        transfer_id=transfer.id, receipt=receipt(transfer) if as_recipient else None,
    )


async def _document(session: AsyncSession, transfer: Transfer) -> Document:
    document = await session.get(Document, transfer.document_id)
    assert document is not None
    return document


async def handlers_of(session: AsyncSession, transfer: Transfer) -> list[int]:
    """Who handles the transfer now: its assignee, else its department's people, else
    the receiving agency's clerks."""
    if transfer.assigned_user_id is not None:
        return [transfer.assigned_user_id]
    if transfer.assigned_department_id is not None:
        people = await people_of_department(session, transfer.assigned_department_id)
        if people:
            return people
    return await people_with_role(session, transfer.recipient_agency_id, Role.CLERK)


async def arrived(
    session: AsyncSession, transfer: Transfer, document: Document, *, jobs: JobQueue | None
) -> None:
    clerks = await people_with_role(session, transfer.recipient_agency_id, Role.CLERK)
    about = about_transfer(transfer, document, as_recipient=True)
    await notify(session, Kind.ARRIVED, clerks, about, jobs=jobs)


async def assigned(session: AsyncSession, transfer: Transfer, *, jobs: JobQueue | None) -> None:
    about = about_transfer(transfer, await _document(session, transfer), as_recipient=True)
    await notify(session, Kind.ASSIGNED, await handlers_of(session, transfer), about, jobs=jobs)


async def on_status(
    session: AsyncSession, transfer: Transfer, status: str, *, jobs: JobQueue | None
) -> None:
    """After a status event: tell whom it concerns (nobody for most statuses)."""
    if status in (TransferStatus.REJECTED, TransferStatus.RECALL_REFUSED):
        clerks = await people_with_role(session, transfer.sender_agency_id, Role.CLERK)
        about = about_transfer(transfer, await _document(session, transfer), as_recipient=False)
        await notify(session, Kind.REFUSED, clerks, about, jobs=jobs)
    elif status == TransferStatus.RECALL_REQUESTED:
        people = await people_with_role(session, transfer.recipient_agency_id, Role.CLERK)
        if transfer.assigned_user_id is not None:
            people.append(transfer.assigned_user_id)
        about = about_transfer(transfer, await _document(session, transfer), as_recipient=True)
        await notify(session, Kind.RECALLED, people, about, jobs=jobs)

