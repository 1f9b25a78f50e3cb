"""A document as its readers see it: the one view of a document, its versions and its
attachments that both the JSON API (``docflow.documents.api``) and the web pages
(``docflow.web.routes``) answer with."""

from __future__ import annotations

from typing import Any

from docflow.accounts.models_user import User
from docflow.core.db import AsyncSession
from docflow.core.http.download import safe_name
from docflow.documents import documents
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.models import Document, DocumentVersion

__all__ = ["document_view", "download_name"]


def download_name(document: Document, version: int, latest: int, part: str = "") -> str:
    """The file name of a download: ``01-QĐ-STTTT.pdf`` for the issued document,
    ``01-QĐ-STTTT-v2.pdf`` for an earlier version of it, ``du-thao-7-v3.pdf`` for a draft;
    ``part`` (``phu-luc-1``) names an attachment of it."""
    stem = safe_name(document.symbol) if document.symbol else f"du-thao-{document.id}"
    if not part and (version != latest or not document.symbol):
        stem += f"-v{version}"
    return f"{stem}-{part}.pdf" if part else f"{stem}.pdf"


def _version_view(v: DocumentVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "sha256": v.sha256,
        "size": v.size,
        "produced_by": v.produced_by,
        "created_at": v.created_at.isoformat(),
    }


async def document_view(session: AsyncSession, document: Document) -> dict[str, Any]:
    """The document as the API answers it and the web pages show it (the caller has
    checked that it may be read)."""
    assert document.id is not None
    signer = await session.get(User, document.signer_id)
    approvers = [await session.get(User, i) for i in document.approver_ids]
    versions = await documents.versions_of(session, document.id)
    kind = DOCUMENT_TYPES[document.document_type]
    attachments = await documents.attachments_of(session, document.id)
    return {
        "id": document.id,
        "state": document.state,
        "document_type": document.document_type,
        "document_type_name": kind.name,
        "subject": document.subject,
        "urgency": document.urgency,
        "confidentiality": document.confidentiality,
        "signer": signer.username if signer else None,
        "approvers": [a.username for a in approvers if a is not None],
        "recipients": document.recipients,
        "drafting_unit": document.drafting_unit,
        "due_at": document.due_at.isoformat() if document.due_at else None,
        "number": document.number,
        "symbol": document.symbol,
        "issued_at": document.issued_at.isoformat() if document.issued_at else None,
        "signed_at": document.signed_at.isoformat() if document.signed_at else None,
        "created_at": document.created_at.isoformat(),
        "versions": [_version_view(v) for v in versions],
        "attachments": [
            {
                "position": a.position,
                "filename": a.filename,
                "sha256": a.signed_sha256 or a.sha256,
                "size": a.signed_size or a.size,
                "signed": a.signed_sha256 is not None,
            }
            for a in attachments
        ],
    }
