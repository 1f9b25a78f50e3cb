"""PostgreSQL stops and comes back: requests answer 503 with a sentence a clerk can act on
(an HTML page for pages, JSON for /api/), never a 500 or a traceback; /health says
unavailable; nothing is half-written; after the restart the same request works without
restarting docflow, the audit sequencer chains again and the procrastinate worker runs
the jobs that were waiting.

Runs its own PostgreSQL cluster (``bench.load.pg``) so stopping it disturbs no other test.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from litestar import get
from litestar.testing import AsyncTestClient
from sqlalchemy import exc as sa

from bench.load.pg import PrivatePostgres, private_postgres_available
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.db_outage import is_connection_error
from docflow.core.http.errors import DATABASE_UNAVAILABLE_DETAIL
from docflow.core.jobs.periodic import PeriodicWork
from docflow.core.jobs.types import JOB_TYPES
from docflow.core.jobs.worker import run_worker
from docflow.core.migrate import upgrade
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings
from docflow.web.i18n import CATALOGUE
from tests.integration.documents_support import login, seeded_settings, upload
from tests.integration.test_app_health import local
from tests.integration.test_jobs_queue import Note, note
from tests.pki import tiny_pdf
from tests.services import require

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivatePostgres]:
    require(private_postgres_available(), "initdb/pg_ctl not found (Debian package postgresql)")
    pg = PrivatePostgres(max_connections=50)
    try:
        pg.create()
        yield pg
    finally:
        pg.destroy()


@contextlib.contextmanager
def stopped(pg: PrivatePostgres) -> Iterator[None]:
    """PostgreSQL down (as after a crash) inside the block, started again after it."""
    pg.stop("immediate")
    try:
        yield
    finally:
        pg.start()


async def fresh_database(pg: PrivatePostgres, name: str) -> str:
    admin = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{pg.port}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:{pg.port}/{name}"


async def count(url: str, query: str) -> int:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await conn.fetchval(query))
    finally:
        await conn.close()


async def eventually(check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"not within {seconds} s"
        await asyncio.sleep(0.3)


@pytest.mark.postgres
@pytest.mark.slow
async def test_a_stopped_database_answers_503_and_the_same_upload_works_after_restart(
    cluster: PrivatePostgres, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = await fresh_database(cluster, "outage_app")
    settings = await seeded_settings(url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=60) as client:
        specialist = await login(client, "stttt.specialist")
        before = await count(url, "SELECT count(*) FROM document")

        # Connections broken under the pool (a restart between two requests): at most
        # one request learns it, with a 503; the pool then replaces them all.
        await count(url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         "WHERE pid <> pg_backend_pid() AND datname = current_database()")
        first = await client.get("/api/v1/me", headers=specialist)
        assert first.status_code in (200, 503), first.text
        second = await client.get("/api/v1/me", headers=specialist)
        assert second.status_code == 200, second.text

        with caplog.at_level(logging.WARNING), stopped(cluster):
            refused = await upload(client, specialist, tiny_pdf())
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/json")
            assert refused.json()["detail"] == DATABASE_UNAVAILABLE_DETAIL
            assert "Retry-After" in refused.headers
            for lang in ("vi", "en"):
                client.cookies.set("lang", lang)
                page = await client.get("/", headers=specialist)
                assert page.status_code == 503, page.text
                assert page.headers["content-type"].startswith("text/html")
                assert CATALOGUE[lang]["err.database_unavailable"] in page.text
                assert "Traceback" not in page.text and "asyncpg" not in page.text
            health = await client.get("/health")
            assert health.status_code == 503 and health.json() == {"status": "unavailable"}
        assert "Traceback" not in refused.text and "127.0.0.1" not in refused.text
        assert "database connection refused" in caplog.text  # /health's line, for operators
        assert "unhandled error" not in caplog.text  # no 500 was answered

        created = await upload(client, specialist, tiny_pdf())
        assert created.status_code == 201, created.text

        async def healthy() -> bool:  # each process re-probes at most once a second
            return (await client.get("/health")).status_code == 200

        await eventually(healthy, 15)

        # Nothing half-written: the refused upload left no document; the sequencer
        # survived and chains the new events.
        assert await count(url, "SELECT count(*) FROM document") == before + 1

        async def chained() -> bool:
            return await count(
                url, "SELECT (SELECT count(*) FROM audit_event) - (SELECT count(*) FROM audit_log)"
            ) == 0

        await eventually(chained, 40)


def _raising(exc: Exception) -> object:
    @get("/api/test/outage/raise", sync_to_thread=False, opt={"public": True})
    def route() -> None:
        raise exc

    return route


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (sa.OperationalError("SELECT 1", {}, Exception("server closed the connection")), 503),
        (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"), 503),
        (sa.TimeoutError("QueuePool limit of size 10 overflow 5 reached"), 503),
        (sa.IntegrityError("INSERT", {}, Exception("duplicate key value")), 500),
        (sa.ProgrammingError("SELECT", {}, Exception("column does not exist")), 500),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
async def test_only_connection_errors_answer_503(
    exc: Exception, status: int, tmp_path: Path
) -> None:
    app = create_app(local(tmp_path))
    app.register(_raising(exc))  # type: ignore[arg-type]
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/api/test/outage/raise")
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    if status == 503:
        assert response.json()["detail"] == DATABASE_UNAVAILABLE_DETAIL
    else:
        assert response.json()["detail"].startswith("Something went wrong on the server.")
    assert "Traceback" not in response.text and "SELECT" not in response.text


async def enqueue(runtime: Runtime, job: Note, *, seconds_later: float = 0) -> None:
    """As a request would, tried again (once the pool dropped its dead connections)."""
    run_after = utcnow() + timedelta(seconds=seconds_later) if seconds_later else None
    for attempt in range(3):
        try:
            async with runtime.transaction() as session:
                await runtime.jobs.enqueue(session, job, run_after=run_after)
            return
        except Exception as exc:
            if attempt == 2 or not is_connection_error(exc):
                raise


@pytest.mark.postgres
@pytest.mark.slow
async def test_the_worker_runs_waiting_jobs_after_a_database_restart(
    cluster: PrivatePostgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(JOB_TYPES, Note.kind, Note)
    url = await fresh_database(cluster, "outage_jobs")
    await asyncio.to_thread(upgrade, url)
    settings = Settings.from_env({"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": url})
    runtime = dataclasses.replace(build_runtime(settings), job_handlers={Note: note})
    effects = tmp_path / "effects"

    async def nothing(_: Runtime) -> None:
        return None

    # As deployed: with periodic work, which keeps procrastinate watching its side tasks
    # (the listener, the heartbeat), so their failure stops its worker.
    works = [PeriodicWork("outage_test", 3600, nothing)]
    worker = asyncio.create_task(run_worker(runtime, works, install_signal_handlers=False))

    async def done(*jobs: Note) -> bool:
        async with runtime.session() as session:
            states = [await runtime.jobs.info(session, job.key) for job in jobs]
        return all(info is not None and info.state == "done" for info in states)

    try:
        ready = Note(str(effects), "before")
        await enqueue(runtime, ready)
        await eventually(lambda: done(ready), 20)
        # Due while PostgreSQL is down: run once it is back.
        waiting = Note(str(effects), "due during the outage")
        await enqueue(runtime, waiting, seconds_later=2)
        with stopped(cluster):
            await asyncio.sleep(5)  # the worker's listener, polling and heartbeat fail
        assert not worker.done(), worker
        after = Note(str(effects), "after")
        await enqueue(runtime, after)
        await eventually(lambda: done(waiting, after), 45)
        assert not worker.done(), worker
        assert sorted(effects.read_text().split("\n")) == sorted(
            ["", "before", "due during the outage", "after"]
        )
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        await runtime.dispose()
