"""Dispatch: an issued document reaches every recipient agency (status 01, arrived).

One ``Transfer`` per (document, recipient agency), guarded by a unique constraint; all
of them reference the issued version, so the signed file is stored once however many
recipients there are. The file is verified once on arrival (same bytes, same trust:
same verdict for every recipient) and the report is kept in ``verification_record`` for
the recipients' clerks. A file docflow has just sealed itself arrives with the issuance's
check (``IssuanceCheck``: every signature validated just before the seal, and the sha256
of the sealed result); when the version to send has exactly that sha256 it is the
verdict, and the file is not validated again (that cost a signing worker as much as the
seal). Any other file (no check, another sha256) is validated in a signing worker.
What the second validation protected against stays covered: the stored object is
content-addressed and every read (the recipient's stamp, a download) checks its sha256,
so changed bytes are refused there; the seal's own key chain is checked when it is
applied (B-LT and above), and the seal is docflow's own signature over bytes it holds.

``dispatch_document`` is idempotent: it creates only the transfers that are missing, so
a retry (or two concurrent calls) never gives a recipient the document twice. Each
arrival event is signed by the recipient agency's seal (it is the recipient's system
that reports "01 arrived"); one audit event per dispatch lists every transfer created.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal, can_change
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, NotFoundError
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.documents.files import materialize, run_job, working_dir
from docflow.documents.models import Document, DocumentState, DocumentVersion, VersionSource
from docflow.transfers import notices
from docflow.transfers.corrections import correction_of
from docflow.transfers.models import (
    DocumentCorrection,
    Transfer,
    TransferEvent,
    VerificationRecord,
)
from docflow.transfers.stamp_jobs import job_verify_report, verdict_word
from docflow.transfers.status import SYSTEM_ACTOR
from docflow.transfers.status_signing import sign_status_event
from docflow.transfers.statuses import (
    BusinessType,
    TransferStatus,
    check_transition,
    priority_for_urgency,
)

__all__ = [
    "DispatchResult",
    "IssuanceCheck",
    "dispatch_document",
    "dispatch_on_request",
    "primary_code",
]

logger = logging.getLogger("docflow.routing")


@dataclass(frozen=True)
class DispatchResult:
    document_id: int
    #: Transfers created by this call (empty on a retry that found them all).
    created: tuple[int, ...]
    #: Every transfer of the document after the call.
    total: int
    verification: str | None


async def primary_code(session: AsyncSession, agency_id: int) -> str:
    """The agency's first registered identifier code (its OrganId on the exchange)."""
    code = (
        await session.exec(
            select(AgencyCode.code)
            .where(AgencyCode.agency_id == agency_id)
            .order_by(col(AgencyCode.id))
            .limit(1)
        )
    ).first()
    return code or f"agency-{agency_id}"


async def _issued_version(session: AsyncSession, document_id: int) -> DocumentVersion:
    query = (
        select(DocumentVersion)
        .where(
            DocumentVersion.document_id == document_id,
            DocumentVersion.produced_by == VersionSource.ISSUANCE.value,
        )
        .order_by(col(DocumentVersion.version).desc())
        .limit(1)
    )
    version = (await session.exec(query)).first()
    if version is None:
        raise ConflictError(f"Document {document_id} has no issued file to send.")
    return version


@dataclass(frozen=True)
class IssuanceCheck:
    """The issuance's own check of the file it sealed (``DeliverDocument`` carries it)."""

    sealed_sha256: str
    #: The validation report (JSON) of the signed file, before the seal.
    report_json: str

    def outcome_for(self, version: DocumentVersion) -> dict[str, Any] | None:
        """``{"verdict", "report"}`` when ``version`` is the file sealed, else None."""
        if not self.sealed_sha256 or self.sealed_sha256 != version.sha256:
            return None
        report: dict[str, Any] = json.loads(self.report_json)
        return {"verdict": verdict_word(str(report.get("verdict"))), "report": report}


async def _verification(
    runtime: Runtime, version: DocumentVersion, checked: IssuanceCheck | None = None
) -> VerificationRecord:
    """The stored verification of ``version``: the issuance's check when it covers these
    bytes, else made now (in a worker), unless one is stored already."""
    async with runtime.session() as session:
        found = (
            await session.exec(
                select(VerificationRecord).where(VerificationRecord.version_id == version.id)
            )
        ).first()
        if found is not None:
            return found
    outcome = checked.outcome_for(version) if checked is not None else None
    if outcome is None:
        with working_dir() as tmp:
            path = await materialize(runtime.store, version.sha256, tmp / "arrived.pdf")
            outcome = await run_job(
                runtime.signing_pool, job_verify_report, str(path), runtime.signing
            )
    record = VerificationRecord(
        version_id=version.id,  # type: ignore[arg-type]
        sha256=version.sha256,
        verdict=outcome["verdict"],
        report=outcome["report"],
    )
    async with runtime.session() as session:
        session.add(record)
        try:
            await session.commit()
        except IntegrityError:  # verified concurrently by another dispatch: use theirs
            await session.rollback()
            record = (
                await session.exec(
                    select(VerificationRecord).where(VerificationRecord.version_id == version.id)
                )
            ).one()
    return record


async def dispatch_on_request(
    runtime: Runtime, principal: Principal, document_id: int
) -> DispatchResult:
    """A clerk (re)sends an issued document of their agency: only what is missing."""
    async with runtime.session() as session:
        document = await session.get(Document, document_id)
        if document is None:
            raise NotFoundError(f"There is no document {document_id}.")
        if not can_change(principal, document.agency_id, needs=[Role.CLERK]):
            await deny(session, principal, action="document.dispatch", subject_type="document",
                       subject_id=document_id, message=f"There is no document {document_id}."
                       if principal.agency_id != document.agency_id else
                       "Only a clerk (văn thư) of the issuing agency sends its documents.",
                       hide=principal.agency_id != document.agency_id)
    return await dispatch_document(runtime, document_id, actor=principal)


async def dispatch_document(
    runtime: Runtime,
    document_id: int,
    *,
    actor: Principal | None = None,
    checked: IssuanceCheck | None = None,
) -> DispatchResult:
    """Deliver issued ``document_id`` to each recipient agency that does not have it yet
    (``checked``: the issuance's verdict on the file it sealed, see the module doc)."""
    async with runtime.session() as session:
        document = await session.get(Document, document_id)
        if document is None:
            raise NotFoundError(f"There is no document {document_id}.")
        if document.state != DocumentState.ISSUED.value:
            raise ConflictError(
                f"Document {document_id} is not issued; only issued documents are sent."
            )
        version = await _issued_version(session, document_id)
        targets = await _recipients(session, document)
        correction = await correction_of(session, document_id)
        existing = set(
            (
                await session.exec(
                    select(Transfer.recipient_agency_id).where(Transfer.document_id == document_id)
                )
            ).all()
        )
    missing = [t for t in targets if t[0] not in existing]
    if not missing:
        return DispatchResult(document_id, (), len(existing), None)
    record = await _verification(runtime, version, checked)
    for attempt in range(2):
        try:
            created = await _create_transfers(
                runtime, document, version, record, missing, actor, correction
            )
            break
        except IntegrityError:
            if attempt:
                raise
            # A concurrent dispatch created some of them: create only what is still missing.
            async with runtime.session() as session:
                have = set(
                    (
                        await session.exec(
                            select(Transfer.recipient_agency_id).where(
                                Transfer.document_id == document_id
                            )
                        )
                    ).all()
                )
            existing |= have
            missing = [t for t in missing if t[0] not in have]
            created = ()
            if not missing:
                break
    return DispatchResult(document_id, created, len(existing) + len(created), record.verdict)


async def _recipients(session: AsyncSession, document: Document) -> list[tuple[int, str]]:
    """(agency id, code) of every recipient other than the sender, first code wins.
    Agencies of other systems (``Agency.external``) get no transfer here: the exchange
    sends them a package."""
    if not document.recipients:
        return []
    rows = (
        await session.exec(
            select(AgencyCode.agency_id, AgencyCode.code)
            .join(Agency, col(Agency.id) == AgencyCode.agency_id)
            .where(col(AgencyCode.code).in_(document.recipients), col(Agency.external).is_(False))
        )
    ).all()
    by_code = {code: agency_id for agency_id, code in rows}
    seen: dict[int, str] = {}
    for code in document.recipients:
        agency_id = by_code.get(code)
        if agency_id is not None and agency_id != document.agency_id and agency_id not in seen:
            seen[agency_id] = code
    return list(seen.items())


async def _create_transfers(
    runtime: Runtime,
    document: Document,
    version: DocumentVersion,
    record: VerificationRecord,
    targets: list[tuple[int, str]],
    actor: Principal | None,
    correction: DocumentCorrection | None,
) -> tuple[int, ...]:
    check_transition(None, TransferStatus.ARRIVED)
    async with runtime.session() as session:
        sender_code = await primary_code(session, document.agency_id)
        agencies = await _agencies(session, [t[0] for t in targets])
    # Reads above, writes below in a transaction whose first statement is a write (SQLite
    # takes its write lock there instead of upgrading a read lock later).
    async with runtime.transaction() as session:
        now = utcnow()
        transfers = _new_transfers(
            document, version, record, targets, sender_code, correction, now
        )
        session.add_all(transfers)
        await session.flush()
        events = []
        for transfer in transfers:
            event = _arrival_event(transfer, record, now)
            await sign_status_event(runtime.signing, agencies[transfer.recipient_agency_id], event)
            events.append(event)
        session.add_all(events)
        await session.flush()
        await record_event(
            session,
            "transfer.dispatched",
            actor=actor,
            subject_type="document",
            subject_id=document.id,
            details={
                "status": TransferStatus.ARRIVED.value,
                "sha256": version.sha256,
                "verification": record.verdict,
                "transfers": [
                    {"id": t.id, "recipient": t.recipient_code} for t in transfers
                ],
            },
        )
        ids: list[int] = []
        for transfer in transfers:
            assert transfer.id is not None  # flushed above
            ids.append(transfer.id)
            await notices.arrived(session, transfer, document, jobs=runtime.jobs)
        return tuple(ids)


async def _agencies(session: AsyncSession, agency_ids: list[int]) -> dict[int | None, Agency]:
    """The recipient agencies by id (their seals sign the arrival events)."""
    rows = (await session.exec(select(Agency).where(col(Agency.id).in_(agency_ids)))).all()
    return {a.id: a for a in rows}


def _new_transfers(
    document: Document,
    version: DocumentVersion,
    record: VerificationRecord,
    targets: list[tuple[int, str]],
    sender_code: str,
    correction: DocumentCorrection | None,
    now: datetime,
) -> list[Transfer]:
    """One transfer per (agency id, code) of ``targets``, arrived (status 01) at ``now``."""
    assert document.id is not None and version.id is not None
    return [
        Transfer(
            document_id=document.id,
            version_id=version.id,
            sender_agency_id=document.agency_id,
            recipient_agency_id=agency_id,
            sender_code=sender_code,
            recipient_code=code,
            business_type=correction.business_type if correction else BusinessType.NEW,
            corrects_document_id=correction.corrects_document_id if correction else None,
            priority=priority_for_urgency(document.urgency),
            status=TransferStatus.ARRIVED,
            verification=record.verdict,
            verification_id=record.id,
            arrived_at=now,
            last_seq=1,
            # The sender's due date (hạn xử lý) until the receiving leader sets another.
            deadline=document.due_at,
        )
        for agency_id, code in targets
    ]


def _arrival_event(
    transfer: Transfer, record: VerificationRecord, now: datetime
) -> TransferEvent:
    """The transfer's first event (01 arrived), reported by the recipient; unsigned."""
    assert transfer.id is not None  # flushed
    return TransferEvent(
        transfer_id=transfer.id,
        seq=1,
        document_id=transfer.document_id,
        status=TransferStatus.ARRIVED,
        from_code=transfer.recipient_code,
        to_code=transfer.sender_code,
        reason=None,
        actor=SYSTEM_ACTOR,
        occurred_at=now,
        private={"verification": record.verdict},
        signature="",
        signature_algorithm="",
        certificate_pem="",
    )
