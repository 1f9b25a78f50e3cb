"""The composition root: ``create_app(settings)`` wires everything the service uses."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import anyio.to_thread
from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncEngine

import signing
from docflow import __version__
from docflow.accounts.api_auth import AUTH_HANDLERS, provide_principal, require_sign_in
from docflow.accounts.api_certificates import CERTIFICATE_HANDLERS
from docflow.accounts.api_directory import DIRECTORY_HANDLERS
from docflow.accounts.api_user_admin import USER_ADMIN_HANDLERS
from docflow.accounts.api_users import USER_HANDLERS
from docflow.audit.api import AUDIT_HANDLERS
from docflow.audit.api_evidence import EVIDENCE_HANDLERS
from docflow.audit.api_trust import TRUST_HANDLERS
from docflow.audit.api_verify import VERIFY_HANDLERS
from docflow.bootstrap import build_runtime, dev_routes
from docflow.core.db import create_engine, create_session_factory
from docflow.core.http.bounds import bound_path_ids
from docflow.core.http.client_address import ClientAddressMiddleware
from docflow.core.http.dependencies import DEPENDENCIES, ReleaseRequestSession
from docflow.core.http.errors import EXCEPTION_HANDLERS
from docflow.core.http.health import health
from docflow.core.http.json_limits import JsonBodyLimits
from docflow.core.http.openapi_errors import document_error_responses
from docflow.core.http.request_id import RequestIdMiddleware
from docflow.core.http.security_headers import SecurityHeadersMiddleware
from docflow.core.http.workers import runs_background
from docflow.core.log import install_request_id_factory
from docflow.core.objects import describe_store_error
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings, proxy_networks
from docflow.core.warm_up import schedule_warm_up, stop_warm_up
from docflow.dashboard.api import DASHBOARD_HANDLERS
from docflow.documents.api import DOCUMENT_HANDLERS
from docflow.documents.api_registers import REGISTER_HANDLERS
from docflow.exchange.api import EXCHANGE_HANDLERS
from docflow.exchange.api_deliveries import DELIVERY_HANDLERS
from docflow.exchange.api_directory import EXCHANGE_DIRECTORY_HANDLERS
from docflow.notifications.api import NOTIFICATION_HANDLERS
from docflow.search.api import SEARCH_HANDLERS
from docflow.transfers.api import TRANSFER_HANDLERS
from docflow.transfers.api_inbox import INBOX_HANDLERS
from docflow.transfers.api_register import INCOMING_REGISTER_HANDLERS
from docflow.web import TEMPLATE_CONFIG, WEB_HANDLERS
from docflow.web.error_pages import with_error_pages

__all__ = ["ROUTE_HANDLERS", "create_app", "freeze_startup_heap"]

#: Every feature's HTTP routes; a new feature adds its handlers here.
ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    health,
    *AUTH_HANDLERS,
    *DIRECTORY_HANDLERS,
    *USER_HANDLERS,
    *USER_ADMIN_HANDLERS,
    *CERTIFICATE_HANDLERS,
    *DOCUMENT_HANDLERS,
    *REGISTER_HANDLERS,
    *EXCHANGE_HANDLERS,
    *DELIVERY_HANDLERS,
    *EXCHANGE_DIRECTORY_HANDLERS,
    *INBOX_HANDLERS,
    *TRANSFER_HANDLERS,
    *INCOMING_REGISTER_HANDLERS,
    *DASHBOARD_HANDLERS,
    *SEARCH_HANDLERS,
    *AUDIT_HANDLERS,
    *VERIFY_HANDLERS,
    *EVIDENCE_HANDLERS,
    *TRUST_HANDLERS,
    *NOTIFICATION_HANDLERS,
]


logger = logging.getLogger("docflow.app")


_heap_frozen = False


def freeze_startup_heap() -> None:
    """Once per process, after start-up: collect, then move every object alive now (modules,
    the app, SQLAlchemy's and Litestar's structures) out of the cyclic GC's sight
    (``gc.freeze``). Otherwise each full collection walks those hundreds of thousands of
    long-lived objects while requests wait: under load that was the slowest 1 % of
    requests (p99 ~100+ ms against ~40 ms with it)."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


def _small_pool(database_url: str) -> dict[str, int]:
    return {"pool_size": 1, "max_overflow": 1} if database_url.startswith("postgresql") else {}


#: How long the shutdown waits for background work in hand (a stamp, a delivery, a
#: checkpoint) before it cancels it; a job cut off is run again once its lease expires.
STOP_GRACE_SECONDS = 20.0


class _Lifecycle:
    """What the app starts after start-up and stops at shutdown: the local store's
    directories, the scheduler of periodic work and the job runner."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.background: list[asyncio.Task[None]] = []
        self.runner_engine: list[AsyncEngine] = []
        # Set at shutdown: the loops stop between two pieces of work, never inside one.
        self.stop = asyncio.Event()

    async def prepare_local_store(self) -> None:
        # A local store creates its directories; a remote one is checked by `serve`.
        if self.settings.storage_url.startswith("file:"):
            try:
                await anyio.to_thread.run_sync(self.runtime.store.ensure_ready)
            except Exception as exc:  # noqa: BLE001 - edge: reported by /health, not fatal
                logger.warning("object store not ready: %s", describe_store_error(exc))

    async def start_periodic_work(self) -> None:
        # Audit checkpoints and archive renewals: once per period across all processes.
        # On procrastinate the worker defers them (`docflow worker`, or the in-process one
        # below); on the table backend this process's scheduler enqueues each period's
        # job, which the job key makes one job however many processes do.
        if self.settings.job_backend != "table":
            return
        from docflow.bootstrap import periodic_work
        from docflow.core.jobs.periodic import run_schedule

        works = periodic_work(self.settings)
        schedule = run_schedule(self.runtime, works, stop=self.stop)
        self.background.append(asyncio.create_task(schedule))

    async def start_audit_sequencer(self) -> None:
        # Chains the events appends inserted (docflow.audit.sequencer); checkpoints,
        # verification and bundles also sequence before they read the log. Safe in
        # several processes at once (one works at a time); `docflow worker` runs it too.
        if self.settings.audit_sequence_seconds > 0:
            from docflow.audit.sequencer import start_sequencer

            seconds = self.settings.audit_sequence_seconds
            self.background.append(start_sequencer(self.runtime, seconds, self.stop))

    async def start_job_runner(self) -> None:
        # Runs due jobs (stamps, deliveries, periodic work) in this process: always on the
        # table backend (SQLite); on PostgreSQL only when asked (DOCFLOW_SERVE_WITH_WORKER),
        # otherwise `docflow worker` processes do.
        if self.settings.job_backend == "procrastinate":
            if self.settings.serve_with_worker:
                from docflow.bootstrap import periodic_work
                from docflow.core.jobs.worker import run_worker

                works = periodic_work(self.settings)
                worker = run_worker(
                    self.runtime, works, install_signal_handlers=False, stop=self.stop
                )
                self.background.append(asyncio.create_task(worker))
            return
        # A job it held is claimed again once its lease expires. Its polling has a
        # connection of its own: it never waits for, or holds, a request's.
        from docflow.core.jobs.runner import JobRunner

        url = self.settings.database_url
        engine = create_engine(url, **_small_pool(url))
        self.runner_engine.append(engine)
        runner = JobRunner(
            self.runtime,
            sessions=create_session_factory(engine),
            poll_seconds=self.runtime.settings.job_poll_seconds,
        )
        self.background.append(asyncio.create_task(runner.run_forever(self.stop)))

    async def dispose(self) -> None:
        await stop_warm_up()  # a start-up nicety, never worth waiting for at the end
        # Then ask the loops to stop: an idle one ends at once, a busy one after the job
        # or batch in hand. Cancelled mid-write, a task's SQLite connection could keep
        # its transaction, and the database's one write lock, past the engine's end.
        self.stop.set()
        if self.background:
            await asyncio.wait(self.background, timeout=STOP_GRACE_SECONDS)
        for task in self.background:
            task.cancel()
        # Let each task finish its clean-up (a session's rollback on its connection)
        # before the engines go: a task cancelled mid-statement whose connection was
        # disposed under it would wait forever and hang the shutdown.
        if self.background:
            await asyncio.wait(self.background, timeout=30)
        for engine in self.runner_engine:
            await engine.dispose()
        await self.runtime.dispose()


async def app_guard(request: Request[Any, Any, Any]) -> None:
    """Every route's guard, run as the app's ``before_request`` hook (before the route's
    query, path and body are parsed): a live session for ``/api/`` (so an unsigned caller
    learns nothing but 401), then path ids within the database's range.

    A hook, not Litestar ``guards``: Litestar copies the route handler for every guard of
    every request, and runs a guard written as a plain function in a thread (with two
    guards that was most of ``/health``'s time). No route may set a ``before_request`` of
    its own, which would replace this one (``tests/unit/test_app_guard.py``)."""
    handler = request.route_handler
    await require_sign_in(request, handler)
    bound_path_ids(request, handler)


def _with_middleware(app: Litestar, settings: Settings) -> None:
    # Outermost first: the client's address is settled before anything reads it, and
    # every response (errors, static files) leaves with the browser protections.
    app.asgi_handler = ClientAddressMiddleware(
        SecurityHeadersMiddleware(
            RequestIdMiddleware(
                JsonBodyLimits(ReleaseRequestSession(app.asgi_handler)),
                access_log_sample=settings.access_log_sample,
            ),
            https=settings.is_https,
        ),
        proxy_networks(settings.trusted_proxies),
    )


def create_app(settings: Settings | None = None) -> Litestar:
    """The docflow application for ``settings`` (default: from the environment).

    Touches no network: an unreachable database or store shows in ``/health``
    (and ``docflow serve`` checks both before it starts). ``app.state.runtime``
    holds the ``Runtime`` (settings, engine, session factory, store). Raises
    ``ConfigurationError`` for production settings that must not run.
    """
    settings = settings or Settings.from_env()
    # Also here, not only in the CLI: `uvicorn --factory docflow.app:create_app` must refuse too.
    settings.validate_for_production()
    install_request_id_factory()
    # Before any request: pyHanko imported for the first time by two threads at once
    # fails (signing._preload), and a fresh process's first requests do just that.
    signing.preload()
    runtime = build_runtime(settings)
    lifecycle = _Lifecycle(runtime)
    route_handlers: list[ControllerRouterHandler] = [
        *ROUTE_HANDLERS,
        *WEB_HANDLERS,
        *dev_routes(settings),
    ]
    app = Litestar(
        route_handlers=route_handlers,
        dependencies={**DEPENDENCIES, "principal": Provide(provide_principal)},
        # Every /api/ route needs a live session (login is marked public); every path id
        # is in range (app_guard, before anything is parsed).
        before_request=app_guard,
        # JSON under /api/; a page in the site's frame anywhere else.
        exception_handlers=with_error_pages(EXCEPTION_HANDLERS),
        template_config=TEMPLATE_CONFIG,
        state=State({"runtime": runtime, "settings": settings}),
        on_startup=[
            lifecycle.prepare_local_store,
            # Once per `docflow serve`, never per worker process (core.http.workers).
            *(
                [
                    lifecycle.start_audit_sequencer,
                    lifecycle.start_periodic_work,
                    lifecycle.start_job_runner,
                ]
                if runs_background(settings)
                else []
            ),
            freeze_startup_heap,
            # DOCFLOW_WARM_UP (on for `docflow serve`): signing workers and the dev PKI
            # warmed in the background; returns at once (core.warm_up).
            schedule_warm_up(runtime),
        ],
        on_shutdown=[lifecycle.dispose],
        openapi_config=OpenAPIConfig(title="docflow", version=__version__, path="/schema"),
        request_max_body_size=settings.max_upload_bytes,
        logging_config=None,
        debug=False,
    )
    document_error_responses(app)
    _with_middleware(app, settings)
    return app
