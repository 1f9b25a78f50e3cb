"""``GET /api/v1/trust/anchors``: the root certificates docflow validates against (PEM),
public, so anyone can check a docflow document in Acrobat, Foxit or ``pdfsig``."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency

from docflow.core.keys import anchor_pems
from docflow.core.runtime import Runtime

__all__ = ["TRUST_HANDLERS"]


@get(
    "/api/v1/trust/anchors",
    tags=["verification"],
    summary="The trusted root certificates (PEM), to import into PDF readers",
    opt={"public": True},
    media_type="application/x-pem-file",
    sync_to_thread=False,
)
def trust_anchors(runtime: NamedDependency[Runtime]) -> Response[bytes]:
    pems = anchor_pems(runtime.signing)
    body = b"".join(p if p.endswith(b"\n") else p + b"\n" for p in pems)
    return Response(
        content=body,
        media_type="application/x-pem-file",
        headers={
            "Content-Disposition": 'attachment; filename="docflow-trust-anchors.pem"',
            "Cache-Control": "public, max-age=3600",
        },
    )


TRUST_HANDLERS = [trust_anchors]
