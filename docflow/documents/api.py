"""Outgoing documents: drafts, the signer's external signature, issuance, downloads."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Stream

from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput, NotFoundError
from docflow.core.http.bounds import BodyId, QueryId
from docflow.core.http.download import attachment_disposition
from docflow.core.http.json_limits import loads_bounded
from docflow.core.runtime import Runtime
from docflow.documents import documents, issuance, signatures
from docflow.documents import files as document_files
from docflow.documents.api_draft_life import DRAFT_LIFE_HANDLERS
from docflow.documents.draft_request import MAX_ATTACHMENTS
from docflow.documents.jobs import IndexForSearch
from docflow.documents.models import Document
from docflow.documents.upload_key import RepeatedUpload, check_upload_key, earlier_draft
from docflow.documents.views import document_view, download_name

__all__ = ["DOCUMENT_HANDLERS"]

#: Kept for the modules that import it from here (``audit.api_verify``).
_save_upload = document_files.save_upload


@dataclass(frozen=True)
class PrepareRequest:
    certificate_id: BodyId


@dataclass(frozen=True)
class CompleteRequest:
    session_id: str
    #: Base64: ECDSA raw r||s (WebCrypto) or DER, or RSA PKCS#1 v1.5.
    signature: str


@post("/api/v1/documents", tags=["documents"], summary="Upload a draft (multipart file + metadata)")
async def create_document(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    """Parts: ``file`` (the PDF), ``metadata`` (JSON), optional ``attachments`` (PDFs)
    and ``upload_key`` (a nonce: the same key and file again answer with the same draft)."""
    await documents.check_can_draft(db_session, principal)
    form = await request.form()
    upload = form.get("file")
    raw_metadata = form.get("metadata")
    try:
        if not isinstance(upload, UploadFile):
            raise InvalidInput(
                "Send multipart/form-data with a 'file' part (the PDF) and a 'metadata' part."
            )
        if not isinstance(raw_metadata, str):
            raise InvalidInput("The 'metadata' part (JSON text) is missing.")
        metadata = loads_bounded(raw_metadata, "metadata")
        draft = documents.DraftRequest.parse(metadata)
        key = check_upload_key(form.get("upload_key"))
        extra = [v for v in form.getall("attachments", []) if isinstance(v, UploadFile)]
        if len(extra) > MAX_ATTACHMENTS:
            raise InvalidInput(f"At most {MAX_ATTACHMENTS} attachments per document.")
        document = await _draft_once(db_session, principal, runtime, upload, extra, draft, key)
    finally:
        for value in form.values():
            if isinstance(value, UploadFile):
                await value.close()
    return await document_view(db_session, document)


async def _draft_once(
    db_session: AsyncSession,
    principal: Principal,
    runtime: Runtime,
    upload: UploadFile,
    extra: list[UploadFile],
    draft: documents.DraftRequest,
    key: str | None,
) -> Document:
    """The new draft, or the one this upload key already made from the same file."""
    with tempfile.TemporaryDirectory(prefix="docflow-upload-") as tmp:
        path = Path(tmp) / "upload.pdf"
        sha256 = await anyio.to_thread.run_sync(document_files.save_upload, upload, path)
        earlier = await earlier_draft(db_session, principal, key, sha256)
        if earlier is not None:
            return earlier
        attachments = []
        for n, part in enumerate(extra, start=1):
            apath = Path(tmp) / f"attachment-{n}.pdf"
            asha = await anyio.to_thread.run_sync(document_files.save_upload, part, apath)
            attachments.append((part.filename or f"phu-luc-{n}.pdf", apath, asha))
        try:
            document = await documents.create_draft(
                db_session, principal, path, sha256, draft, tuple(attachments),
                store=runtime.store, workers=runtime.signing_pool, upload_key=key,
            )
            assert document.id is not None
            await runtime.jobs.enqueue(db_session, IndexForSearch(document.id))
            return document
        except RepeatedUpload:
            # the concurrent request committed its draft: answer with it, change nothing
            await db_session.rollback()
            earlier = await earlier_draft(db_session, principal, key, sha256)
            if earlier is None:
                raise
            return earlier


@get("/api/v1/documents/{document_id:int}", tags=["documents"], summary="A document")
async def get_document(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    document = await documents.load_readable(db_session, principal, document_id)
    return await document_view(db_session, document)


@get(
    "/api/v1/documents/{document_id:int}/file",
    tags=["documents"],
    summary="The PDF of the latest version (?version=N for an earlier one)",
)
async def get_document_file(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
    version: QueryId = None,
) -> Stream:
    document = await documents.load_readable(db_session, principal, document_id)
    versions = await documents.versions_of(db_session, document_id)
    chosen = (
        versions[-1]
        if version is None
        else next((v for v in versions if v.version == version), None)
    )
    if chosen is None:
        raise NotFoundError(f"Document {document_id} has no version {version}.")
    return Stream(
        await document_files.stream_object(runtime.store, chosen.sha256),
        media_type="application/pdf",
        headers={
            "X-Content-SHA256": chosen.sha256,
            "Content-Length": str(chosen.size),
            "Content-Disposition": attachment_disposition(
                download_name(document, chosen.version, versions[-1].version)
            ),
        },
    )


@get(
    "/api/v1/documents/{document_id:int}/attachments/{position:int}/file",
    tags=["documents"],
    summary="An attachment's PDF (the agency-signed copy once the document is issued)",
)
async def get_attachment_file(
    document_id: FromPath[int],
    position: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> Stream:
    document = await documents.load_readable(db_session, principal, document_id)
    found = [
        a for a in await documents.attachments_of(db_session, document_id) if a.position == position
    ]
    if not found:
        raise NotFoundError(f"Document {document_id} has no attachment {position}.")
    attachment = found[0]
    sha256 = attachment.signed_sha256 or attachment.sha256
    size = attachment.signed_size or attachment.size
    return Stream(
        await document_files.stream_object(runtime.store, sha256),
        media_type="application/pdf",
        headers={
            "X-Content-SHA256": sha256,
            "Content-Length": str(size),
            "Content-Disposition": attachment_disposition(
                download_name(document, 0, 0, part=f"phu-luc-{position}")
            ),
        },
    )


def _signing_ports(runtime: Runtime) -> dict[str, Any]:
    return {"store": runtime.store, "workers": runtime.signing_pool, "config": runtime.signing}


@post(
    "/api/v1/documents/{document_id:int}/signatures/prepare",
    tags=["documents"],
    summary="Prepare the signer's signature: what the client must sign",
    status_code=200,
)
async def prepare_signature(
    document_id: FromPath[int],
    data: JSONBody[PrepareRequest],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    answer = await signatures.prepare_signature(
        db_session, principal, document_id, data.certificate_id, **_signing_ports(runtime)
    )
    return {
        "session_id": answer.session_id,
        "to_be_signed": answer.to_be_signed,
        "algorithm": answer.algorithm,
        "expires_at": answer.expires_at.isoformat(),
    }


@post(
    "/api/v1/documents/{document_id:int}/signatures/complete",
    tags=["documents"],
    summary="Complete the signer's signature with the client's signature value",
    status_code=200,
)
async def complete_signature(
    document_id: FromPath[int],
    data: JSONBody[CompleteRequest],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    document = await signatures.complete_signature(
        db_session, principal, document_id, data.session_id, data.signature,
        **_signing_ports(runtime),
    )
    return await document_view(db_session, document)


@post(
    "/api/v1/documents/{document_id:int}/issue",
    tags=["documents"],
    summary="Issue: number, date and the agency seal (clerk)",
    status_code=200,
)
async def issue_document(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> dict[str, Any]:
    result = await issuance.issue_document(runtime, principal, document_id)
    return {
        "number": result.number,
        "symbol": result.symbol,
        "issued_at": result.issued_at.isoformat(),
    }


DOCUMENT_HANDLERS = [
    create_document,
    get_document,
    get_document_file,
    get_attachment_file,
    prepare_signature,
    complete_signature,
    issue_document,
    *DRAFT_LIFE_HANDLERS,
]
