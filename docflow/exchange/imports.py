"""Receiving an edXML package from another system (or from a file a clerk got by other
means): ``receive_package`` reads it, judges it, and makes of it what docflow works with.

In order, nothing written until every check passed:

1. the hardened parser and the axis rules (``PackageRejected``: 422 with every coded
   problem);
2. the XML signature, against this deployment's roots plus the peer's
   ``trust_anchors_pem``: a signature that does not verify is refused naming what failed;
   RSA-SHA1 is accepted and recorded ``weak``; no signature (or a placeholder) is
   accepted only when the peer is marked ``allow_unsigned`` or an administrator chose
   to, and recorded ``unsigned``;
3. who signed (``sender_signed``): the signer's certificate must be the seal
   certificate the directory holds for the ``From`` agency (found by its identifier
   code); for an agency the directory does not know, or knows without a seal
   certificate, only a package that came from a peer is accepted, signed by a
   certificate chaining to that peer's own anchors whose subject names the ``From``
   organ id. Any other trusted signer is refused;
4. the duplicate rule: ``sender|DocumentId|business type`` for a document,
   ``sender|DocumentId|status code|timestamp`` for a status. The same bytes again answer
   the first answer (nothing new); other bytes under the same key are a conflict (409);
5. a new document (business type 0) becomes a foreign ``Document`` (issuing agency: the
   ``From`` agency, added to the directory as an external agency when unknown) and one
   incoming transfer, status 01, for every ``To`` agency of this deployment, with the
   PAdES verdict on the main PDF, as a dispatch inside docflow does; an update (2) or
   a replacement (3) is received the same way and then linked, as a local correction
   is, to the document it corrects, received earlier from the same sender and named by
   ``Bussiness/DocumentId`` or ``ReplacementInfo/DocumentId`` (``imports_correction``:
   its transfers carry the business type and the corrected document); a recall (1)
   asks the recipients of the document received earlier from the same sender to
   withdraw it (``imports_recall``); an unknown earlier document is refused
   (``unknown_document``);
6. a status package moves the transfer it answers (``imports_status``).

A service: the caller owns the transaction; a refusal raises and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, PermissionDenied
from docflow.core.jobs.port import JobQueue
from docflow.core.keys import SigningConfig
from docflow.core.signing_pool import SigningPool
from docflow.documents.files import ServiceUnavailable
from docflow.exchange import edxml
from docflow.exchange.imports_correction import corrected_document, link_correction
from docflow.exchange.imports_document import LocalRecipient, receive_document
from docflow.exchange.imports_problems import PackageRejected, PackageUnreadable, refusal
from docflow.exchange.imports_recall import receive_recall
from docflow.exchange.imports_signature import Verdict, judge_signature, sender_signed
from docflow.exchange.imports_status import issuer_organ, receive_status
from docflow.exchange.models import Direction, ExchangePackage, ExchangePeer, PackageKind
from storage import ObjectStore, StorageError

__all__ = [
    "PackageRejected",
    "PackageUnreadable",
    "ReceiveResult",
    "Receiving",
    "dedup_key",
    "receive_package",
]


@dataclass(frozen=True)
class ReceiveResult:
    """The package row and the answer (the first answer again for a duplicate)."""

    package_id: int
    created: bool
    result: dict[str, Any]


def dedup_key(package: edxml.Package) -> str:
    """``sender|DocumentId|0`` for a new document; ``sender|DocumentId|type|trace time``
    for a recall, update or replacement (a sender may recall again after a refusal, or
    correct twice: each request is its own, its re-sent bytes are not);
    ``sender|DocumentId|status|timestamp`` for a status."""
    if isinstance(package, edxml.StatusPackage):
        moment = edxml.format_timestamp(package.timestamp) if package.timestamp else ""
        return "|".join((package.sender.organ_id, package.response_for.document_id or "",
                         package.status_code, moment))[:600]
    kind = business_type(package)
    parts = [package.sender.organ_id, package.document_id or "", str(kind)]
    if kind != 0:
        parts.append(_trace_time(package))
    return "|".join(parts)[:600]


def _trace_time(package: edxml.DocumentPackage) -> str:
    """The sender's own ``TraceHeader/Timestamp`` (the first one when it names none)."""
    traces = package.trace.traces if package.trace else ()
    mine = [t for t in traces if t.organ_id == package.sender.organ_id] or list(traces)
    moment = mine[0].timestamp if mine else None
    return edxml.format_timestamp(moment) if moment else ""


def business_type(package: edxml.DocumentPackage) -> int:
    business = package.trace.business if package.trace else None
    return business.doc_type if business and business.doc_type is not None else 0


async def _agency_of(session: AsyncSession, organ_id: str) -> Agency | None:
    row = (
        await session.exec(
            select(Agency).join(AgencyCode, col(AgencyCode.agency_id) == col(Agency.id))
            .where(AgencyCode.code == organ_id)
        )
    ).first()
    return row


def _fields(package: edxml.Package) -> dict[str, Any]:
    if isinstance(package, edxml.StatusPackage):
        return {"StatusCode": package.status_code, "Description": package.description,
                "StaffInfo": package.staff, "TraceHeaderList": package.trace}
    return {
        "Subject": package.subject, "Code": package.code, "To": package.recipients,
        "PromulgationInfo": package.promulgation, "DocumentType": package.document_type,
        "SignerInfo": package.signer, "OtherInfo": package.other_info,
        "DueDate": package.due_date, "TraceHeaderList": package.trace,
        "Attachment": [(a.name, a.content_type, a.content.sha256())
                       for a in package.attachments],
    }


def _differences(store: ObjectStore, sha256: str, parsed: edxml.ParsedPackage) -> str:
    """Which elements differ from the package stored as ``sha256`` (best effort)."""
    try:
        with store.open(sha256) as handle:
            earlier = edxml.parse_package(handle).package
    except (OSError, StorageError, edxml.EdxmlError):
        return "the earlier package could not be read back to compare them"
    old, new = _fields(earlier), _fields(parsed.package)
    names = [name for name in new if old.get(name) != new[name]]
    if not names:
        return "the same content, written or signed differently"
    return "they differ in " + ", ".join(names)


async def _existing(
    session: AsyncSession, key: str, parsed: edxml.ParsedPackage, store: ObjectStore
) -> ExchangePackage | None:
    found = (
        await session.exec(
            select(ExchangePackage).where(
                ExchangePackage.direction == Direction.IN.value,
                ExchangePackage.dedup_key == key,
            )
        )
    ).first()
    if found is None or found.sha256 == parsed.sha256:
        return found
    differences = await anyio.to_thread.run_sync(_differences, store, found.sha256, parsed)
    raise ConflictError(
        f"A different package with the same identity ({key}) was received on "
        f"{found.created_at:%Y-%m-%d %H:%M} UTC: {differences}. That one had SHA-256 "
        f"{found.sha256} ({found.size} bytes), this one has SHA-256 {parsed.sha256} "
        f"({parsed.size} bytes). A changed document must be sent with a new DocumentId, "
        "or as an update or replacement."
    )


async def _parse(source: bytes | Path, limits: edxml.Limits) -> edxml.ParsedPackage:
    try:
        parsed = await anyio.to_thread.run_sync(
            lambda: edxml.parse_package(source, limits=limits)
        )
    except edxml.PackageRefused as exc:
        raise PackageUnreadable("The package cannot be read", exc.problems) from None
    errors = edxml.errors_in(edxml.check_package(parsed))
    if errors:
        raise PackageRejected("The package breaks the edXML rules", errors)
    return parsed


async def _store_package(store: ObjectStore, source: bytes | Path, sha256: str) -> None:
    def put() -> None:
        if isinstance(source, Path):
            store.put_file(source, expected_sha256=sha256)
        else:
            store.put_bytes(source, expected_sha256=sha256)

    try:
        await anyio.to_thread.run_sync(put)
    except StorageError as exc:
        raise ServiceUnavailable(
            f"The package could not be stored ({exc}); nothing was received: send it again."
        ) from None


async def local_recipients(
    session: AsyncSession, organ_ids: Sequence[str]
) -> list[LocalRecipient]:
    """The ``To`` organs that are agencies of this deployment (not external)."""
    found: list[LocalRecipient] = []
    for organ_id in dict.fromkeys(organ_ids):
        agency = await _agency_of(session, organ_id)
        local = agency is not None and not agency.external and agency.id is not None
        if local and all(r.agency.id != agency.id for r in found):  # type: ignore[union-attr]
            found.append(LocalRecipient(agency, organ_id))  # type: ignore[arg-type]
    return found


def _check_clerk(actor: Principal | None, agency_ids: Sequence[int | None], what: str) -> None:
    if actor is not None and actor.agency_id not in agency_ids:
        raise PermissionDenied(
            f"Only a clerk of {what} may hand in this package; your agency is not one of them."
        )


@dataclass(frozen=True)
class Receiving:
    """What ``receive_package`` is given besides the package."""

    store: ObjectStore
    signing: SigningConfig
    workers: SigningPool
    peer: ExchangePeer | None = None
    actor: Principal | None = None
    allow_unsigned: bool = False
    limits: edxml.Limits = edxml.Limits()
    #: Where the arrival (01) reports to the sender's system are queued; None: not sent.
    jobs: JobQueue | None = None


async def receive_package(
    session: AsyncSession, source: bytes | Path, how: Receiving
) -> ReceiveResult:
    """Receive one package (bytes or a file); see the module docstring for the rules.

    Raises ``PackageRejected`` (422, coded problems), ``ConflictError`` (409, same key,
    other bytes), ``PermissionDenied`` (403: a clerk whose agency the package is not for).
    """
    parsed = await _parse(source, how.limits)
    verdict = await anyio.to_thread.run_sync(  # digesting up to 200 MB: not on the loop
        judge_signature, parsed, how.signing, how.peer, how.allow_unsigned
    )
    package = parsed.package
    key = dedup_key(package)
    recipients = await _authorize(session, package, how.actor)
    first = await _existing(session, key, parsed, how.store)
    if first is not None:
        assert first.id is not None
        return ReceiveResult(first.id, False, dict(first.result))
    sender = await _agency_of(session, package.sender.organ_id)
    sender_signed(verdict, package.sender.organ_id, sender, how.peer)
    await _store_package(how.store, source, parsed.sha256)  # before any row: no lock held
    document_id: int | None
    if isinstance(package, edxml.StatusPackage):
        result, document_id = await receive_status(session, package, sender)
    else:
        result, document_id = await _document(session, parsed, sender, recipients, how)
    result["signature"] = verdict.state.value
    result["warnings"] = [p.to_dict() for p in verdict.warnings]
    row = await _record(session, parsed, key, verdict, document_id, how, result)
    assert row.id is not None
    return ReceiveResult(row.id, True, result)


async def _authorize(
    session: AsyncSession, package: edxml.Package, actor: Principal | None
) -> list[LocalRecipient]:
    """The document's local recipients (422 when none); a clerk must be one of them, or,
    for a status, of the agency whose document it answers (403)."""
    if isinstance(package, edxml.StatusPackage):
        if actor is not None:
            issuer = await _agency_of(session, issuer_organ(package) or "")
            _check_clerk(actor, [issuer.id if issuer else None], "the agency the status is for")
        return []
    recipients = await local_recipients(session, [r.organ_id for r in package.recipients])
    if not recipients:
        raise PackageRejected(
            "The package names no agency of this system as recipient",
            [refusal("no_local_recipient",
                     "None of the To agencies is an agency of this system.",
                     "Không đơn vị nhận (To) nào thuộc hệ thống này.")],
        )
    _check_clerk(actor, [r.agency.id for r in recipients], "the recipient agencies")
    return recipients


async def _document(
    session: AsyncSession,
    parsed: edxml.ParsedPackage,
    sender: Agency | None,
    recipients: list[LocalRecipient],
    how: Receiving,
) -> tuple[dict[str, Any], int | None]:
    package = parsed.document
    kind = business_type(package)
    if kind == int(edxml.BusinessDocType.RECALL):
        return await receive_recall(session, package)
    correction = await corrected_document(session, package)  # refused before any row
    result, document_id = await receive_document(
        session, package, sender, recipients,
        store=how.store, signing=how.signing, workers=how.workers, actor=how.actor,
        package_sha256=parsed.sha256, jobs=how.jobs,
    )
    if correction is not None:  # an update or a replacement: linked as a local one is
        await link_correction(session, correction, document_id, result, how.actor)
    return result, document_id


async def _record(
    session: AsyncSession,
    parsed: edxml.ParsedPackage,
    key: str,
    verdict: Verdict,
    document_id: int | None,
    how: Receiving,
    result: dict[str, Any],
) -> ExchangePackage:
    package = parsed.package
    status = isinstance(package, edxml.StatusPackage)
    row = ExchangePackage(
        direction=Direction.IN.value,
        kind=(PackageKind.STATUS if status else PackageKind.DOCUMENT).value,
        dedup_key=key,
        sender_organ_id=package.sender.organ_id[:32],
        edxml_document_id=((package.response_for.document_id if status else  # type: ignore[union-attr]
                            package.document_id) or "")[:300],  # type: ignore[union-attr]
        business_type=0 if status else business_type(parsed.document),
        status_code=parsed.status.status_code[:4] if status else None,
        sha256=parsed.sha256,
        size=parsed.size,
        signature_state=verdict.state.value,
        document_id=document_id,
        peer_id=how.peer.id if how.peer else None,
        result=result,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise ConflictError(
            "The same package is being received at this moment; send it again shortly."
        ) from None
    await record_event(
        session, "exchange.package_received", actor=how.actor,
        subject_type="exchange_package", subject_id=row.id,
        details={"dedup_key": key, "sha256": parsed.sha256, "size": parsed.size,
                 "peer": how.peer.name if how.peer else None,
                 "signature": verdict.state.value, "document_id": document_id,
                 "result": result},
    )
    return row
