"""A draft's life before signing (``docflow.documents.draft_life``): return, resubmit,
withdraw, change details, replace the file; and every document's comment thread and
version history. Refusals: 404 for those who may not read the document, 403 for the
wrong person, 409 (with the reason) when the document's state forbids the action."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
from litestar import Request, get, patch, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.core.runtime import Runtime
from docflow.documents import draft_life, history
from docflow.documents.draft_file import replace_file
from docflow.documents.draft_request import DetailsRequest
from docflow.documents.files import save_upload, working_dir
from docflow.documents.jobs import IndexForSearch
from docflow.documents.views import document_view

__all__ = ["DRAFT_LIFE_HANDLERS"]

BASE = "/api/v1/documents/{document_id:int}"
TAGS = ["documents"]


@dataclass(frozen=True)
class CommentRequest:
    comment: str | None = None


@post(f"{BASE}/return", tags=TAGS, status_code=200,
      summary="Return a draft to its drafter with a comment (the signer or a pending approver)")
async def return_draft(
    document_id: FromPath[int],
    data: JSONBody[CommentRequest],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    document = await draft_life.return_draft(db_session, principal, document_id, data.comment)
    return await document_view(db_session, document)


@post(f"{BASE}/resubmit", tags=TAGS, status_code=200,
      summary="Send a returned draft to be signed again (the drafter; optional comment)")
async def resubmit_draft(
    document_id: FromPath[int],
    data: JSONBody[CommentRequest],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    document = await draft_life.resubmit(db_session, principal, document_id, data.comment)
    return await document_view(db_session, document)


@post(f"{BASE}/withdraw", tags=TAGS, status_code=200,
      summary="Withdraw an unsigned draft (the drafter; optional reason): kept, out of queues")
async def withdraw_draft(
    document_id: FromPath[int],
    data: JSONBody[CommentRequest],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    document = await draft_life.withdraw(db_session, principal, document_id, data.comment)
    return await document_view(db_session, document)


@patch(f"{BASE}/details", tags=TAGS,
       summary="Change an unsigned draft's subject, urgency, due date, recipients or signer")
async def change_details(
    document_id: FromPath[int],
    data: JSONBody[dict[str, Any]],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    request = DetailsRequest.parse(data)
    changed = await draft_life.update_details(db_session, principal, document_id, request)
    if changed:
        await runtime.jobs.enqueue(db_session, IndexForSearch(document_id))
    document = await draft_life.load_for_drafter(
        db_session, principal, document_id, "document.edit"
    )
    return {**await document_view(db_session, document), "changed": changed}


@post(f"{BASE}/file", tags=TAGS, status_code=200,
      summary="Replace an unsigned draft's PDF (multipart 'file'; the drafter)")
async def replace_document_file(
    document_id: FromPath[int],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    # who and which state first: nobody else's upload is read
    document = await draft_life.load_for_drafter(
        db_session, principal, document_id, "document.replace"
    )
    await draft_life.check_unsigned(db_session, document)
    form = await request.form()
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("Send multipart/form-data with a 'file' part (the new PDF).")
        with working_dir() as tmp:
            path = Path(tmp) / "upload.pdf"
            sha256 = await anyio.to_thread.run_sync(save_upload, upload, path)
            await replace_file(db_session, principal, document_id, path, sha256,
                               store=runtime.store, workers=runtime.signing_pool)
    finally:
        for value in form.values():
            if isinstance(value, UploadFile):
                await value.close()
    await runtime.jobs.enqueue(db_session, IndexForSearch(document_id))
    document = await draft_life.load_for_drafter(
        db_session, principal, document_id, "document.replace"
    )
    return await document_view(db_session, document)


@get(f"{BASE}/comments", tags=TAGS, summary="The document's comment thread, oldest first")
async def get_comments(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    return {"items": await history.list_comments(db_session, principal, document_id)}


@post(f"{BASE}/comments", tags=TAGS, status_code=201,
      summary="Add a comment (people of the drafting agency who act on documents)")
async def post_comment(
    document_id: FromPath[int],
    data: JSONBody[CommentRequest],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    row = await history.add_comment(db_session, principal, document_id, data.comment)
    return {"id": row.id, "items": await history.comments_of(db_session, document_id)}


@get(f"{BASE}/versions", tags=TAGS,
     summary="The document's versions: what produced each, who, when, SHA-256, download")
async def get_versions(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    return {"items": await history.list_versions(db_session, principal, document_id)}


DRAFT_LIFE_HANDLERS = [
    return_draft,
    resubmit_draft,
    withdraw_draft,
    change_details,
    replace_document_file,
    get_comments,
    post_comment,
    get_versions,
]
