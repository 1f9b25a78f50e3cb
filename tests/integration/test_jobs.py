"""The durable job queue on SQLite and PostgreSQL: idempotent enqueue, one claim per job
under concurrency, retries with back-off up to a limit, leases that outlive a process
killed with ``kill -9``; and the work that used to be lost after its transaction (the
incoming stamp on a read-only store) retried until done and visible while pending."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.jobs.models import JobRow
from docflow.core.jobs.runner import Backoff, JobRunner
from docflow.core.jobs.types import JOB_TYPES, Job
from docflow.core.migrate import upgrade
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings
from docflow.transfers.jobs import StampIncoming
from docflow.transfers.routing import dispatch_document
from storage import StoreUnavailable
from tests.integration.documents_support import login, seeded_settings
from tests.integration.routing_support import STC, issue_directly


@dataclass(frozen=True)
class Touch(Job):
    """A test job: appends its ``mark`` to a file (so runs can be counted)."""

    kind: ClassVar[str] = "test.touch"
    max_attempts: ClassVar[int] = 3
    path: str
    mark: str


@pytest.fixture(autouse=True)
def _register_touch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(JOB_TYPES, Touch.kind, Touch)


async def touch(runtime: Runtime, job: Touch) -> None:
    with open(job.path, "a") as out:
        out.write(job.mark + "\n")


async def always_fails(runtime: Runtime, job: Touch) -> None:
    raise OSError("the TSA did not answer")


async def _runtime(database_url: str, tmp_path: Path) -> Runtime:
    await asyncio.to_thread(upgrade, database_url)
    # These tests read and age the `job` table itself: the table backend on both
    # databases (procrastinate's queue: tests/integration/test_jobs_queue.py).
    return build_runtime(
        Settings.from_env(
            {
                "DOCFLOW_DATA_DIR": str(tmp_path),
                "DOCFLOW_DATABASE_URL": database_url,
                "DOCFLOW_JOB_BACKEND": "table",
            }
        )
    )


async def _enqueue(runtime: Runtime, *jobs: Job) -> None:
    async with runtime.session() as session:
        for job in jobs:
            await runtime.jobs.enqueue(session, job)
        await session.commit()


async def _rows(runtime: Runtime) -> list[Any]:
    async with runtime.session() as session:
        return list((await session.exec(JobRow.__table__.select())).all())  # type: ignore[attr-defined,call-overload]


async def test_enqueue_is_idempotent_and_done_work_runs_again_when_asked(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _runtime(database_url, tmp_path)
    log = tmp_path / "runs.txt"
    job = Touch(str(log), "a")
    try:
        await _enqueue(runtime, job, job)
        await _enqueue(runtime, job)
        assert len(await _rows(runtime)) == 1
        runner = JobRunner(runtime, handlers={Touch: touch})
        assert await runner.run_until_idle() == 1
        await _enqueue(runtime, job)  # done work asked again: runs again, same row
        assert await runner.run_until_idle() == 1
        rows = await _rows(runtime)
        assert len(rows) == 1 and rows[0].state == "done"
        assert log.read_text().split() == ["a", "a"]
    finally:
        await runtime.dispose()


async def test_concurrent_runners_run_each_job_once(database_url: str, tmp_path: Path) -> None:
    runtime = await _runtime(database_url, tmp_path)
    log = tmp_path / "runs.txt"
    try:
        await _enqueue(runtime, *(Touch(str(log), f"job{n}") for n in range(24)))
        runners = [JobRunner(runtime, handlers={Touch: touch}) for _ in range(4)]
        counts = await asyncio.gather(*(r.run_until_idle() for r in runners))
        assert sum(counts) == 24
        assert sorted(log.read_text().split()) == sorted(f"job{n}" for n in range(24))
        assert {r.state for r in await _rows(runtime)} == {"done"}
    finally:
        await runtime.dispose()


async def test_failures_are_retried_with_backoff_then_marked_failed(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _runtime(database_url, tmp_path)
    try:
        await _enqueue(runtime, Touch(str(tmp_path / "x"), "b"))
        runner = JobRunner(runtime, handlers={Touch: always_fails})
        assert await runner.run_one()
        (row,) = await _rows(runtime)
        assert row.state == "pending" and row.attempts == 1
        assert row.run_after > utcnow()  # backed off: not due again at once
        assert not await runner.run_one()
        fast = JobRunner(runtime, handlers={Touch: always_fails}, backoff=Backoff(0.0, 0.0))
        await _make_due(runtime)
        assert await fast.run_until_idle() == 2
        (row,) = await _rows(runtime)
        assert row.state == "failed" and row.attempts == Touch.max_attempts
        assert "the TSA did not answer" in row.last_error
    finally:
        await runtime.dispose()


async def _until_finished(runtime: Runtime) -> None:
    for _ in range(300):
        if all(r.state in ("done", "failed") for r in await _rows(runtime)):
            return
        await asyncio.sleep(0.1)


async def _make_due(runtime: Runtime, **values: Any) -> None:
    """What waiting does: the back-off (or a lease) is over."""
    async with runtime.session() as session:
        table = JobRow.__table__  # type: ignore[attr-defined]
        await session.exec(update(table).values(run_after=utcnow(), **values))  # type: ignore[call-overload]
        await session.commit()


_HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from docflow.bootstrap import build_runtime
    from docflow.core.jobs.runner import JobRunner
    from docflow.core.jobs.types import JOB_TYPES
    from docflow.core.settings import Settings
    from tests.integration.test_jobs import Touch

    JOB_TYPES[Touch.kind] = Touch

    async def hold(runtime, job):
        print("claimed", flush=True)
        await asyncio.sleep(3600)

    async def main():
        settings = Settings.from_env({"DOCFLOW_DATA_DIR": sys.argv[2],
                                      "DOCFLOW_DATABASE_URL": sys.argv[1],
                                      "DOCFLOW_JOB_BACKEND": "table"})
        await JobRunner(build_runtime(settings), handlers={Touch: hold}).run_one()

    asyncio.run(main())
    """
)


async def test_a_job_whose_process_was_killed_runs_again_after_its_lease(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _runtime(database_url, tmp_path)
    log = tmp_path / "runs.txt"
    repo = Path(__file__).resolve().parents[2]
    try:
        await _enqueue(runtime, Touch(str(log), "survived"))
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, database_url, str(tmp_path)],
            cwd=repo, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(repo)},
        )
        assert holder.stdout is not None
        assert (await asyncio.to_thread(holder.stdout.readline)).strip() == b"claimed"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        (row,) = await _rows(runtime)
        assert row.state == "running" and row.locked_by  # still held by the dead process
        runner = JobRunner(runtime, handlers={Touch: touch})
        assert not await runner.run_one()  # its lease has not expired: nobody takes it
        await _make_due(runtime, lease_until=utcnow())
        assert await runner.run_one()
        (row,) = await _rows(runtime)
        assert row.state == "done" and row.attempts == 2
        assert log.read_text().split() == ["survived"]
    finally:
        await runtime.dispose()


class ReadOnlyStore:
    """The real store, refusing writes as a read-only volume or bucket policy would."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def put_file(self, *args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailable("the object store is read-only (Read-only file system)")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


async def test_the_incoming_stamp_is_retried_until_done_and_shows_while_pending(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path, DOCFLOW_JOB_BACKEND="table")
    app = create_app(settings)
    served: Runtime = app.state.runtime  # the app's (its connections live in its loop)
    runtime = build_runtime(settings)  # this test's own, for direct calls
    async with AsyncTestClient(app=app) as client:
        doc_id = await issue_directly(runtime, "STTTT", [STC])
        (transfer_id,) = (await dispatch_document(runtime, doc_id)).created
        clerk = await login(client, "stc.clerk")
        real_store = served.store
        object.__setattr__(served, "store", ReadOnlyStore(real_store))
        accepted = await client.post(f"/api/v1/transfers/{transfer_id}/accept", headers=clerk)
        assert accepted.status_code == 200, accepted.text
        body = accepted.json()
        assert body["incoming_number"] == 1 and body["stamped"] is False
        assert body["stamp"]["state"] == "pending" and body["stamp"]["attempts"] == 1
        assert "read-only" in body["stamp"]["last_error"]
        assert body["stamp"]["next_attempt_at"]

        object.__setattr__(served, "store", real_store)  # the volume is writable again
        await _make_due(runtime)
        # This runner or the app's own background one (whichever claims it first).
        await JobRunner(runtime).run_until_idle()
        await _until_finished(runtime)
        after = (await client.get(f"/api/v1/transfers/{transfer_id}", headers=clerk)).json()
        assert after["stamped"] is True
        assert after["stamp"]["state"] == "done"
        stamped = await client.get(f"/api/v1/transfers/{transfer_id}/file", headers=clerk)
        assert stamped.status_code == 200 and "stamped" in stamped.headers["content-disposition"]
    await runtime.dispose()


async def test_a_delivery_enqueued_by_issuance_is_visible_on_the_document(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    async with AsyncTestClient(app=create_app(settings)) as client:
        leader = await login(client, "stttt.leader")
        doc_id = await issue_directly(runtime, "STTTT", [STC])
        async with runtime.session() as session:
            await runtime.jobs.enqueue(session, _deliver(doc_id))
            await session.commit()
        pending = (await client.get(f"/api/v1/documents/{doc_id}/transfers", headers=leader)).json()
        assert pending["delivery"]["state"] == "pending" and pending["items"] == []
        await JobRunner(runtime).run_until_idle()
        await _until_finished(runtime)
        done = (await client.get(f"/api/v1/documents/{doc_id}/transfers", headers=leader)).json()
        assert done["delivery"]["state"] == "done" and len(done["items"]) == 1
    await runtime.dispose()


def _deliver(document_id: int) -> Job:
    from docflow.documents.jobs import DeliverDocument

    return DeliverDocument(document_id)


def test_job_types_are_plain_data_with_a_stable_key() -> None:
    job = StampIncoming(42)
    assert job.key == "transfer.stamp_incoming:42"
    assert JOB_TYPES[job.kind](**job.payload()) == job


async def test_a_shutdown_lets_the_job_in_hand_finish_and_leaves_sqlite_writable(
    tmp_path: Path,
) -> None:
    # Cancelled mid-job, a stamp or delivery stayed "running" until its lease expired
    # (two minutes late after every restart), and a task cut off inside a write could
    # keep SQLite's one write lock past the app's end ("database is locked" for the next
    # process). The shutdown now waits for the job in hand.
    url = f"sqlite+aiosqlite:///{tmp_path / 'docflow.db'}"
    runtime = await _runtime(url, tmp_path)
    log, started = tmp_path / "runs.txt", tmp_path / "started"
    await _enqueue(runtime, Touch(str(log), "finished"))
    await runtime.dispose()

    async def slow_touch(runtime: Runtime, job: Touch) -> None:
        async with runtime.session() as session:
            await session.exec(update(JobRow).values(attempts=JobRow.attempts))  # type: ignore[call-overload]
            started.touch()
            await asyncio.sleep(1.0)  # the write transaction open while shutdown begins
            await session.commit()
        await touch(runtime, job)

    settings = Settings.from_env(
        {"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": url,
         "DOCFLOW_JOB_POLL_SECONDS": "0.05"}
    )
    app = create_app(settings)
    app.state.runtime.job_handlers[Touch] = slow_touch
    async with AsyncTestClient(app=app):
        for _ in range(200):
            if started.exists():
                break
            await asyncio.sleep(0.05)
        assert started.exists(), "the app's runner never took the job"
    assert log.read_text().split() == ["finished"]
    # Writable at once by the next process: a one-second busy timeout is enough.
    import sqlite3

    with sqlite3.connect(tmp_path / "docflow.db", timeout=1) as db:
        db.execute("UPDATE job SET attempts = attempts")
        (state,) = db.execute("SELECT state FROM job").fetchone()
    assert state == "done"


async def test_a_connection_opening_while_a_new_sqlite_file_is_written_waits(
    tmp_path: Path,
) -> None:
    # Switching a new file to WAL takes the whole file, and SQLite refuses it at once,
    # without waiting out the busy timeout, while another connection writes or switches:
    # an app's first connections opening together failed ("database is locked", /health
    # 503 right after start-up). The deterministic case: a writer holds a new file.
    import sqlite3

    from sqlalchemy import text

    from docflow.core.db import create_engine

    path = tmp_path / "new.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE first (n INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO first VALUES (1)")
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:

        async def first_query() -> int:
            async with engine.connect() as connection:
                result = await connection.execute(text("SELECT count(*) FROM first"))
                return int(result.scalar_one())

        query = asyncio.create_task(first_query())
        await asyncio.sleep(0.3)
        writer.execute("COMMIT")
        assert await query == 1
        async with engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
        assert mode == "wal"
    finally:
        writer.close()
        await engine.dispose()
