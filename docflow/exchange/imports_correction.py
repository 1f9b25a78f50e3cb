"""A received update (business type 2) or replacement (3): a new document that corrects
one received earlier from the same sender, as a local correction does.

The corrected document is the one received earlier from the same ``From`` organ whose
``DocumentId`` is named by ``Bussiness/DocumentId`` for an update (else the first
``ReplacementInfo``, else the package's own ``DocumentId``: an update may keep the
identifier of the document it updates) and by the first
``Bussiness/ReplacementInfoList/ReplacementInfo/DocumentId`` for a replacement (else
``Bussiness/DocumentId``). Unknown: refused (``unknown_document``), nothing written.

The package itself is received as a new document is (``imports_document``): a foreign
``Document``, its files and one incoming transfer (01) per recipient of this deployment.
Then, as ``transfers.corrections`` and dispatch do for a local correction, the document
gets its ``DocumentCorrection`` link and every transfer the business type and the
corrected document, so each recipient sees which document of theirs it updates
("cập nhật") or replaces ("thay thế").
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from docflow.accounts.models_agency import Agency
from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.keys import SigningConfig
from docflow.core.signing_pool import SigningPool
from docflow.documents.models import Document
from docflow.exchange import edxml
from docflow.exchange.imports_document import LocalRecipient, receive_document
from docflow.exchange.imports_recall import earlier_document
from docflow.transfers.models import DocumentCorrection, Transfer
from docflow.transfers.statuses import BusinessType
from storage import ObjectStore

__all__ = ["corrected_identifier", "receive_correction"]


NAMED = "Bussiness/DocumentId"
REPLACED = "Bussiness/ReplacementInfoList/ReplacementInfo/DocumentId"


def corrected_identifier(package: edxml.DocumentPackage) -> tuple[str, str]:
    """The ``DocumentId`` of the document corrected, and the element that named it."""
    business = package.trace.business if package.trace else None
    if business is None:
        return package.document_id or "", "DocumentId"
    named = business.document_id or None
    replaced = business.replacements[0].document_id if business.replacements else None
    order = [(replaced, REPLACED), (named, NAMED)]
    if business.doc_type != int(BusinessType.REPLACE):
        order = [(named, NAMED), (replaced, REPLACED), (package.document_id, "DocumentId")]
    for identifier, where in order:
        if identifier:
            return identifier, where
    return "", order[0][1]


async def _link(
    session: AsyncSession,
    document_id: int,
    corrects: int,
    kind: BusinessType,
    transfer_ids: list[int],
) -> None:
    """The correction link and every new transfer marked, as dispatch marks them."""
    document = await session.get(Document, document_id)
    assert document is not None
    session.add(DocumentCorrection(
        document_id=document_id, corrects_document_id=corrects, business_type=int(kind),
        created_by_id=document.created_by_id,
    ))
    rows = (
        await session.exec(select(Transfer).where(col(Transfer.id).in_(transfer_ids)))
    ).all()
    for transfer in rows:
        transfer.business_type = int(kind)
        transfer.corrects_document_id = corrects
        session.add(transfer)
    await session.flush()


async def receive_correction(
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
) -> tuple[dict[str, Any], int]:
    """The correcting document, linked to the one it corrects (``unknown_document`` when
    that one was never received from this sender)."""
    business = package.trace.business if package.trace else None
    kind = BusinessType(business.doc_type if business and business.doc_type else 0)
    assert kind in (BusinessType.UPDATE, BusinessType.REPLACE)
    identifier, where = corrected_identifier(package)
    corrects = await earlier_document(
        session, package.sender.organ_id, identifier, what="correction", where=where
    )
    result, document_id = await receive_document(
        session, package, sender, recipients, store=store, signing=signing,
        workers=workers, actor=actor, package_sha256=package_sha256,
    )
    await _link(session, document_id, corrects, kind, list(result["transfers"]))
    await record_event(
        session, "document.correction", actor=actor, subject_type="document",
        subject_id=document_id,
        details={"corrects_document_id": corrects, "business_type": int(kind),
                 "edxml_document_id": identifier, "via": "edxml"},
    )
    result.update(business_type=int(kind), corrects_document_id=corrects)
    return result, document_id
