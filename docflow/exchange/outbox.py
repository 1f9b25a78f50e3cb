"""The outbox: an issued document addressed to agencies of other systems becomes one
sealed edXML package, stored in the object store, and one delivery per peer.

``enqueue_for_external`` runs after the local dispatch (``docflow.exchange.job_handlers``
wraps the document's delivery job): it finds the recipients that are external agencies
(``Agency.external``) matched by a peer, builds and stores the package once (outside
any transaction: sealing takes time), then writes the package row, the deliveries, their
``DeliverPackage`` jobs and the audit event in one transaction. It is idempotent: the
package is named by ``(direction, dedup_key)`` and a delivery by ``(package, peer)``, so
a retry adds only what is missing (a peer added later gets its delivery then).

The same transaction gives the issuing agency one ``Transfer`` per external recipient
(status ``""``: sent, no report yet; no status event), so that the statuses the other
system reports (``imports_status``: 01 first) move it through the one transition table
and the sender follows each recipient on one timeline. Unique per (document,
recipient agency), like every transfer: a retry adds only the missing ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.core.audit_append import Someone, record_event
from docflow.core.db import AsyncSession
from docflow.core.runtime import Runtime
from docflow.documents.files import put_checked, working_dir
from docflow.documents.models import Document, DocumentState, DocumentVersion, VersionSource
from docflow.exchange.export import ExportedPackage, document_package
from docflow.exchange.jobs import DeliverPackage
from docflow.exchange.models import (
    DeliveryState,
    Direction,
    ExchangeDelivery,
    ExchangePackage,
    ExchangePeer,
    PackageKind,
    SignatureState,
)
from docflow.exchange.peers import matches
from docflow.exchange.sizes import package_limits
from docflow.transfers.corrections import correction_of
from docflow.transfers.models import Transfer
from docflow.transfers.statuses import BusinessType, priority_for_urgency

__all__ = [
    "Outgoing",
    "enqueue_for_external",
    "external_targets",
    "sender_transfers",
    "write_outbox",
]


@dataclass(frozen=True)
class Outgoing:
    package_id: int
    #: Deliveries created by this call (empty on a retry that found them all).
    created: tuple[int, ...]


async def external_targets(
    session: AsyncSession, document: Document
) -> dict[int, tuple[ExchangePeer, list[str]]]:
    """Peer id → (peer, recipient codes) for the document's external recipients that a
    peer's pattern matches (the first matching peer wins); others are left out."""
    codes = list(document.recipients or ())
    if not codes:
        return {}
    external = set(
        (
            await session.exec(
                select(AgencyCode.code)
                .join(Agency, col(Agency.id) == AgencyCode.agency_id)
                .where(col(AgencyCode.code).in_(codes), col(Agency.external).is_(True))
            )
        ).all()
    )
    peers = list((await session.exec(select(ExchangePeer).order_by(col(ExchangePeer.id)))).all())
    found: dict[int, tuple[ExchangePeer, list[str]]] = {}
    for code in codes:
        if code not in external:
            continue
        peer = next((p for p in peers if matches(p, code)), None)
        if peer is not None and peer.id is not None:
            found.setdefault(peer.id, (peer, []))[1].append(code)
    return found


async def _existing(session: AsyncSession, document_id: int) -> ExchangePackage | None:
    return (
        await session.exec(
            select(ExchangePackage).where(
                ExchangePackage.document_id == document_id,
                ExchangePackage.direction == Direction.OUT.value,
                ExchangePackage.kind == PackageKind.DOCUMENT.value,
            )
        )
    ).first()


async def _build(runtime: Runtime, document: Document) -> ExportedPackage:
    """Seal the package into a file and store it (content-addressed: a rebuild that
    is never recorded leaves only an unreferenced object)."""
    async with runtime.session() as session:
        with working_dir() as tmp:
            path = tmp / "package.edxml"
            with path.open("wb") as out:
                exported = await document_package(
                    session, document, store=runtime.store, signing=runtime.signing, out=out,
                    limits=package_limits(runtime.settings),
                )
            await put_checked(runtime.store, path, exported.sha256)
    return exported


def _package_row(document: Document, sender: str, exported: ExportedPackage) -> ExchangePackage:
    return ExchangePackage(
        direction=Direction.OUT.value,
        kind=PackageKind.DOCUMENT.value,
        dedup_key=f"{sender}|{exported.edxml_document_id}|0",
        sender_organ_id=sender,
        edxml_document_id=exported.edxml_document_id,
        business_type=0,
        sha256=exported.sha256,
        size=exported.size,
        signature_state=SignatureState.VALID.value,
        document_id=document.id,
    )


async def write_outbox(
    runtime: Runtime,
    session: AsyncSession,
    package: ExchangePackage,
    peers: Sequence[ExchangePeer],
    actor: Someone | None = None,
) -> tuple[int, ...]:
    """Add the package (if new) and a pending delivery + job for each peer that has none,
    in ``session``'s transaction, with one ``exchange.package_queued`` event."""
    if package.id is None:
        session.add(package)
        await session.flush()
    have = set(
        (
            await session.exec(
                select(ExchangeDelivery.peer_id).where(ExchangeDelivery.package_id == package.id)
            )
        ).all()
    )
    assert package.id is not None
    deliveries = [
        ExchangeDelivery(package_id=package.id, peer_id=p.id, state=DeliveryState.PENDING.value)
        for p in peers
        if p.id is not None and p.id not in have
    ]
    if not deliveries:
        return ()
    session.add_all(deliveries)
    await session.flush()
    for delivery in deliveries:
        assert delivery.id is not None
        await runtime.jobs.enqueue(session, DeliverPackage(delivery.id))
    await record_event(
        session,
        "exchange.package_queued",
        actor=actor,
        subject_type="document",
        subject_id=package.document_id,
        details={
            "package": package.id,
            "edxml_document_id": package.edxml_document_id,
            "sha256": package.sha256,
            "deliveries": [{"id": d.id, "peer": d.peer_id} for d in deliveries],
        },
    )
    return tuple(d.id for d in deliveries if d.id is not None)


async def sender_transfers(
    session: AsyncSession, document: Document, sender: str, codes: Sequence[str]
) -> list[int]:
    """The issuing agency's transfer to each external recipient in ``codes`` that has
    none (status ``""``, no event), in ``session``'s transaction; the ids created."""
    assert document.id is not None
    rows = (
        await session.exec(
            select(AgencyCode.agency_id, AgencyCode.code).where(col(AgencyCode.code).in_(codes))
        )
    ).all()
    have = set(
        (
            await session.exec(
                select(Transfer.recipient_agency_id).where(Transfer.document_id == document.id)
            )
        ).all()
    )
    wanted: dict[int, str] = {}
    for agency_id, code in rows:
        if agency_id not in have and agency_id != document.agency_id:
            wanted.setdefault(agency_id, code)
    if not wanted:
        return []
    version = (
        await session.exec(
            select(DocumentVersion.id)
            .where(DocumentVersion.document_id == document.id,
                   DocumentVersion.produced_by == VersionSource.ISSUANCE.value)
            .order_by(col(DocumentVersion.version).desc())
        )
    ).first()
    assert version is not None  # an issued document has its issuance version
    correction = await correction_of(session, document.id)
    transfers = [
        Transfer(
            document_id=document.id, version_id=version, sender_agency_id=document.agency_id,
            recipient_agency_id=agency_id, sender_code=sender, recipient_code=code,
            business_type=correction.business_type if correction else BusinessType.NEW,
            corrects_document_id=correction.corrects_document_id if correction else None,
            priority=priority_for_urgency(document.urgency), status="",
            verification="",  # the other system verifies the file; it reports 01 or 02
        )
        for agency_id, code in wanted.items()
    ]
    session.add_all(transfers)
    await session.flush()
    ids = [t.id for t in transfers if t.id is not None]
    await record_event(
        session, "transfer.sent_external", subject_type="document", subject_id=document.id,
        details={"via": "edxml", "transfers": [
            {"id": t.id, "recipient": t.recipient_code} for t in transfers]},
    )
    return ids


async def enqueue_for_external(
    runtime: Runtime, document_id: int, *, actor: Someone | None = None
) -> Outgoing | None:
    """Package ``document_id`` for its external recipients' peers; None when it has none
    (or is not issued)."""
    async with runtime.session() as session:
        document = await session.get(Document, document_id)
        if document is None or document.state != DocumentState.ISSUED.value:
            return None
        targets = await external_targets(session, document)
        package = await _existing(session, document_id) if targets else None
        sender = (
            await session.exec(
                select(AgencyCode.code)
                .where(AgencyCode.agency_id == document.agency_id)
                .order_by(col(AgencyCode.id))
            )
        ).first()
    if not targets or sender is None:
        return None
    if package is None:
        package = _package_row(document, sender, await _build(runtime, document))
    peers = [peer for peer, _codes in targets.values()]
    codes = [code for _peer, found in targets.values() for code in found]
    try:
        async with runtime.transaction() as session:
            if package.id is not None:
                package = await session.merge(package)
            created = await write_outbox(runtime, session, package, peers)
            await sender_transfers(session, document, sender, codes)
    except IntegrityError:
        # A concurrent run recorded the package (or a delivery) first: add what is left.
        async with runtime.transaction() as session:
            found = await _existing(session, document_id)
            assert found is not None
            package = found
            created = await write_outbox(runtime, session, package, peers)
            await sender_transfers(session, document, sender, codes)
    assert package.id is not None
    return Outgoing(package.id, created)
