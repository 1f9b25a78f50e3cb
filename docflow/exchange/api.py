"""Exchange routes: an issued document as a signed edXML package."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import anyio.to_thread
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from docflow.accounts.permissions import Principal
from docflow.core.db import AsyncSession
from docflow.core.runtime import Runtime
from docflow.documents.reading import load_for_issuer_side
from docflow.exchange.export import ascii_filename, document_package, record_export

__all__ = ["EXCHANGE_HANDLERS"]

CHUNK = 1 << 20


async def _stream_then_remove(path: Path) -> AsyncIterator[bytes]:
    try:
        handle = await anyio.to_thread.run_sync(path.open, "rb")
        try:
            while block := await anyio.to_thread.run_sync(handle.read, CHUNK):
                yield block
        finally:
            handle.close()
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


@get(
    "/api/v1/documents/{document_id:int}/edxml",
    tags=["exchange"],
    summary="The issued document as an edXML package signed with the agency seal",
    media_type="application/xml",
)
async def get_document_edxml(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> Stream:
    """For the issuing agency's side only (the document read rule); 409 before issuance."""
    document = await load_for_issuer_side(db_session, principal, document_id, what="edxml")
    fd, name = tempfile.mkstemp(prefix="docflow-edxml-", suffix=".edxml")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            exported = await document_package(
                db_session, document, store=runtime.store, signing=runtime.signing, out=out
            )
        await record_export(db_session, principal, exported)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return Stream(
        _stream_then_remove(path),
        media_type="application/xml",
        headers={
            "X-Content-SHA256": exported.sha256,
            "Content-Length": str(exported.size),
            "Content-Disposition": (
                f'attachment; filename="{ascii_filename(exported.filename)}"; '
                f"filename*=UTF-8''{quote(exported.filename)}"
            ),
        },
    )


EXCHANGE_HANDLERS = [get_document_edxml]
