"""The wired resources of one process: settings, database engine, sessions, object store,
signing set-up (the adapters behind the ports), signing workers and the job queue.

``docflow.bootstrap.build_runtime(settings)`` chooses the adapters and builds one;
``create_app`` keeps it in ``app.state.runtime``; the CLI builds its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from docflow.core.db import AsyncSession, create_engine, create_session_factory, pool_options
from docflow.core.jobs.port import JobQueue
from docflow.core.jobs.table import TableJobQueue
from docflow.core.keys import SigningConfig
from docflow.core.objects import open_object_store
from docflow.core.ports import CertificateIssuer
from docflow.core.settings import Settings
from docflow.core.signing_pool import SigningPool
from storage import ObjectStore

#: ``handler(runtime, job)``: what one job type does (``docflow.core.jobs.runner.Handler``).
JobHandler = Callable[..., Awaitable[None]]

__all__ = ["Runtime"]


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: ObjectStore
    #: Seal keys, time-stamping authority, trust and the seal's level.
    signing: SigningConfig
    #: Issues personal certificates for CSRs (the dev CAs); None in production.
    certificate_issuer: CertificateIssuer | None = None
    #: What each job type does (``docflow.bootstrap`` gathers them from the features).
    job_handlers: Mapping[type[Any], JobHandler] = field(default_factory=dict)
    #: Worker processes for signing and validation (started on first use).
    signing_pool: SigningPool = field(default_factory=SigningPool)
    #: Durable background work (the ``job`` table on this database).
    jobs: JobQueue = field(default_factory=TableJobQueue)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        signing: SigningConfig,
        certificate_issuer: CertificateIssuer | None = None,
        job_handlers: Mapping[type[Any], JobHandler] | None = None,
    ) -> Runtime:
        """Wire the database and store of ``settings`` with the given adapters, without
        touching the network.

        Raises ``ConfigurationError`` for a bad database URL and
        ``storage.InvalidStorageURL`` for a bad storage URL.
        """
        store = open_object_store(settings.storage_url)
        engine = create_engine(settings.database_url, **pool_options(settings))
        return cls(
            settings=settings,
            engine=engine,
            sessions=create_session_factory(engine),
            store=store,
            signing=signing,
            certificate_issuer=certificate_issuer,
            job_handlers=dict(job_handlers or {}),
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session to read with: whatever it changed is rolled back at the end."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends normally, rolled back when
        it raises. Callers (controllers, jobs, commands, flows) open it; services
        receive the session and never commit."""
        async with self.sessions() as session:
            yield session
            await session.commit()

    async def dispose(self) -> None:
        await asyncio.to_thread(self.signing_pool.shutdown)
        await self.engine.dispose()
