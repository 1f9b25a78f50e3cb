"""Validation reports: any uploaded PDF, or every version of a document."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from docflow.accounts.permissions import Principal
from docflow.audit.reports import document_reports, validation_moment, verify_file
from docflow.core.errors import InvalidInput
from docflow.core.runtime import Runtime
from docflow.documents.api import _save_upload

__all__ = ["VERIFY_HANDLERS"]


@post(
    "/api/v1/verify",
    tags=["verification"],
    summary="Validate the signatures of an uploaded PDF (multipart 'file'; ?format=etsi for XML)",
    status_code=200,
)
async def verify_upload(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    report_format: Annotated[str | None, QueryParameter(name="format")] = None,
    at: Annotated[
        str | None,
        QueryParameter(description="Validate as of this ISO 8601 date or time (default now)."),
    ] = None,
) -> Response[Any]:
    if report_format not in (None, "json", "etsi"):
        raise InvalidInput("format must be 'json' (default) or 'etsi'.")
    moment = validation_moment(at)
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise InvalidInput("Send multipart/form-data with a 'file' part (the PDF).")
        with tempfile.TemporaryDirectory(prefix="docflow-verify-") as tmp:
            path = Path(tmp) / "upload.pdf"
            await anyio.to_thread.run_sync(_save_upload, upload, path)
            if path.stat().st_size == 0:
                raise InvalidInput("The uploaded file is empty.", code="file_empty")
            answer = await verify_file(runtime, path, etsi=report_format == "etsi", at=moment)
    finally:
        for value in form.values():
            if isinstance(value, UploadFile):
                await value.close()
    if report_format == "etsi":
        return Response(content=answer, media_type="application/xml")
    return Response(content=answer, media_type="application/json")


@get(
    "/api/v1/documents/{document_id:int}/verification",
    tags=["verification"],
    summary="Validation reports of every version of a document",
)
async def document_verification(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    at: Annotated[
        str | None,
        QueryParameter(description="Validate as of this ISO 8601 date or time (default now)."),
    ] = None,
) -> dict[str, Any]:
    moment = validation_moment(at)
    items = await document_reports(runtime, principal, document_id, moment)
    return {"document_id": document_id, "items": items, "validation_time": moment}


VERIFY_HANDLERS = [verify_upload, document_verification]
