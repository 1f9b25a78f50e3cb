"""Corrections: a new document that updates (edXML business type 2: a correcting letter
for an error of form) or replaces (3: an error of substance) an issued one.

The link is set on the new document before it is issued; dispatch carries the business
type and the corrected document to every transfer, so each recipient sees which
document of theirs it corrects.
"""

from __future__ import annotations

from sqlmodel import select

from docflow.accounts.access import deny
from docflow.accounts.permissions import Principal, can_change
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput, NotFoundError
from docflow.documents.models import Document, DocumentState
from docflow.transfers.models import DocumentCorrection
from docflow.transfers.statuses import BusinessType

__all__ = ["BUSINESS_TYPE_NAMES", "correction_of", "mark_correction"]

#: API spelling of the two correcting business types.
BUSINESS_TYPE_NAMES = {"update": BusinessType.UPDATE, "replace": BusinessType.REPLACE}


def _business_type(value: object) -> BusinessType:
    if isinstance(value, str) and value in BUSINESS_TYPE_NAMES:
        return BUSINESS_TYPE_NAMES[value]
    if isinstance(value, int) and value in (BusinessType.UPDATE, BusinessType.REPLACE):
        return BusinessType(value)
    raise InvalidInput("business_type must be 'update' (2) or 'replace' (3).")


async def mark_correction(
    session: AsyncSession,
    principal: Principal,
    document_id: int,
    corrects_document_id: int,
    business_type: object,
) -> DocumentCorrection:
    """Mark draft ``document_id`` as updating/replacing issued ``corrects_document_id``
    of the same agency (anyone of the agency who may change its documents)."""
    kind = _business_type(business_type)
    document = await session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"There is no document {document_id}.")
    if not can_change(principal, document.agency_id):
        await deny(session, principal, action="document.correction",
                   subject_type="document", subject_id=document_id,
                   message=f"There is no document {document_id}."
                   if principal.agency_id != document.agency_id
                   else "An auditor reads but does not change documents.",
                   hide=principal.agency_id != document.agency_id)
    if document.state == DocumentState.ISSUED.value:
        raise ConflictError(
            f"Document {document_id} is already issued; mark a correction before issuing."
        )
    target = await session.get(Document, corrects_document_id)
    if target is None or target.agency_id != document.agency_id:
        raise InvalidInput(
            f"corrects_document_id {corrects_document_id} is not a document of your agency."
        )
    if target.state != DocumentState.ISSUED.value or target.id == document.id:
        raise InvalidInput(f"Document {corrects_document_id} is not an issued document.")
    link = await session.get(DocumentCorrection, document_id)
    if link is None:
        link = DocumentCorrection(
            document_id=document_id, corrects_document_id=corrects_document_id,
            business_type=int(kind), created_by_id=principal.user_id,
        )
    else:
        link.corrects_document_id, link.business_type = corrects_document_id, int(kind)
    session.add(link)
    await record_event(
        session, "document.correction", actor=principal, subject_type="document",
        subject_id=document_id,
        details={"corrects_document_id": corrects_document_id, "business_type": int(kind)},
    )
    return link


async def correction_of(session: AsyncSession, document_id: int) -> DocumentCorrection | None:
    """The correction link of ``document_id``, if it corrects another document."""
    query = select(DocumentCorrection).where(DocumentCorrection.document_id == document_id)
    return (await session.exec(query)).first()
