"""``GET /health``: 200 when the database and the object store answer, else 503.

Anyone may ask (load balancers do), so the answer says only ``ok`` or ``unavailable``;
what failed, with the store's address or path, goes to the server log, and
``docflow serve`` names it before starting.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from docflow.core.health import check_health
from docflow.core.runtime import Runtime

logger = logging.getLogger("docflow.health")


@get("/health", tags=["operations"], summary="Whether the database and the object store answer")
async def health(runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
    report = await check_health(runtime.engine, runtime.store)
    if report.healthy:
        return Response({"status": "ok"}, status_code=HTTP_200_OK)
    logger.warning("health: database %s; objects %s", report.database, report.objects)
    return Response({"status": "unavailable"}, status_code=HTTP_503_SERVICE_UNAVAILABLE)
