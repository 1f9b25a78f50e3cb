"""What the recipient agency does with a transfer: accept (03, entered in the incoming
register) with the next incoming number and its "ĐẾN" stamp, reject (02) with a reason,
assign (04, leader), start handling (05, the assignee or a clerk), complete (06, the
assignee or a clerk; from 04 it records 05 first: completing is the first work done).

Incoming numbers are a separate series (``incoming``) of the outgoing register's
counters (``docflow.documents.numbering``): consecutive through the year, no gaps, no
duplicates. The number is taken and the status recorded in one short transaction
holding the counter lock, which also enqueues the stamp (``StampIncoming``: a PAdES
signature with the recipient's seal, on a copy stored as a new object). The stamp is
run right after the commit and, if it fails, retried by the job runner until made; it
is idempotent (``stamp_incoming``), so a slow or failed stamp never blocks the series.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import anyio.to_thread

from docflow.accounts.access import deny
from docflow.accounts.models_agency import Agency, Department
from docflow.accounts.models_user import Role, User
from docflow.accounts.permissions import Principal, can_audit_agency, can_change
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput, NotFoundError
from docflow.core.jobs.runner import run_now
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.documents.files import materialize, run_job, working_dir
from docflow.documents.models import Document, DocumentVersion
from docflow.documents.numbering import VIETNAM, commit_number, ensure_counter, next_number
from docflow.transfers import notices
from docflow.transfers.assignees import check_assignee, require_assigned
from docflow.transfers.jobs import StampIncoming
from docflow.transfers.models import Transfer
from docflow.transfers.stamp_jobs import job_stamp_incoming
from docflow.transfers.status import emit_status, lock_transfer
from docflow.transfers.statuses import STATUS_LABELS, TransferStatus, check_transition

__all__ = [
    "INCOMING_SERIES",
    "MAX_INSTRUCTIONS",
    "MAX_REASON",
    "AssignRequest",
    "accept_transfer",
    "assign_transfer",
    "authorized_transfer",
    "clean_reason",
    "complete_transfer",
    "reject_transfer",
    "stamp_incoming",
    "start_transfer",
]

logger = logging.getLogger("docflow.transfers")

INCOMING_SERIES = "incoming"
MAX_REASON = 1000
MAX_INSTRUCTIONS = 4000
S = TransferStatus


def clean_reason(reason: object, *, required: bool = True) -> str | None:
    """A stripped reason of at most ``MAX_REASON`` characters; ``InvalidInput`` otherwise."""
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            raise InvalidInput("A reason is required.")
        return None
    if not isinstance(reason, str):
        raise InvalidInput("The reason must be text.")
    text = reason.strip()
    if len(text) > MAX_REASON:
        raise InvalidInput(
            f"The reason is {len(text)} characters long; at most {MAX_REASON} are accepted."
        )
    return text


async def authorized_transfer(
    session: AsyncSession,
    principal: Principal,
    transfer_id: int,
    *,
    action: str,
    needs: tuple[Role, ...],
    message: str,
    sender_side: bool = False,
) -> Transfer:
    """The transfer if ``principal`` may do ``action`` on it for the recipient (or, with
    ``sender_side``, the sending) agency; 404 to strangers, 403 to the other side and to
    people without one of ``needs``. Read in a session of its own: the caller changes
    the transfer in a new transaction (``lock_transfer``), never by upgrading this read
    (on SQLite a read snapshot older than another writer's commit cannot write)."""
    transfer = await session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFoundError(f"There is no transfer {transfer_id}.")
    party = principal.agency_id in (transfer.sender_agency_id, transfer.recipient_agency_id)
    if not party and not can_audit_agency(principal, transfer.recipient_agency_id):
        await deny(session, principal, action=action, subject_type="transfer",
                   subject_id=transfer_id, message=f"There is no transfer {transfer_id}.",
                   hide=True)
    owner = transfer.sender_agency_id if sender_side else transfer.recipient_agency_id
    if not can_change(principal, owner, needs=needs):
        await deny(session, principal, action=action, subject_type="transfer",
                   subject_id=transfer_id, message=message)
    return transfer


async def _actor_name(session: AsyncSession, principal: Principal) -> str | None:
    user = await session.get(User, principal.user_id)
    return user.full_name if user else None


@dataclass(frozen=True)
class AcceptResult:
    transfer: Transfer
    incoming_number: int
    incoming_year: int


async def accept_transfer(
    runtime: Runtime, principal: Principal, transfer_id: int, *, stamp: bool = True
) -> AcceptResult:
    """Accept (03) and register with the next incoming number; a leader assigns it next."""
    async with runtime.session() as session:
        transfer = await authorized_transfer(
            session, principal, transfer_id, action="transfer.accept", needs=(Role.CLERK,),
            message="Only a clerk (văn thư) of the receiving agency accepts its incoming "
            "documents.",
        )
    check_transition(transfer.status, S.ACCEPTED, transfer.status_before_recall)
    if transfer.verification == "failed":
        # Decree 30: what fails the authenticity and integrity check goes back to the sender.
        raise ConflictError(
            "The document's signatures failed verification on arrival (see its verification "
            "report); return it to the sender with a reason instead of registering it."
        )
    agency_id = transfer.recipient_agency_id
    accepted_at = utcnow()
    year = accepted_at.astimezone(VIETNAM).year
    await ensure_counter(runtime, agency_id, year, INCOMING_SERIES)
    async with runtime.transaction() as session:
        number = await next_number(session, agency_id, year, INCOMING_SERIES)
        transfer = await lock_transfer(session, transfer_id)
        name = await _actor_name(session, principal)
        await emit_status(session, runtime.signing, transfer, S.ACCEPTED,
                          jobs=runtime.jobs, actor=principal,
                          actor_name=name, private={"incoming_number": number, "year": year})
        transfer.incoming_year, transfer.incoming_number = year, number
        transfer.accepted_at, transfer.accepted_by_id = accepted_at, principal.user_id
        await commit_number(session, agency_id, year, INCOMING_SERIES, number)
        # The stamp is work after this transaction: it exists exactly when the number does,
        # and the job runner retries it until it is made (a read-only store, a TSA away).
        await runtime.jobs.enqueue(session, StampIncoming(transfer_id))
    if stamp:
        await run_now(runtime, StampIncoming(transfer_id))
        async with runtime.session() as session:
            transfer = await session.get(Transfer, transfer_id) or transfer
    return AcceptResult(transfer, number, year)


async def stamp_incoming(runtime: Runtime, transfer_id: int) -> Transfer:
    """Apply the recipient's incoming stamp to its copy once (no-op when it has one)."""
    async with runtime.session() as session:
        transfer = await session.get(Transfer, transfer_id)
        if transfer is None:
            raise NotFoundError(f"There is no transfer {transfer_id}.")
        if transfer.stamped_sha256 or transfer.incoming_number is None:
            return transfer
        version = await session.get(DocumentVersion, transfer.version_id)
        agency = await session.get(Agency, transfer.recipient_agency_id)
        assert version is not None and agency is not None and transfer.accepted_at is not None
    config = runtime.signing
    with working_dir() as tmp:
        src = await materialize(runtime.store, version.sha256, tmp / "received.pdf")
        out = tmp / "stamped.pdf"
        result = await run_job(
            runtime.signing_pool, job_stamp_incoming, str(src), str(out), agency.abbreviation,
            agency.seal_key_ref, agency.name, transfer.incoming_number,
            transfer.accepted_at.isoformat(), config,
            transfer.verification not in ("passed", "indeterminate"),
        )
        stored = await anyio.to_thread.run_sync(
            lambda: runtime.store.put_file(out, expected_sha256=result["sha256"])
        )
    async with runtime.transaction() as session:
        transfer = await lock_transfer(session, transfer_id)
        if not transfer.stamped_sha256:
            transfer.stamped_sha256, transfer.stamped_size = stored.sha256, stored.size
            session.add(transfer)
            await record_event(
                session,
                "transfer.stamped",
                subject_type="transfer",
                subject_id=transfer_id,
                details={
                    "document_id": transfer.document_id,
                    "incoming_number": transfer.incoming_number,
                    "sha256": stored.sha256,
                },
            )
    return transfer


async def reject_transfer(
    runtime: Runtime, principal: Principal, transfer_id: int, reason: object
) -> Transfer:
    """Return the document to its sender (02) with a reason (required, ≤ 1000 chars)."""
    text = clean_reason(reason)
    async with runtime.session() as session:
        await authorized_transfer(
            session, principal, transfer_id, action="transfer.reject", needs=(Role.CLERK,),
            message="Only a clerk (văn thư) of the receiving agency returns incoming documents.",
        )
    async with runtime.transaction() as session:
        transfer = await lock_transfer(session, transfer_id)
        await emit_status(session, runtime.signing, transfer, S.REJECTED,
                          jobs=runtime.jobs, actor=principal,
                          actor_name=await _actor_name(session, principal), reason=text)
    return transfer


@dataclass(frozen=True)
class AssignRequest:
    department_id: int | None = None
    user_id: int | None = None
    instructions: str | None = None
    deadline: datetime | date | str | None = None


def _deadline(value: datetime | date | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            # a bare date first: datetime.fromisoformat reads it as its midnight, so
            # "due today" was overdue at once (counted, e-mailed, on the dashboard)
            text = value.strip()
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"deadline {value!r} is not a date (YYYY-MM-DD) or ISO 8601 time."
            ) from None
    if not isinstance(value, datetime):  # a date: the end of that day in Vietnam
        value = datetime.combine(value, time(23, 59, 59), tzinfo=VIETNAM)
    if value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM)
    return value.astimezone(UTC)


async def assign_transfer(
    runtime: Runtime, principal: Principal, transfer_id: int, request: AssignRequest
) -> Transfer:
    """A leader assigns the accepted (03) document to a department or person (04)."""
    if request.department_id is None and request.user_id is None:
        raise InvalidInput("Name a department_id or a user_id to assign the document to.")
    if request.instructions is not None and len(request.instructions) > MAX_INSTRUCTIONS:
        raise InvalidInput(f"instructions are longer than {MAX_INSTRUCTIONS} characters.")
    deadline = _deadline(request.deadline)
    async with runtime.session() as session:
        found = await authorized_transfer(
            session, principal, transfer_id, action="transfer.assign", needs=(Role.LEADER,),
            message="Only a leader (lãnh đạo) of the receiving agency assigns incoming documents.",
        )
        assignee = department = None
        if request.user_id is not None:
            assignee = await session.get(User, request.user_id)
            if assignee is None or assignee.agency_id != found.recipient_agency_id:
                raise InvalidInput(f"user {request.user_id} is not a person of your agency.")
            await check_assignee(session, assignee, found.recipient_agency_id)
        if request.department_id is not None:
            department = await session.get(Department, request.department_id)
            if department is None or department.agency_id != found.recipient_agency_id:
                raise InvalidInput(f"department {request.department_id} is not of your agency.")
        department_name = department.name if department else None
        user_name = assignee.full_name if assignee else None
        user_department = assignee.department_id if assignee else None
    async with runtime.transaction() as session:
        transfer = await lock_transfer(session, transfer_id)
        private = {
            "department_id": request.department_id,
            "department": department_name,
            "user_id": request.user_id,
            "user": user_name,
            "instructions": request.instructions,
            "deadline": deadline.isoformat() if deadline else None,
        }
        await emit_status(session, runtime.signing, transfer, S.ASSIGNED,
                          jobs=runtime.jobs, actor=principal,
                          actor_name=await _actor_name(session, principal), private=private)
        transfer.assigned_department_id = request.department_id or user_department
        transfer.assigned_user_id = request.user_id
        transfer.assigned_at = utcnow()
        transfer.instructions = request.instructions
        # Without one of the leader's, the sender's due date (set on arrival) stays.
        transfer.deadline = deadline or transfer.deadline
        session.add(transfer)
        await notices.assigned(session, transfer, jobs=runtime.jobs)
    return transfer


def _is_assignee(principal: Principal, transfer: Transfer) -> bool:
    """The assigned person, or (assigned to a department only) someone of it."""
    return principal.user_id == transfer.assigned_user_id or (
        transfer.assigned_user_id is None
        and transfer.assigned_department_id is not None
        and principal.department_id == transfer.assigned_department_id
    )


async def _handling_transfer(
    runtime: Runtime, principal: Principal, transfer_id: int, *, action: str, what: str
) -> None:
    """403 unless ``principal`` is the assignee or a clerk of the receiving agency."""
    async with runtime.session() as session:
        found = await authorized_transfer(
            session, principal, transfer_id, action=action, needs=(),
            message=f"Only the assignee or a clerk of the receiving agency {what}.",
        )
        if not (_is_assignee(principal, found) or principal.has(Role.CLERK)):
            await deny(session, principal, action=action, subject_type="transfer",
                       subject_id=transfer_id,
                       message=f"Only the assignee or a clerk of the receiving agency {what}.")


def _handling_status(transfer: Transfer) -> str:
    """Where the handling stands: after a refused recall (16), where the recall found it."""
    if transfer.status == S.RECALL_REFUSED and transfer.status_before_recall:
        return transfer.status_before_recall
    return transfer.status


async def start_transfer(runtime: Runtime, principal: Principal, transfer_id: int) -> Transfer:
    """The assignee (or a clerk) starts handling an assigned (04) document (05)."""
    await _handling_transfer(
        runtime, principal, transfer_id, action="transfer.start",
        what="starts the handling of an incoming document",
    )
    async with runtime.transaction() as session:
        transfer = await lock_transfer(session, transfer_id)
        if _handling_status(transfer) != S.ASSIGNED:
            label = STATUS_LABELS.get(transfer.status)
            raise ConflictError(
                f"Handling starts on an assigned transfer (04); this one is in "
                f"{transfer.status} ({label.english if label else 'unknown'})."
            )
        await emit_status(session, runtime.signing, transfer, S.IN_PROGRESS,
                          jobs=runtime.jobs, actor=principal,
                          actor_name=await _actor_name(session, principal))
    return transfer


async def complete_transfer(runtime: Runtime, principal: Principal, transfer_id: int) -> Transfer:
    """The assignee (person, or someone of the assigned department) or a clerk closes it
    (06). Completing an assigned (04) transfer is the first work done on it: it records
    05 (being handled) first, then 06, in one transaction."""
    await _handling_transfer(
        runtime, principal, transfer_id, action="transfer.complete",
        what="completes the handling of an incoming document",
    )
    async with runtime.transaction() as session:
        transfer = await lock_transfer(session, transfer_id)
        require_assigned(transfer)
        name = await _actor_name(session, principal)
        if _handling_status(transfer) == S.ASSIGNED:
            await emit_status(session, runtime.signing, transfer, S.IN_PROGRESS,
                              jobs=runtime.jobs, actor=principal, actor_name=name)
        await emit_status(session, runtime.signing, transfer, S.COMPLETED,
                          jobs=runtime.jobs, actor=principal,
                          actor_name=name)
        transfer.completed_at = utcnow()
        session.add(transfer)
    return transfer


async def document_of(session: AsyncSession, transfer: Transfer) -> Document:
    document = await session.get(Document, transfer.document_id)
    assert document is not None
    return document

