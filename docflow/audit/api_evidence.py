"""``GET /api/v1/documents/{id}/evidence``: the document's evidence bundle (zip)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from docflow.accounts.permissions import Principal
from docflow.audit.bundle import build_bundle
from docflow.core.runtime import Runtime

__all__ = ["EVIDENCE_HANDLERS"]


async def _stream_and_remove(path: Path, workdir: Path) -> AsyncIterator[bytes]:
    try:
        with open(path, "rb") as fh:
            while chunk := await anyio.to_thread.run_sync(fh.read, 1 << 20):
                yield chunk
    finally:
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(workdir, ignore_errors=True))


@get(
    "/api/v1/documents/{document_id:int}/evidence",
    tags=["audit"],
    summary="Evidence bundle: versions, reports, chained events, signed checkpoint, trust data",
)
async def document_evidence(
    document_id: FromPath[int],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
) -> Stream:
    workdir = Path(tempfile.mkdtemp(prefix="docflow-evidence-"))
    try:
        target = await build_bundle(
            runtime, principal, document_id, workdir / "bundle.zip", workdir
        )
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return Stream(
        _stream_and_remove(target, workdir),
        media_type="application/zip",
        headers={
            "Content-Length": str(target.stat().st_size),
            "Content-Disposition": f'attachment; filename="evidence-document-{document_id}.zip"',
        },
    )


EVIDENCE_HANDLERS = [document_evidence]
