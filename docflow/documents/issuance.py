"""Issuance by the clerk: check the competent person's signature, take the next number,
fill number and date and apply the agency seal in one revision, register it.

Failure safety (the choice): the seal is applied *inside* the transaction that holds
the series' counter lock, and the version, the register entry, the counter and the
document change are written in that same transaction after the signed file is stored
and hash-checked. Anything failing before the commit (seal key, TSA, store, crash)
rolls everything back: the number was never consumed and the next issuer gets it. A
stored object whose transaction rolled back is an unreferenced content-addressed blob,
never a register entry. The price: issuances of one agency's series run one at a time.
Retrying an issued document answers 409 naming its number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_agency import Agency
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal, can_change
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput, NotFoundError
from docflow.core.jobs.runner import run_now
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.core.signing_pool import SigningPool
from docflow.documents.documents import latest_version
from docflow.documents.files import (
    materialize,
    put_checked,
    run_job,
    store_version,
    working_dir,
)
from docflow.documents.jobs import DeliverDocument, IndexForSearch
from docflow.documents.models import (
    Document,
    DocumentAttachment,
    DocumentState,
    DocumentVersion,
    RegisterEntry,
    VersionSource,
)
from docflow.documents.numbering import (
    VIETNAM,
    commit_number,
    date_line,
    ensure_counter,
    next_number,
    series_for,
    series_gate,
    symbol_for,
)
from docflow.documents.signing_jobs import (
    SigningConfig,
    job_fill_and_seal,
    job_sign_attachment,
    job_validate,
)
from storage import ObjectStore

__all__ = ["IssueResult", "issue_document", "leader_signature_problems"]

DEFAULT_LEADER_FIELD = "ChuKyLanhDao"
DEFAULT_LEADER_BOX = (330.0, 120.0, 530.0, 200.0)


@dataclass(frozen=True)
class IssueResult:
    number: int
    symbol: str
    issued_at: datetime


def _state_conflict(document: Document) -> ConflictError:
    if document.state == DocumentState.ISSUED.value:
        return ConflictError(
            f"Document {document.id} is already issued as {document.symbol} "
            f"({document.issued_at:%Y-%m-%d}); it cannot be issued again."
        )
    return ConflictError(
        f"Document {document.id} is a draft not yet signed by its signer; the agency "
        "seal goes only on a document the competent person has signed."
    )


def leader_signature_problems(summary: dict[str, Any], leader_field: str) -> list[str]:
    """Why the signatures do not allow issuance (empty: they do): the signer's must be
    there, and it and every approval signature must validate."""
    sigs = [s for s in summary["signatures"] if s["field_name"] == leader_field]
    if not sigs:
        return [f"The document has no signature in the signer's field {leader_field}."]
    problems = []
    for sig in summary["signatures"]:
        if sig["indication"] != "TOTAL_PASSED":
            who = "signer's" if sig["field_name"] == leader_field else "approval"
            reasons = "; ".join(sig["errors"]) or sig["sub_indication"] or sig["indication"]
            problems.append(
                f"The {who} signature {sig['field_name']} does not validate "
                f"({sig['indication']}): {reasons}"
            )
    return problems


async def _authorize(session: AsyncSession, principal: Principal, document: Document) -> None:
    if not can_change(principal, document.agency_id, needs=[Role.CLERK]):
        await deny(
            session,
            principal,
            action="document.issue",
            subject_type="document",
            subject_id=document.id,
            message="Only a clerk (văn thư) of the issuing agency issues its documents.",
            hide=principal.agency_id != document.agency_id,
        )


async def _seal_attachments(
    session: AsyncSession,
    document_id: int,
    symbol: str,
    agency: Agency,
    tmp: Path,
    *,
    store: ObjectStore,
    workers: SigningPool,
    config: SigningConfig,
) -> None:
    """The agency signs each attachment (text stamp naming ``symbol``), in the issuing
    transaction: a failure rolls the whole issuance back like a seal failure."""
    query = (
        select(DocumentAttachment)
        .where(DocumentAttachment.document_id == document_id)
        .order_by(col(DocumentAttachment.position))
    )
    for attachment in (await session.exec(query)).all():
        src = await materialize(store, attachment.sha256, tmp / f"a{attachment.position}.pdf")
        out = tmp / f"a{attachment.position}-signed.pdf"
        signed = await run_job(
            workers,
            job_sign_attachment,
            str(src),
            str(out),
            symbol,
            agency.abbreviation,
            agency.name,
            config,
            locked=True,
        )
        stored = await put_checked(store, out, signed["sha256"])
        attachment.signed_sha256 = stored.sha256
        attachment.signed_size = stored.size
        session.add(attachment)


async def issue_document(runtime: Runtime, principal: Principal, document_id: int) -> IssueResult:
    """Number, date and seal ``document_id``; see the module docstring for failures."""
    with working_dir() as tmp:
        document, agency, signed = await _load_signed(runtime, principal, document_id)
        signed_path = await materialize(runtime.store, signed.sha256, tmp / "signed.pdf")
        checked = await _check_signatures(runtime, document, signed_path)

        issued_at = utcnow()
        year = issued_at.astimezone(VIETNAM).year
        series = series_for(document.confidentiality)
        await ensure_counter(runtime, document.agency_id, year, series)
        async with (
            series_gate(document.agency_id, year, series),
            runtime.transaction() as session,
        ):
            number = await next_number(session, document.agency_id, year, series)
            current, latest = await _recheck_signed(session, document_id, signed)
            symbol = symbol_for(
                number, current.document_type, agency.abbreviation, current.drafting_unit
            )
            sealed = await _fill_and_seal(
                runtime, signed_path, tmp / "issued.pdf", symbol, issued_at, current, agency
            )
            await _seal_attachments(
                session, document_id, symbol, agency, tmp,
                store=runtime.store, workers=runtime.signing_pool, config=runtime.signing,
            )
            version = await store_version(
                runtime.store,
                session,
                document_id,
                latest.version + 1,
                tmp / "issued.pdf",
                sealed["sha256"],
                VersionSource.ISSUANCE,
                principal.user_id,
            )
            if sealed.get("archive_expires_at"):
                version.archive_expires_at = datetime.fromisoformat(sealed["archive_expires_at"])
            await session.flush()
            entry = _Issued(year, series, number, symbol, issued_at, sealed["sha256"])
            await _register(session, principal, current, version, entry)
            # Delivery is work after this transaction: enqueued with it, run right after
            # the commit, retried by the job runner until done (idempotent).
            deliver = _delivery(document_id, signed, checked, sealed["sha256"], agency)
            await runtime.jobs.enqueue(session, deliver)
            await runtime.jobs.enqueue(session, IndexForSearch(document_id))  # its number
    # The issuance stands either way; a failed delivery stays pending and the job
    # runner retries it (the delivery is the system's, not the issuing clerk's).
    await run_now(runtime, deliver)
    return IssueResult(number=number, symbol=symbol, issued_at=issued_at)


@dataclass(frozen=True)
class _Issued:
    """What one issuance gave the document: its place in the register and the seal."""

    year: int
    series: str
    number: int
    symbol: str
    issued_at: datetime
    sha256: str


async def _load_signed(
    runtime: Runtime, principal: Principal, document_id: int
) -> tuple[Document, Agency, DocumentVersion]:
    """The document the clerk may issue, its agency and its signed (latest) version;
    404, 403 or 409 otherwise."""
    async with runtime.session() as session:
        document = await session.get(Document, document_id)
        if document is None:
            raise NotFoundError(f"There is no document {document_id}.")
        await _authorize(session, principal, document)
        if document.state != DocumentState.SIGNED.value:
            raise _state_conflict(document)
        agency = await session.get(Agency, document.agency_id)
        assert agency is not None
        signed = await latest_version(session, document_id)
    return document, agency, signed


async def _check_signatures(
    runtime: Runtime, document: Document, signed_path: Path
) -> dict[str, Any]:
    """422 unless the signer's signature and every approval validate; the full report."""
    leader_field = document.layout.get("leader_field", DEFAULT_LEADER_FIELD)
    summary = await run_job(
        runtime.signing_pool, job_validate, str(signed_path), runtime.signing, True
    )
    problems = leader_signature_problems(summary, leader_field)
    if problems:
        raise InvalidInput("The document cannot be issued: " + " ".join(problems))
    report: dict[str, Any] = summary["report"]
    return report


def _delivery(
    document_id: int,
    signed: DocumentVersion,
    report: dict[str, Any],
    sealed_sha256: str,
    agency: Agency,
) -> DeliverDocument:
    """The delivery job, carrying the verdict of the check just made: every signature of
    ``signed`` validated, and docflow sealed exactly those bytes into ``sealed_sha256``
    (appending a revision, with the agency's configured key, whose chain the signer
    checked at B-LT and above). Delivery keeps it as the arrival verdict instead of
    validating the sealed file again (see ``docflow.transfers.routing``)."""
    check = {
        **report,
        "checked_at_issuance": {
            "validated_sha256": signed.sha256,
            "sealed_sha256": sealed_sha256,
            "sealed_by": agency.abbreviation,
            "seal_field": "DauCoQuan",
        },
    }
    return DeliverDocument(document_id, sealed_sha256, json.dumps(check, default=str))


async def _recheck_signed(
    session: AsyncSession, document_id: int, signed: DocumentVersion
) -> tuple[Document, DocumentVersion]:
    """Under the series' lock: the document, fresh, still signed and still at the
    version ``signed`` that was validated (409 otherwise); and that version."""
    current = (
        await session.exec(
            select(Document)
            .where(Document.id == document_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    if current.state != DocumentState.SIGNED.value:
        raise _state_conflict(current)
    latest = await latest_version(session, document_id)
    if latest.id != signed.id:
        raise ConflictError(
            f"Document {document_id} changed while it was being issued; try again."
        )
    return current, latest


async def _fill_and_seal(
    runtime: Runtime,
    signed_path: Path,
    out: Path,
    symbol: str,
    issued_at: datetime,
    document: Document,
    agency: Agency,
) -> dict[str, Any]:
    """Number and date filled and the agency seal applied in one revision, to ``out``
    (in a signing worker, holding the pool's lock)."""
    box = tuple(document.layout.get("leader_box", DEFAULT_LEADER_BOX))
    sealed: dict[str, Any] = await run_job(
        runtime.signing_pool,
        job_fill_and_seal,
        str(signed_path),
        str(out),
        f"Số: {symbol}",
        date_line(issued_at, document.place),
        agency.abbreviation,
        agency.name,
        box,
        runtime.signing,
        locked=True,
    )
    return sealed


async def _register(
    session: AsyncSession,
    principal: Principal,
    document: Document,
    version: DocumentVersion,
    issued: _Issued,
) -> None:
    """The register entry, the counter, the document's new state and the audit event."""
    assert document.id is not None and version.id is not None
    session.add(
        RegisterEntry(
            agency_id=document.agency_id,
            year=issued.year,
            series=issued.series,
            number=issued.number,
            symbol=issued.symbol,
            document_id=document.id,
            version_id=version.id,
            issued_at=issued.issued_at,
            issued_by_id=principal.user_id,
        )
    )
    await commit_number(session, document.agency_id, issued.year, issued.series, issued.number)
    document.state = DocumentState.ISSUED.value
    document.number = issued.number
    document.symbol = issued.symbol
    document.issued_at = issued.issued_at
    document.issued_by_id = principal.user_id
    session.add(document)
    await record_event(
        session,
        "document.issued",
        actor=principal,
        subject_type="document",
        subject_id=document.id,
        details={"number": issued.number, "symbol": issued.symbol, "sha256": issued.sha256},
    )
