"""``GET /health``: 200 when the database and the object store answer, else 503."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from docflow.health import check_health
from docflow.runtime import Runtime


@get("/health", tags=["operations"], summary="Whether the database and the object store answer")
async def health(runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
    report = await check_health(runtime.engine, runtime.store)
    if report.healthy:
        return Response({"status": "ok"}, status_code=HTTP_200_OK)
    return Response(
        {"status": "unavailable", "database": report.database, "objects": report.objects},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
    )
