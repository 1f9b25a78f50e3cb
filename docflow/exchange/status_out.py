"""Statuses going out: a status event of a transfer whose counterpart is an agency of
another system becomes a sealed edXML package in the outbox (``ReportToOtherSystem``,
enqueued by ``transfers.status.emit_status`` and on the arrival of a received document).

- What the recipient reports (01, 02, 03, 04, 05, 06, 15, 16) is a **status package**:
  ``From`` the reporting agency (its directory data, the code the document was sent
  to), ``ResponseFor`` the document (``OrganId``, ``Code``, ``PromulgationDate`` and the
  ``DocumentId`` of the package that brought it), ``StatusCode``, ``Description`` (the
  event's reason, else the status label), ``Timestamp`` (the event's time) and
  ``StaffInfo`` (the person who acted and their department).
- A recall the sender asks of an external recipient (13) is a **document package** of
  business type 1: the original package's metadata (read back from the object store),
  no attachment, addressed to that recipient, ``Bussiness/DocumentId`` naming the
  original ``DocumentId`` and ``BussinessDocReason`` the reason, as
  ``imports_recall`` receives it.

Either is sealed with the emitting agency's seal key as ``export`` seals a document
package, stored by its SHA-256, and written with one delivery and its
``DeliverPackage`` job to the peer whose pattern matches the counterpart's code
(``outbox.write_outbox``). No peer: an ``exchange.status_not_sent`` event says so and
nothing else happens. Idempotent: the package row is named by
``sender|DocumentId|status|seq`` (``|to <code>`` added for a recall), so a job run again
after a crash adds nothing twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import anyio.to_thread
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, Department
from docflow.accounts.models_user import User
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError
from docflow.core.keys import JobFailed
from docflow.core.runtime import Runtime
from docflow.documents.files import ServiceUnavailable, put_checked, working_dir
from docflow.documents.models import Document
from docflow.exchange import edxml
from docflow.exchange.models import (
    Direction,
    ExchangePackage,
    ExchangePeer,
    PackageKind,
    SignatureState,
)
from docflow.exchange.outbox import write_outbox
from docflow.exchange.peers import peer_for
from docflow.transfers.jobs import ReportToOtherSystem
from docflow.transfers.models import Transfer, TransferEvent
from docflow.transfers.statuses import SENDER_EMITS, STATUS_LABELS

if TYPE_CHECKING:
    from signing import SignerSource

__all__ = ["NotSent", "Plan", "report_status"]


@dataclass(frozen=True)
class Plan:
    """What one status event becomes: the package model, who seals it, where it goes."""

    package: edxml.Package
    emitter: Agency
    peer: ExchangePeer
    row: ExchangePackage


def _organization(agency: Agency, code: str) -> edxml.Organization:
    """The agency's directory data as ``From`` carries it."""
    return edxml.Organization(
        organ_id=code, name=agency.name, address=agency.address, email=agency.email,
        telephone=agency.phone, website=agency.website,
    )


async def _original_id(session: AsyncSession, transfer: Transfer, by_sender: bool) -> str | None:
    """The ``DocumentId`` of the package that carried the document: the one sent
    (recall by the sender) or the one received (status by the recipient)."""
    direction = Direction.OUT if by_sender else Direction.IN
    row = (
        await session.exec(
            select(ExchangePackage.edxml_document_id).where(
                ExchangePackage.document_id == transfer.document_id,
                ExchangePackage.direction == direction.value,
                ExchangePackage.kind == PackageKind.DOCUMENT.value,
                ExchangePackage.business_type == int(edxml.BusinessDocType.NEW),
            ).order_by(col(ExchangePackage.id))
        )
    ).first()
    if row:
        return row
    document = await session.get(Document, transfer.document_id)
    layout = (document.layout or {}).get("edxml", {}) if document else {}
    found = layout.get("document_id") if isinstance(layout, dict) else None
    return str(found) if found else None


async def _staff(session: AsyncSession, event: TransferEvent) -> edxml.StaffInfo | None:
    user = await session.get(User, event.actor_user_id) if event.actor_user_id else None
    department = (
        await session.get(Department, user.department_id)
        if user is not None and user.department_id else None
    )
    name = event.actor_name or (user.full_name if user else None)
    if name is None and department is None:
        return None
    return edxml.StaffInfo(department=department.name if department else None, staff=name)


def _response_for(document: Document, document_id: str) -> edxml.ResponseFor:
    issued = (
        document.issued_at.astimezone(edxml.VIETNAM_TIME).date() if document.issued_at else None
    )
    return edxml.ResponseFor(
        organ_id=document_id.split(",", 1)[0].strip(), code=document.symbol,
        promulgation_date=issued, document_id=document_id,
    )


async def _status_package(
    session: AsyncSession, transfer: Transfer, event: TransferEvent, emitter: Agency,
    document_id: str,
) -> edxml.StatusPackage:
    document = await session.get(Document, transfer.document_id)
    assert document is not None
    label = STATUS_LABELS[event.status].vietnamese
    return edxml.StatusPackage(
        sender=_organization(emitter, event.from_code),
        response_for=_response_for(document, document_id),
        status_code=event.status,
        description=event.reason or label,
        timestamp=event.occurred_at,
        staff=await _staff(session, event),
    )


async def _sent_package(runtime: Runtime, session: AsyncSession, transfer: Transfer) -> bytes:
    row = (
        await session.exec(
            select(ExchangePackage.sha256).where(
                ExchangePackage.document_id == transfer.document_id,
                ExchangePackage.direction == Direction.OUT.value,
                ExchangePackage.kind == PackageKind.DOCUMENT.value,
                ExchangePackage.business_type == int(edxml.BusinessDocType.NEW),
            )
        )
    ).first()
    if row is None:
        raise ConflictError(
            f"Document {transfer.document_id} was never sent to another system as a package: "
            "there is nothing to recall there."
        )
    return await anyio.to_thread.run_sync(runtime.store.get_bytes, row)


def _recall_of(
    original: edxml.DocumentPackage, transfer: Transfer, event: TransferEvent,
    staff: edxml.StaffInfo | None,
) -> edxml.DocumentPackage:
    """The original package as a recall (business type 1) for this one recipient."""
    to = [r for r in original.recipients if r.organ_id == transfer.recipient_code]
    business = edxml.Business(
        doc_type=int(edxml.BusinessDocType.RECALL), reason=event.reason,
        document_id=original.document_id, staff=staff,
    )
    return dataclasses.replace(
        original,
        recipients=tuple(to) or (edxml.Organization(organ_id=transfer.recipient_code),),
        attachments=(),
        trace=edxml.TraceHeaderList(
            traces=(edxml.TraceHeader(transfer.sender_code, event.occurred_at),),
            business=business,
        ),
    )


async def _recall_package(
    runtime: Runtime, session: AsyncSession, transfer: Transfer, event: TransferEvent
) -> edxml.DocumentPackage:
    data = await _sent_package(runtime, session, transfer)
    original = (await anyio.to_thread.run_sync(edxml.parse_package, data)).document
    return _recall_of(original, transfer, event, await _staff(session, event))


def _row(transfer: Transfer, event: TransferEvent, document_id: str, peer: ExchangePeer,
         recall: bool) -> ExchangePackage:
    key = f"{event.from_code}|{document_id}|{event.status}|{event.seq}"
    if recall:
        key += f"|to {transfer.recipient_code}"
    return ExchangePackage(
        direction=Direction.OUT.value,
        kind=(PackageKind.DOCUMENT if recall else PackageKind.STATUS).value,
        dedup_key=key[:600], sender_organ_id=event.from_code[:32],
        edxml_document_id=document_id[:300],
        business_type=int(edxml.BusinessDocType.RECALL) if recall else 0,
        status_code=event.status, sha256="", size=0,
        signature_state=SignatureState.VALID.value, document_id=transfer.document_id,
        peer_id=peer.id,
    )


async def _existing(session: AsyncSession, key: str) -> ExchangePackage | None:
    return (
        await session.exec(
            select(ExchangePackage).where(
                ExchangePackage.direction == Direction.OUT.value,
                ExchangePackage.dedup_key == key,
            )
        )
    ).first()


@dataclass(frozen=True)
class NotSent:
    """Why a status stays here (no peer serves the agency, no DocumentId known)."""

    transfer_id: int
    document_id: int
    status: str
    seq: int
    why: str

    @classmethod
    def of(cls, transfer: Transfer, event: TransferEvent, why: str) -> NotSent:
        assert transfer.id is not None
        return cls(transfer.id, transfer.document_id, event.status, event.seq, why)


async def _not_sent(runtime: Runtime, skip: NotSent) -> None:
    async with runtime.transaction() as session:
        await record_event(
            session, "exchange.status_not_sent", subject_type="transfer",
            subject_id=skip.transfer_id,
            details={"document_id": skip.document_id, "status": skip.status, "seq": skip.seq,
                     "reason": skip.why},
        )


async def _load(
    session: AsyncSession, job: ReportToOtherSystem
) -> tuple[Transfer, TransferEvent] | None:
    transfer = await session.get(Transfer, job.transfer_id)
    event = (
        await session.exec(
            select(TransferEvent).where(
                TransferEvent.transfer_id == job.transfer_id, TransferEvent.seq == job.seq
            )
        )
    ).first()
    if transfer is None or event is None:
        return None
    return transfer, event


async def _plan(
    runtime: Runtime, job: ReportToOtherSystem
) -> Plan | ExchangePackage | NotSent | None:
    """What to send (a ``Plan``), the package row already written, why nothing can be
    sent, or None when there is nothing to do."""
    async with runtime.session() as session:
        loaded = await _load(session, job)
        if loaded is None:
            return None
        transfer, event = loaded
        recall = event.status in SENDER_EMITS
        emitter_id, counterpart_id, counterpart_code = (
            (transfer.sender_agency_id, transfer.recipient_agency_id, transfer.recipient_code)
            if recall else
            (transfer.recipient_agency_id, transfer.sender_agency_id, transfer.sender_code)
        )
        counterpart = await session.get(Agency, counterpart_id)
        emitter = await session.get(Agency, emitter_id)
        if counterpart is None or emitter is None or not counterpart.external:
            return None  # only agencies of other systems are told by package
        peer = await peer_for(session, counterpart_code)
        if peer is None:
            return NotSent.of(transfer, event,
                              f"No peer serves {counterpart_code}: the status stays here.")
        document_id = await _original_id(session, transfer, recall)
        if document_id is None:
            return NotSent.of(transfer, event,
                              "The document's edXML DocumentId is not known here.")
        row = _row(transfer, event, document_id, peer, recall)
        found = await _existing(session, row.dedup_key)
        if found is not None:
            return found
        package: edxml.Package
        if recall:
            package = await _recall_package(runtime, session, transfer, event)
        else:
            package = await _status_package(session, transfer, event, emitter, document_id)
    return Plan(package, emitter, peer, row)


def _write_signed(
    package: edxml.Package, source: SignerSource, out: BinaryIO
) -> edxml.SignedPackage:
    import signing as pades

    async def work() -> edxml.SignedPackage:
        signer = await pades.async_load_signer(source)
        return await edxml.async_write_signed_package(package, signer, out)

    return asyncio.run(work())


async def _seal_and_store(runtime: Runtime, plan: Plan) -> None:
    """Seal the package with the emitter's key (in a worker thread, as ``export`` does)
    and store it; fills the row's ``sha256`` and ``size``."""
    import signing as pades

    emitter = plan.emitter
    with working_dir() as tmp:
        path = tmp / "status.edxml"
        try:
            source = runtime.signing.seal_keys.seal_source(
                emitter.abbreviation, emitter.seal_key_ref
            )
            with path.open("wb") as out:
                written = await anyio.to_thread.run_sync(_write_signed, plan.package, source, out)
        except (JobFailed, pades.SignerLoadError, edxml.SigningFailed) as exc:
            raise ServiceUnavailable(
                f"The seal key of {emitter.abbreviation} could not sign the status: {exc}"
            ) from exc
        await put_checked(runtime.store, path, written.sha256)
    plan.row.sha256, plan.row.size = written.sha256, written.size


async def report_status(runtime: Runtime, job: ReportToOtherSystem) -> int | None:
    """Queue ``job``'s status event for the counterpart's peer; the package id, or None
    when nothing is sent (the counterpart is local, or no peer serves it)."""
    plan = await _plan(runtime, job)
    if plan is None:
        return None
    if isinstance(plan, NotSent):
        await _not_sent(runtime, plan)
        return None
    if isinstance(plan, ExchangePackage):  # written by an earlier run: finish its delivery
        async with runtime.transaction() as session:
            package = await session.merge(plan)
            peer = await session.get(ExchangePeer, package.peer_id)
            await write_outbox(runtime, session, package, [peer] if peer else [])
        return package.id
    await _seal_and_store(runtime, plan)
    try:
        async with runtime.transaction() as session:
            await write_outbox(runtime, session, plan.row, [plan.peer])
    except IntegrityError:  # a concurrent run wrote the row first: use it
        async with runtime.transaction() as session:
            found = await _existing(session, plan.row.dedup_key)
            assert found is not None
            await write_outbox(runtime, session, found, [plan.peer])
            return found.id
    return plan.row.id
