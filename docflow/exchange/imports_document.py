"""A received new document: a foreign ``Document`` and one incoming transfer (01) per
recipient agency of this deployment, as a dispatch inside docflow makes them.

The main file is the first PDF attachment; it is stored as the document's issued
version and verified once (PAdES, this deployment's trust) in a signing worker, the
verdict kept as the ``VerificationRecord`` every recipient's clerk sees. The other
attachments are stored as the document's attachments. The issuing agency is the
``From`` agency, added to the directory as an external agency (with the ``From``
address, e-mail, telephone and website) when its identifier code is unknown.

A foreign document has no author here: ``created_by_id``/``signer_id`` name the clerk
who handed the file in, or, for a package from a peer, the first clerk (else the first
person) of the first recipient agency.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.accounts.models_user import Role, User, UserRole
from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.jobs.port import JobQueue
from docflow.core.keys import SigningConfig
from docflow.core.models_base import utcnow
from docflow.core.signing_pool import SigningPool
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.files import put_checked, run_job, working_dir
from docflow.documents.jobs import IndexForSearch
from docflow.documents.models import (
    Document,
    DocumentAttachment,
    DocumentState,
    DocumentVersion,
    Urgency,
    VersionSource,
)
from docflow.exchange import edxml
from docflow.exchange.imports_problems import PackageRejected, refusal
from docflow.transfers import notices as transfer_notices
from docflow.transfers.models import Transfer, VerificationRecord
from docflow.transfers.stamp_jobs import job_verify_report
from docflow.transfers.status import new_status_event, report_if_external
from docflow.transfers.status_signing import sign_status_event
from docflow.transfers.statuses import BusinessType, TransferStatus, priority_for_urgency
from storage import ObjectStore

__all__ = ["LocalRecipient", "receive_document"]

PDF = "application/pdf"


@dataclass(frozen=True)
class LocalRecipient:
    agency: Agency
    organ_id: str

    @property
    def agency_id(self) -> int:
        assert self.agency.id is not None
        return self.agency.id


async def sender_agency(session: AsyncSession, sender: edxml.Organization) -> Agency:
    """The ``From`` agency, added as an external agency with its code when unknown."""
    abbreviation = sender.organ_id[:32]
    agency = Agency(
        name=(sender.name or sender.organ_id)[:255],
        abbreviation=abbreviation,
        external=True,
        address=(sender.address or None) and sender.address[:500],
        email=(sender.email or None) and sender.email[:255],
        phone=(sender.telephone or None) and sender.telephone[:50],
        website=(sender.website or None) and sender.website[:255],
    )
    taken = (
        await session.exec(select(Agency.id).where(Agency.abbreviation == abbreviation))
    ).first()
    if taken is not None:
        agency.abbreviation = f"ext-{abbreviation}"[:32]
    session.add(agency)
    await session.flush()
    assert agency.id is not None
    session.add(AgencyCode(code=sender.organ_id, agency_id=agency.id))
    await session.flush()
    return agency


async def _author(
    session: AsyncSession, actor: Principal | None, recipients: list[LocalRecipient]
) -> int:
    if actor is not None:
        return actor.user_id
    agency_id = recipients[0].agency.id
    clerk = (
        await session.exec(
            select(User.id).join(UserRole, col(UserRole.user_id) == col(User.id))
            .where(User.agency_id == agency_id, UserRole.role == Role.CLERK.value)
            .order_by(col(User.id)).limit(1)
        )
    ).first()
    anyone = clerk or (
        await session.exec(
            select(User.id).where(User.agency_id == agency_id).order_by(col(User.id)).limit(1)
        )
    ).first()
    if anyone is None:
        raise PackageRejected(
            "The recipient agency has no user to receive the document",
            [refusal("no_recipient_user", "The recipient agency has no user account.",
                     "Đơn vị nhận chưa có tài khoản người dùng nào.")],
        )
    return anyone


def _kind(package: edxml.DocumentPackage) -> str:
    name = package.document_type.name if package.document_type else None
    for key, kind in DOCUMENT_TYPES.items():
        if name and kind.name.casefold() == name.strip().casefold():
            return key
    return next(key for key, kind in DOCUMENT_TYPES.items() if kind.abbreviation is None)


def _urgency(priority: int) -> str:
    for urgency in Urgency:
        if int(priority_for_urgency(urgency.value)) == priority:
            return urgency.value
    return Urgency.NORMAL.value


def _priority(package: edxml.DocumentPackage) -> int:
    other = package.other_info
    return other.priority if other and other.priority is not None else 0


def _document(
    package: edxml.DocumentPackage, agency_id: int, author_id: int, now: datetime
) -> Document:
    issued = now
    if package.promulgation is not None and package.promulgation.date is not None:
        issued = datetime.combine(package.promulgation.date, time(), edxml.VIETNAM_TIME)
    number = package.code.number if package.code else None
    return Document(
        agency_id=agency_id,
        created_by_id=author_id,
        signer_id=author_id,
        document_type=_kind(package),
        subject=package.subject or "",
        urgency=_urgency(_priority(package)),
        recipients=[r.organ_id for r in package.recipients],
        place=(package.promulgation.place or None) if package.promulgation else None,
        state=DocumentState.ISSUED.value,
        signed_at=issued,
        number=int(number) if number and number.isdigit() and len(number) < 9 else None,
        symbol=(package.code.text[:64] or None) if package.code else None,
        issued_at=issued,
        due_at=datetime.combine(package.due_date, time(23, 59, 59), edxml.VIETNAM_TIME)
        if package.due_date else None,
        layout={"edxml": {"document_id": package.document_id, "from": package.sender.organ_id}},
    )


def _main_index(package: edxml.DocumentPackage) -> int:
    for index, attachment in enumerate(package.attachments):
        if attachment.content_type.split(";")[0].strip().lower() == PDF:
            return index
    raise PackageRejected(
        "The package carries no PDF to receive",
        [refusal("no_pdf_attachment", "No attachment of the package is a PDF.",
                 "Gói tin không có tệp đính kèm PDF nào.")],
    )


def _write(content: edxml.AttachmentContent, target: Path) -> str:
    with content.open() as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)
    return content.sha256()


@dataclass(frozen=True)
class _Staged:
    """An attachment already in the object store (no row yet)."""

    main: bool
    name: str
    sha256: str
    key: str
    size: int


async def _stage_files(
    store: ObjectStore, package: edxml.DocumentPackage, workdir: Path
) -> tuple[list[_Staged], Path]:
    """Every attachment into the store (before any row is written: no lock is held
    while files are copied and verified); the main PDF's path for the verification."""
    main = _main_index(package)
    staged: list[_Staged] = []
    main_path = workdir / "main.pdf"
    for index, attachment in enumerate(package.attachments):
        path = main_path if index == main else workdir / f"attachment-{index}"
        sha256 = await anyio.to_thread.run_sync(_write, attachment.content, path)
        stored = await put_checked(store, path, sha256)
        staged.append(_Staged(index == main, attachment.name, stored.sha256, stored.key,
                              stored.size))
        if index != main:
            with contextlib.suppress(OSError):
                path.unlink()
    return staged, main_path


def _file_rows(document_id: int, staged: list[_Staged]) -> tuple[DocumentVersion, list[Any]]:
    version: DocumentVersion | None = None
    rows: list[Any] = []
    for item in staged:
        if item.main:
            version = DocumentVersion(
                document_id=document_id, version=1, sha256=item.sha256, object_key=item.key,
                size=item.size, produced_by=VersionSource.ISSUANCE.value, actor_id=None,
            )
            rows.append(version)
        else:
            position = sum(1 for r in rows if isinstance(r, DocumentAttachment)) + 1
            rows.append(DocumentAttachment(
                document_id=document_id, position=position,
                filename=(item.name or f"phu-luc-{position}")[:255],
                sha256=item.sha256, size=item.size,
            ))
    assert version is not None
    return version, rows


async def _transfers(
    session: AsyncSession,
    signing: SigningConfig,
    document: Document,
    version: DocumentVersion,
    record: VerificationRecord,
    recipients: list[LocalRecipient],
    package: edxml.DocumentPackage,
    jobs: JobQueue | None,
) -> list[Transfer]:
    """One transfer per recipient, arrived (01), its arrival event signed by the
    recipient's seal as on a dispatch inside docflow; with ``jobs``, the 01 is reported
    to the sender's system (``ReportToOtherSystem``) in the same transaction."""
    assert document.id is not None and version.id is not None
    now = utcnow()
    transfers = [
        Transfer(
            document_id=document.id, version_id=version.id,
            sender_agency_id=document.agency_id, recipient_agency_id=r.agency_id,
            sender_code=package.sender.organ_id[:32], recipient_code=r.organ_id[:32],
            business_type=BusinessType.NEW, priority=_priority(package),
            status="", verification=record.verdict, verification_id=record.id,
            arrived_at=now, last_seq=0, deadline=document.due_at,
        )
        for r in recipients
    ]
    session.add_all(transfers)
    await session.flush()
    for transfer, recipient in zip(transfers, recipients, strict=True):
        event = new_status_event(
            transfer, TransferStatus.ARRIVED, actor=None,
            private={"verification": record.verdict, "via": "edxml"},
        )
        await sign_status_event(signing, recipient.agency, event)
        session.add(event)
        session.add(transfer)
        if jobs is not None:
            await report_if_external(session, jobs, transfer, event)
    await session.flush()
    for transfer in transfers:
        await transfer_notices.arrived(session, transfer, document, jobs=jobs)
    return transfers


async def receive_document(
    session: AsyncSession,
    package: edxml.DocumentPackage,
    sender: Agency | None,
    recipients: list[LocalRecipient],
    *,
    store: ObjectStore,
    signing: SigningConfig,
    workers: SigningPool,
    actor: Principal | None,
    package_sha256: str,
    jobs: JobQueue | None = None,
) -> tuple[dict[str, Any], int]:
    """The document, its files and transfers; ``({"transfers", "verification", ...}, id)``."""
    with working_dir() as workdir:
        staged, path = await _stage_files(store, package, workdir)
        outcome = await run_job(workers, job_verify_report, str(path), signing)
    issuer = sender if sender is not None else await sender_agency(session, package.sender)
    assert issuer.id is not None
    author = await _author(session, actor, recipients)
    document = _document(package, issuer.id, author, utcnow())
    session.add(document)
    await session.flush()
    assert document.id is not None
    version, rows = _file_rows(document.id, staged)
    session.add_all(rows)
    await session.flush()
    record = VerificationRecord(
        version_id=version.id,  # type: ignore[arg-type]
        sha256=version.sha256, verdict=outcome["verdict"], report=outcome["report"],
    )
    session.add(record)
    await session.flush()
    transfers = await _transfers(
        session, signing, document, version, record, recipients, package, jobs
    )
    ids = [t.id for t in transfers]
    if jobs is not None:
        await jobs.enqueue(session, IndexForSearch(document.id))
    await record_event(
        session, "transfer.dispatched", actor=actor, subject_type="document",
        subject_id=document.id,
        details={"status": TransferStatus.ARRIVED.value, "sha256": version.sha256,
                 "verification": record.verdict, "via": "edxml", "package": package_sha256,
                 "transfers": [{"id": t.id, "recipient": t.recipient_code} for t in transfers]},
    )
    result = {"document_id": document.id, "transfers": ids, "verification": record.verdict,
              "edxml_document_id": package.document_id}
    return result, document.id
