"""Whether docflow can serve: the database and the object store both answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import anyio
from sqlalchemy.ext.asyncio import AsyncEngine

from docflow.core.db import describe_error, ping_database
from docflow.core.objects import describe_store_error, ping_store
from storage import ObjectStore

__all__ = ["HealthReport", "check_health"]

OK = "ok"

logger = logging.getLogger("docflow.health")


@dataclass(frozen=True)
class HealthReport:
    """``"ok"`` or a one-line reason, per dependency."""

    database: str
    objects: str

    @property
    def healthy(self) -> bool:
        return self.database == OK and self.objects == OK


async def check_health(engine: AsyncEngine, store: ObjectStore) -> HealthReport:
    """Probe the database and the store concurrently; never raises."""
    results: dict[str, str] = {}

    async def database() -> None:
        try:
            await ping_database(engine)
            results["database"] = OK
        except Exception as exc:  # noqa: BLE001 - edge: a probe; any failure is the answer
            results["database"] = describe_error(exc)
            logger.warning("health: database unavailable: %s", results["database"])

    async def objects() -> None:
        try:
            await ping_store(store)
            results["objects"] = OK
        except Exception as exc:  # noqa: BLE001 - edge: a probe; any failure is the answer
            results["objects"] = describe_store_error(exc)
            logger.warning("health: object store unavailable: %s", results["objects"])

    async with anyio.create_task_group() as tg:
        tg.start_soon(database)
        tg.start_soon(objects)
    return HealthReport(database=results["database"], objects=results["objects"])
