"""An issued document as an edXML document package, signed with its agency's seal.

``document_package`` reads everything from the document's own records (no form to fill
in): ``From`` is the issuing agency (its first identifier code as ``OrganId``), one
``To`` per recipient agency (the transfers made when it was sent, else the recipient
codes chosen on the draft), ``DocumentId``/``Code`` from the number and symbol given at
issuance, ``PromulgationInfo`` from the place and the issue date (Vietnam time),
``DocumentType`` from the Decree 30 kind, ``SignerInfo`` from the competent person who
signed, ``OtherInfo/Priority`` from the urgency; the main attachment is the issued,
sealed PDF from the object store, the annexes their agency-signed copies. The package
carries an enveloped XML signature made with the agency's seal key through the same
adapters as the PDF seal (``SigningConfig.seal_keys``).

A service: it takes the session and the ports, reads and never writes; the caller checks
who may read the document and records the export in the trail (``record_export``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import anyio.to_thread
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.accounts.models_certificate import PersonalCertificate
from docflow.accounts.models_user import User
from docflow.core.audit_append import Someone, record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput, NotFoundError
from docflow.core.keys import JobFailed, SigningConfig, subject_texts
from docflow.core.models_base import utcnow
from docflow.documents.doctypes import document_type
from docflow.documents.files import ServiceUnavailable, materialize, working_dir
from docflow.documents.models import (
    Document,
    DocumentAttachment,
    DocumentState,
    DocumentVersion,
    SigningSession,
    VersionSource,
)
from docflow.exchange import edxml
from docflow.exchange.export_names import code_of, package_filename
from docflow.transfers.models import Transfer
from docflow.transfers.statuses import priority_for_urgency
from storage import ObjectStore

if TYPE_CHECKING:
    from signing import SignerSource

__all__ = [
    "ExportedPackage",
    "document_package",
    "document_package_bytes",
    "record_export",
]


@dataclass(frozen=True)
class ExportedPackage:
    """What was written: enough to name the file and record the export."""

    document_id: int
    edxml_document_id: str
    """The package's ``DocumentId`` (``organId,yyyy/MM/dd,number/notation``)."""
    filename: str
    """``<number>-<notation>.edxml`` (``/`` replaced, as a file name cannot hold it)."""
    size: int
    sha256: str
    algorithm: str
    recipients: tuple[str, ...]
    """The ``To`` agencies' codes."""


def _not_issued(document: Document) -> ConflictError:
    return ConflictError(
        f"Document {document.id} is not issued yet (it is {document.state}): only an issued "
        "document, numbered, dated and sealed by the clerk, can be sent as an edXML package."
    )


async def _codes(session: AsyncSession, agency_ids: Sequence[int]) -> dict[int, str]:
    """Each agency's first identifier code (its ``OrganId`` on the axis)."""
    rows = (
        await session.exec(
            select(AgencyCode.agency_id, AgencyCode.code)
            .where(col(AgencyCode.agency_id).in_(list(agency_ids)))
            .order_by(col(AgencyCode.id))
        )
    ).all()
    first: dict[int, str] = {}
    for agency_id, code in rows:
        first.setdefault(agency_id, code)
    return first


def _organization(agency: Agency | None, code: str) -> edxml.Organization:
    # The agency table holds no address, e-mail or telephone yet: only the name goes out.
    return edxml.Organization(organ_id=code, name=agency.name if agency else None)


async def _recipients(session: AsyncSession, document: Document) -> tuple[edxml.Organization, ...]:
    """One ``To`` per recipient agency: the transfers made when the document was sent,
    in order, then the draft's recipient codes without a transfer (agencies of other
    systems; before it is sent, all of them). A code not in the directory still goes
    out, without a name: the axis knows the agency."""
    transfers = (
        await session.exec(
            select(Transfer.recipient_agency_id, Transfer.recipient_code)
            .where(Transfer.document_id == document.id)
            .order_by(col(Transfer.id))
        )
    ).all()
    pairs: list[tuple[int | None, str]] = [(a, c) for a, c in transfers]
    # Agencies of other systems get no transfer: their codes come from the draft.
    rest = [code for code in document.recipients or () if code not in {c for _, c in pairs}]
    if rest:
        rows = (
            await session.exec(
                select(AgencyCode.code, AgencyCode.agency_id).where(
                    col(AgencyCode.code).in_(rest)
                )
            )
        ).all()
        by_code = dict(rows)
        sent = {a for a, _ in pairs}
        pairs += [(by_code.get(c), c) for c in rest if by_code.get(c) not in sent]
    agencies = {
        a.id: a
        for a in (
            await session.exec(
                select(Agency).where(col(Agency.id).in_([a for a, _ in pairs if a is not None]))
            )
        ).all()
    }
    seen: set[str] = set()
    out: list[edxml.Organization] = []
    for agency_id, code in pairs:
        if agency_id == document.agency_id or code in seen:
            continue
        seen.add(code)
        out.append(_organization(agencies.get(agency_id) if agency_id else None, code))
    return tuple(out)


async def _issued_version(session: AsyncSession, document: Document) -> DocumentVersion:
    """The issued, sealed PDF: the newest issuance version, or a renewal of it (a later
    archive timestamp over the same issued document)."""
    query = (
        select(DocumentVersion)
        .where(
            DocumentVersion.document_id == document.id,
            col(DocumentVersion.produced_by).in_(
                [VersionSource.ISSUANCE.value, VersionSource.RENEWAL.value]
            ),
        )
        .order_by(col(DocumentVersion.version).desc())
        .limit(1)
    )
    version = (await session.exec(query)).first()
    if version is None:
        raise ConflictError(f"Document {document.id} has no issued file to export.")
    return version


async def _signer(session: AsyncSession, document: Document) -> edxml.SignerInfo:
    """Who signed: the competent person's name, and the title in the certificate they
    signed with when it carries one. docflow records no competence (``KT.``, ``TL.``)."""
    user = await session.get(User, document.signer_id)
    position: str | None = None
    certificate = (
        await session.exec(
            select(PersonalCertificate)
            .join(SigningSession, col(SigningSession.certificate_id) == PersonalCertificate.id)
            .where(
                SigningSession.document_id == document.id,
                SigningSession.user_id == document.signer_id,
                col(SigningSession.completed_at).is_not(None),
            )
            .order_by(col(SigningSession.completed_at).desc())
            .limit(1)
        )
    ).first()
    if certificate is not None:
        with contextlib.suppress(ValueError):
            position = subject_texts(certificate.certificate_pem.encode("ascii"))[1] or None
    return edxml.SignerInfo(position=position, full_name=user.full_name if user else None)


async def _attachments(
    session: AsyncSession,
    store: ObjectStore,
    document: Document,
    version: DocumentVersion,
    workdir: Path,
) -> tuple[edxml.Attachment, ...]:
    stem = package_filename(document.symbol, document.id or 0).removesuffix(".edxml")
    main_path = await materialize(store, version.sha256, workdir / "main.pdf")
    found = [
        edxml.Attachment(
            content_id="cid:main",
            name=f"{stem}.pdf",
            content_type="application/pdf",
            content=edxml.AttachmentContent.from_file(main_path),
            description="Văn bản chính",
        )
    ]
    annexes = (
        await session.exec(
            select(DocumentAttachment)
            .where(DocumentAttachment.document_id == document.id)
            .order_by(col(DocumentAttachment.position))
        )
    ).all()
    for annex in annexes:
        sha256 = annex.signed_sha256 or annex.sha256
        path = await materialize(store, sha256, workdir / f"annex-{annex.position}.pdf")
        found.append(
            edxml.Attachment(
                content_id=f"cid:annex-{annex.position}",
                name=annex.filename,
                content_type="application/pdf",
                content=edxml.AttachmentContent.from_file(path),
                description=f"Phụ lục {annex.position}",
            )
        )
    return tuple(found)


async def _model(
    session: AsyncSession,
    store: ObjectStore,
    document: Document,
    workdir: Path,
    now: datetime,
) -> tuple[edxml.DocumentPackage, Agency]:
    if document.state != DocumentState.ISSUED.value or document.issued_at is None:
        raise _not_issued(document)
    assert document.id is not None and document.symbol is not None
    agency = await session.get(Agency, document.agency_id)
    if agency is None:
        raise NotFoundError(f"The issuing agency of document {document.id} no longer exists.")
    sender_code = (await _codes(session, [document.agency_id])).get(document.agency_id)
    if sender_code is None:
        raise InvalidInput(
            f"The agency {agency.abbreviation} has no identifier code (OrganId): an "
            "administrator must register one before its documents can go on the axis."
        )
    recipients = await _recipients(session, document)
    if not recipients:
        raise InvalidInput(
            f"Document {document.id} names no recipient agency: an edXML package needs "
            "at least one."
        )
    issued = document.issued_at.astimezone(edxml.VIETNAM_TIME).date()
    code = code_of(document.symbol)
    version = await _issued_version(session, document)
    kind = document_type(document.document_type)
    package = edxml.DocumentPackage(
        sender=_organization(agency, sender_code),
        recipients=recipients,
        document_id=edxml.make_document_id(
            sender_code, issued, code.number, code.notation or document.symbol
        ),
        code=code,
        promulgation=edxml.PromulgationInfo(place=document.place, date=issued),
        document_type=edxml.DocumentType(name=kind.name),
        subject=document.subject,
        due_date=document.due_at.astimezone(edxml.VIETNAM_TIME).date() if document.due_at else None,
        signer=await _signer(session, document),
        other_info=edxml.OtherInfo(priority=int(priority_for_urgency(document.urgency))),
        trace=edxml.TraceHeaderList(
            traces=(edxml.TraceHeader(sender_code, now),),
            business=edxml.Business(doc_type=int(edxml.BusinessDocType.NEW)),
        ),
        attachments=await _attachments(session, store, document, version, workdir),
    )
    return package, agency


def _refusal(error: edxml.EdxmlError, document: Document) -> Exception:
    lines = "; ".join(
        f"{p.where + ': ' if p.where else ''}{p.en} ({p.code})" for p in error.problems
    )
    if isinstance(error, edxml.PackageTooLarge):
        return InvalidInput(
            f"Document {document.id} is too large to send as one edXML package: {lines}. The "
            "limit is set by DOCFLOW_EXCHANGE_MAX_PACKAGE_MB; send it by other means or ask "
            "the administrator."
        )
    if isinstance(error, edxml.SigningFailed):
        return ServiceUnavailable(f"The agency seal could not sign the edXML package: {lines}")
    return InvalidInput(
        f"Document {document.id} cannot be sent as an edXML package: {lines}"
    )


def _write_signed(
    package: edxml.DocumentPackage, source: SignerSource, out: BinaryIO, limits: edxml.Limits
) -> edxml.SignedPackage:
    import signing as pades

    async def work() -> edxml.SignedPackage:
        signer = await pades.async_load_signer(source)
        return await edxml.async_write_signed_package(package, signer, out, limits=limits)

    return asyncio.run(work())


async def document_package(
    session: AsyncSession,
    document: Document,
    *,
    store: ObjectStore,
    signing: SigningConfig,
    out: BinaryIO,
    limits: edxml.Limits | None = None,
    now: datetime | None = None,
) -> ExportedPackage:
    """Write ``document``'s signed edXML package to ``out``.

    Refuses (nothing written): a document not issued (409), one without sender code or
    recipients or breaking the axis rules (422, every problem named), a package over
    ``limits.max_package_bytes`` (422; callers pass ``sizes.package_limits`` of the
    deployment's settings, ``DOCFLOW_EXCHANGE_MAX_PACKAGE_MB``), a
    seal key that cannot sign (503).
    """
    import signing as pades

    moment = now or utcnow()
    with working_dir() as workdir:
        package, agency = await _model(session, store, document, workdir, moment)
        try:
            source = signing.seal_keys.seal_source(agency.abbreviation, agency.seal_key_ref)
            # Digesting and writing up to 200 MB is CPU work: a worker thread with its
            # own event loop does it (and loads the key there), not the server's loop.
            written = await anyio.to_thread.run_sync(
                _write_signed, package, source, out, limits or edxml.Limits()
            )
        except (JobFailed, pades.SignerLoadError) as exc:
            raise ServiceUnavailable(
                f"The seal key of {agency.abbreviation} could not be loaded: {exc}"
            ) from exc
        except edxml.EdxmlError as exc:
            raise _refusal(exc, document) from exc
    return ExportedPackage(
        document_id=document.id or 0,
        edxml_document_id=package.document_id or "",
        filename=package_filename(document.symbol, document.id or 0),
        size=written.size,
        sha256=written.sha256,
        algorithm=written.algorithm,
        recipients=tuple(r.organ_id for r in package.recipients),
    )


async def document_package_bytes(
    session: AsyncSession,
    document: Document,
    *,
    store: ObjectStore,
    signing: SigningConfig,
    limits: edxml.Limits | None = None,
) -> bytes:
    """The package as bytes (small documents and tests; prefer writing to a file)."""
    out = io.BytesIO()
    await document_package(session, document, store=store, signing=signing, out=out, limits=limits)
    return out.getvalue()


async def record_export(
    session: AsyncSession, actor: Someone | None, exported: ExportedPackage
) -> None:
    """``document.edxml_exported`` in the trail, in the caller's transaction (after the
    package is written: the append lock is held until that commit)."""
    await record_event(
        session,
        "document.edxml_exported",
        actor=actor,
        subject_type="document",
        subject_id=exported.document_id,
        details={
            "edxml_document_id": exported.edxml_document_id,
            "sha256": exported.sha256,
            "size": exported.size,
            "algorithm": exported.algorithm,
            "recipients": list(exported.recipients),
        },
    )
