"""The wired resources of one process: settings, database engine, sessions, object store,
signing workers and the job queue.

``create_app`` builds one and keeps it in ``app.state.runtime``; the CLI and
background jobs build their own with ``Runtime.build(settings)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from docflow.db import AsyncSession, create_engine, create_session_factory
from docflow.jobs.port import JobQueue
from docflow.jobs.table import TableJobQueue
from docflow.objects import open_object_store
from docflow.settings import Settings
from docflow.signing_pool import SigningPool
from storage import ObjectStore

__all__ = ["Runtime"]


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: ObjectStore
    #: Worker processes for signing and validation (started on first use).
    signing_pool: SigningPool = field(default_factory=SigningPool)
    #: Durable background work (the ``job`` table on this database).
    jobs: JobQueue = field(default_factory=TableJobQueue)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Wire everything from ``settings`` without touching the network.

        Raises ``ConfigurationError`` for a bad database URL and
        ``storage.InvalidStorageURL`` for a bad storage URL.
        """
        store = open_object_store(settings.storage_url)
        engine = create_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=create_session_factory(engine),
            store=store,
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session that rolls back whatever was not committed."""
        async with self.sessions() as session:
            yield session

    async def dispose(self) -> None:
        await asyncio.to_thread(self.signing_pool.shutdown)
        await self.engine.dispose()
