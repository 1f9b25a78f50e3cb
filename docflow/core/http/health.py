"""``GET /health``: 200 when the database and the object store answer, else 503.

Anyone may ask (load balancers do), so the answer says only ``ok`` or ``unavailable``;
what failed, with the store's address or path, goes to the server log, and
``docflow serve`` names it before starting.

Each process (every ``serve`` worker) probes for itself, but at most once per
``HEALTH_REUSE_SECONDS``: requests meanwhile share the probe under way or its answer, so
a busy balancer or a monitoring burst costs one database ping and one store check, not
one each (those took a pooled connection and a thread per request).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from docflow.core.health import HealthReport, check_health
from docflow.core.runtime import Runtime

logger = logging.getLogger("docflow.health")

#: How long one probe's answer is given to later requests of the same process.
HEALTH_REUSE_SECONDS = 1.0


class _SharedProbe:
    def __init__(self) -> None:
        self.answered_at = float("-inf")
        self.report: HealthReport | None = None
        self.pending: asyncio.Task[HealthReport] | None = None

    async def report_for(self, runtime: Runtime) -> HealthReport:
        if self.report is not None and time.monotonic() - self.answered_at < HEALTH_REUSE_SECONDS:
            return self.report
        if self.pending is None:
            self.pending = asyncio.create_task(self._probe(runtime))
        return await asyncio.shield(self.pending)

    async def _probe(self, runtime: Runtime) -> HealthReport:
        try:
            report = await check_health(runtime.engine, runtime.store)
            self.report, self.answered_at = report, time.monotonic()
            return report
        finally:
            self.pending = None


_probes: weakref.WeakKeyDictionary[Any, _SharedProbe] = weakref.WeakKeyDictionary()


@get("/health", tags=["operations"], summary="Whether the database and the object store answer")
async def health(runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
    probe = _probes.get(runtime.engine)
    if probe is None:
        probe = _probes[runtime.engine] = _SharedProbe()
    report = await probe.report_for(runtime)
    if report.healthy:
        return Response({"status": "ok"}, status_code=HTTP_200_OK)
    logger.warning("health: database %s; objects %s", report.database, report.objects)
    return Response({"status": "unavailable"}, status_code=HTTP_503_SERVICE_UNAVAILABLE)
