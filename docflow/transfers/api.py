"""Transfers between agencies: the recipient's actions, recall, both sides' views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Stream

from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.http.bounds import BodyId
from docflow.core.jobs.views import job_view
from docflow.core.runtime import Runtime
from docflow.documents.files import stream_object
from docflow.documents.jobs import DeliverDocument
from docflow.transfers import corrections, recall, routing, transfers
from docflow.transfers import views as transfer_views

__all__ = ["TRANSFER_HANDLERS"]


@dataclass(frozen=True)
class ReasonRequest:
    reason: str | None = None


@dataclass(frozen=True)
class AssignBody:
    department_id: BodyId | None = None
    user_id: BodyId | None = None
    instructions: str | None = None
    #: A date (``YYYY-MM-DD``, end of that day in Vietnam) or an ISO 8601 time.
    deadline: str | None = None


@dataclass(frozen=True)
class CorrectionBody:
    corrects_document_id: BodyId
    #: ``update`` (2: a correcting letter) or ``replace`` (3: a replacement document).
    business_type: str | int


#: What every route returning a timeline says about the 04/05 change (issue 14).
_TIMELINE_NOTE = (
    "Status codes: 01 arrived, 02 refused, 03 accepted and registered, 04 assigned by the "
    "leader, 05 being handled, 06 handling finished, 13 take-back asked, 15 agreed, "
    "16 refused. The meaning of 04/05 changed on 2026-11-30 (migration 0009; before: "
    "04 awaiting assignment, 05 assigned). Timeline events keep the code they were signed "
    "with; `old_meaning` is true on an 04/05 event recorded before the change, and its "
    "`label`/`label_en` give that old meaning."
)


async def _view(runtime: Runtime, principal: Principal, transfer_id: int) -> dict[str, Any]:
    async with runtime.session() as session:
        return await transfer_views.recipient_view(session, principal, transfer_id, runtime.jobs)


@get("/api/v1/transfers/{transfer_id:int}", tags=["transfers"], summary="A transfer",
     description=_TIMELINE_NOTE)
async def get_transfer(
    transfer_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    return await transfer_views.recipient_view(db_session, principal, transfer_id, runtime.jobs)


@get(
    "/api/v1/transfers/{transfer_id:int}/verification",
    tags=["transfers"],
    summary="The verification report made when the file arrived",
)
async def get_verification(
    transfer_id: FromPath[int],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    return await transfer_views.verification_report(db_session, principal, transfer_id)


@get(
    "/api/v1/transfers/{transfer_id:int}/file",
    tags=["transfers"],
    summary="The received PDF (the recipient's stamped copy once accepted)",
)
async def get_transfer_file(
    transfer_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> Stream:
    sha256, size, kind = await transfer_views.transfer_file(db_session, principal, transfer_id)
    return Stream(
        await stream_object(runtime.store, sha256),
        media_type="application/pdf",
        headers={
            "X-Content-SHA256": sha256,
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="transfer-{transfer_id}-{kind}.pdf"',
        },
    )


@post("/api/v1/transfers/{transfer_id:int}/accept", tags=["transfers"], status_code=200,
      summary="Accept and register with the next incoming number (clerk): 01 → 03",
      description="Records 03 (accepted, entered in the incoming register) and stops "
      "there; before 2026-11-30 it also recorded 04 'awaiting assignment'.")
async def accept(
    transfer_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    await transfers.accept_transfer(runtime, principal, transfer_id)
    return await _view(runtime, principal, transfer_id)


@post("/api/v1/transfers/{transfer_id:int}/reject", tags=["transfers"], status_code=200,
      summary="Return to the sender with a reason (clerk)")
async def reject(
    transfer_id: FromPath[int],
    data: JSONBody[ReasonRequest],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    await transfers.reject_transfer(runtime, principal, transfer_id, data.reason)
    return await _view(runtime, principal, transfer_id)


@post("/api/v1/transfers/{transfer_id:int}/assign", tags=["transfers"], status_code=200,
      summary="Assign to a department or person with instructions and a deadline (leader): "
      "03 → 04",
      description="Records 04 (the leader assigned it for handling); before 2026-11-30 "
      "(migration 0009) an assignment recorded 05.")
async def assign(
    transfer_id: FromPath[int],
    data: JSONBody[AssignBody],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    request = transfers.AssignRequest(
        department_id=data.department_id, user_id=data.user_id,
        instructions=data.instructions, deadline=data.deadline,
    )
    await transfers.assign_transfer(runtime, principal, transfer_id, request)
    return await _view(runtime, principal, transfer_id)


@post(
    "/api/v1/transfers/{transfer_id:int}/start",
    tags=["transfers"],
    status_code=200,
    summary="Start handling an assigned document (the assignee or a clerk): 04 → 05",
    description=(
        "Moves an assigned transfer (04) to being handled (05). Only the assignee (the "
        "assigned person, or someone of the assigned department) or a clerk of the receiving "
        "agency may (403 otherwise); 409 unless the transfer is in 04. Completing an "
        "assigned transfer without starting it records 05 then 06. Note: since 2026-11-30 "
        "(migration 0009) 04 means 'assigned by the leader' and 05 'being handled'; before, "
        "they meant 'awaiting assignment' and 'assigned', and status events recorded then "
        "keep those codes."
    ),
)
async def start(
    transfer_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    await transfers.start_transfer(runtime, principal, transfer_id)
    return await _view(runtime, principal, transfer_id)


@post("/api/v1/transfers/{transfer_id:int}/complete", tags=["transfers"], status_code=200,
      summary="Mark the handling completed (the assignee or a clerk): 04/05 → 06",
      description="From 04 (assigned, not started) it records 05 then 06; from 05, 06.")
async def complete(
    transfer_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    await transfers.complete_transfer(runtime, principal, transfer_id)
    return await _view(runtime, principal, transfer_id)


@post("/api/v1/transfers/{transfer_id:int}/recall/accept", tags=["transfers"],
      status_code=200, summary="Confirm the sender's recall (clerk or leader)")
async def recall_accept(
    transfer_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    await recall.accept_recall(runtime, principal, transfer_id)
    return await _view(runtime, principal, transfer_id)


@post("/api/v1/transfers/{transfer_id:int}/recall/refuse", tags=["transfers"],
      status_code=200, summary="Refuse the sender's recall with a reason (clerk or leader)")
async def recall_refuse(
    transfer_id: FromPath[int],
    data: JSONBody[ReasonRequest],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    await recall.refuse_recall(runtime, principal, transfer_id, data.reason)
    return await _view(runtime, principal, transfer_id)


@get("/api/v1/documents/{document_id:int}/transfers", tags=["transfers"],
     summary="Per recipient: current status code and timeline; the delivery's progress",
     description=_TIMELINE_NOTE)
async def document_transfers(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    items = await transfer_views.sender_timelines(db_session, principal, document_id)
    # ``delivery``: the background work that sends the issued document (pending with its
    # next try while a recipient still lacks it; None before issuance).
    delivery = await job_view(runtime.jobs, db_session, DeliverDocument(document_id))
    return {"document_id": document_id, "items": items, "delivery": delivery}


@post("/api/v1/documents/{document_id:int}/recall", tags=["transfers"], status_code=200,
      summary="Ask every recipient to withdraw the document (clerk or leader)")
async def recall_document(
    document_id: FromPath[int],
    data: JSONBody[ReasonRequest],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    recalled = await recall.recall_document(runtime, principal, document_id, data.reason)
    async with runtime.session() as session:
        items = await transfer_views.sender_timelines(session, principal, document_id)
    return {"document_id": document_id, "recalled": [t.id for t in recalled], "items": items}


@post("/api/v1/documents/{document_id:int}/dispatch", tags=["transfers"], status_code=200,
      summary="Send the issued document to recipients that do not have it yet (clerk)")
async def dispatch_document(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    result = await routing.dispatch_on_request(runtime, principal, document_id)
    return {"document_id": document_id, "created": list(result.created),
            "transfers": result.total}


@post("/api/v1/documents/{document_id:int}/correction", tags=["transfers"], status_code=200,
      summary="Mark a draft as updating or replacing an issued document of your agency")
async def mark_correction(
    document_id: FromPath[int],
    data: JSONBody[CorrectionBody],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    link = await corrections.mark_correction(
        db_session, principal, document_id, data.corrects_document_id, data.business_type
    )
    return {"document_id": document_id, "corrects_document_id": link.corrects_document_id,
            "business_type": link.business_type}


TRANSFER_HANDLERS = [
    mark_correction,
    dispatch_document,
    get_transfer,
    get_verification,
    get_transfer_file,
    accept,
    reject,
    assign,
    start,
    complete,
    recall_accept,
    recall_refuse,
    document_transfers,
    recall_document,
]
