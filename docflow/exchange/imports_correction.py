"""A received update (business type 2) or replacement (3): a new document that corrects
one received earlier from the same sender, as a local correction does.

The corrected document is the one received earlier from the same ``From`` organ whose
``DocumentId`` is named by ``Bussiness/DocumentId`` for an update (else the first
``ReplacementInfo``, else the package's own ``DocumentId``: an update may keep the
identifier of the document it updates) and by the first
``Bussiness/ReplacementInfoList/ReplacementInfo/DocumentId`` for a replacement (else
``Bussiness/DocumentId``). Unknown: refused (``unknown_document``), nothing written.

``corrected_document`` finds it before anything is written; the package itself is then
received as a new document is (``imports.receive_package`` calls
``imports_document.receive_document``): a foreign ``Document``, its files and one
incoming transfer (01) per recipient of this deployment. Then ``link_correction``, as
``transfers.corrections`` and dispatch do for a local correction, gives the document its
``DocumentCorrection`` link and every transfer the business type and the corrected
document, so each recipient sees which document of theirs it updates ("cập nhật") or
replaces ("thay thế").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.documents.models import Document
from docflow.exchange import edxml
from docflow.exchange.imports_recall import earlier_document
from docflow.transfers.models import DocumentCorrection, Transfer
from docflow.transfers.statuses import BusinessType

__all__ = ["Correction", "corrected_document", "corrected_identifier", "link_correction"]


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


@dataclass(frozen=True)
class Correction:
    """What a correcting package corrects: the document id here, and how it was named."""

    kind: BusinessType
    corrects_document_id: int
    edxml_document_id: str


async def corrected_document(
    session: AsyncSession, package: edxml.DocumentPackage
) -> Correction | None:
    """For an update or a replacement, the document it corrects (``unknown_document``,
    422, when that one was never received from this sender); None for other packages."""
    business = package.trace.business if package.trace else None
    kind = business.doc_type if business else None
    if kind not in (BusinessType.UPDATE, BusinessType.REPLACE):
        return None
    identifier, where = corrected_identifier(package)
    corrects = await earlier_document(
        session, package.sender.organ_id, identifier, what="correction", where=where
    )
    return Correction(BusinessType(kind), corrects, identifier)


async def link_correction(
    session: AsyncSession,
    correction: Correction,
    document_id: int,
    result: dict[str, Any],
    actor: Principal | None,
) -> None:
    """The received document's correction link, its transfers marked as dispatch marks
    a local correction's, the ``document.correction`` event, and ``result`` told."""
    kind, corrects = correction.kind, correction.corrects_document_id
    document = await session.get(Document, document_id)
    assert document is not None
    session.add(DocumentCorrection(
        document_id=document_id, corrects_document_id=corrects, business_type=int(kind),
        created_by_id=document.created_by_id,
    ))
    transfer_ids = list(result["transfers"])
    rows = (
        await session.exec(select(Transfer).where(col(Transfer.id).in_(transfer_ids)))
    ).all()
    for transfer in rows:
        transfer.business_type = int(kind)
        transfer.corrects_document_id = corrects
        session.add(transfer)
    await session.flush()
    await record_event(
        session, "document.correction", actor=actor, subject_type="document",
        subject_id=document_id,
        details={"corrects_document_id": corrects, "business_type": int(kind),
                 "edxml_document_id": correction.edxml_document_id, "via": "edxml"},
    )
    result.update(business_type=int(kind), corrects_document_id=corrects)
