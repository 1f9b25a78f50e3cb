"""Background work on each database's backend (procrastinate's queue on PostgreSQL, the
``job`` table on SQLite): a job exists exactly when its transaction commits; a failing
job is retried with back-off, then failed for good, listed by ``docflow jobs list`` and
queued again by ``docflow jobs retry`` or the administrators' page; a ``docflow worker``
killed with ``kill -9`` mid-job has its job finished by another worker, once; periodic
work runs once per period however many workers run."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.cli.main import main
from docflow.core.jobs.periodic import PeriodicRun, PeriodicWork, enqueue_due
from docflow.core.jobs.runner import JobRunner
from docflow.core.jobs.table import TableJobQueue
from docflow.core.jobs.types import JOB_TYPES, Job
from docflow.core.jobs.worker import build_app, recover_stalled, run_worker
from docflow.core.migrate import upgrade
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings
from tests.integration.documents_support import seeded_settings
from tests.integration.jobs_support import make_due
from tests.integration.test_deliveries_page import browser

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Note(Job):
    """A test job: appends ``mark`` to the file ``path`` (so runs can be counted)."""

    kind: ClassVar[str] = "test.note"
    max_attempts: ClassVar[int] = 3
    path: str
    mark: str


@pytest.fixture(autouse=True)
def _register_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(JOB_TYPES, Note.kind, Note)


async def note(runtime: Runtime, job: Note) -> None:
    with open(job.path, "a") as out:
        out.write(job.mark + "\n")


async def tsa_down(runtime: Runtime, job: Note) -> None:
    raise OSError("the TSA did not answer")


def _env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": database_url, **extra}


async def _runtime(database_url: str, tmp_path: Path, handler: Any = note) -> Runtime:
    await asyncio.to_thread(upgrade, database_url)
    runtime = build_runtime(Settings.from_env(_env(database_url, tmp_path)))
    return dataclasses.replace(runtime, job_handlers={Note: handler})


async def _run_due(runtime: Runtime) -> None:
    """What a worker does with the due jobs: procrastinate's worker on PostgreSQL, the
    in-process runner on the table backend."""
    if runtime.settings.job_backend == "procrastinate":
        await run_worker(runtime, wait=False, install_signal_handlers=False)
    else:
        await JobRunner(runtime).run_until_idle()


_make_due = make_due  # skip the back-off wait (the test does not sleep through it)


def _cli(database_url: str, tmp_path: Path, *args: str) -> Any:
    env = _env(database_url, tmp_path)
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


async def test_a_job_exists_exactly_when_its_transaction_commits(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _runtime(database_url, tmp_path)
    kept, dropped = Note(str(tmp_path / "k"), "kept"), Note(str(tmp_path / "d"), "dropped")
    try:
        async with runtime.session() as session:
            await runtime.jobs.enqueue(session, dropped)
            await session.rollback()
        async with runtime.transaction() as session:
            await runtime.jobs.enqueue(session, kept)
            await runtime.jobs.enqueue(session, kept)  # the same key: one job
        async with runtime.session() as session:
            assert await runtime.jobs.info(session, dropped.key) is None
            assert (await runtime.jobs.info(session, kept.key)).state == "pending"  # type: ignore[union-attr]
        await _run_due(runtime)
        assert Path(kept.path).read_text() == "kept\n"
        assert not Path(dropped.path).exists()
    finally:
        await runtime.dispose()


async def test_a_failing_job_backs_off_fails_for_good_and_is_retried_from_the_cli(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _runtime(database_url, tmp_path, handler=tsa_down)
    job = Note(str(tmp_path / "out"), "stamped")
    try:
        async with runtime.transaction() as session:
            await runtime.jobs.enqueue(session, job)
        await _run_due(runtime)
        async with runtime.session() as session:
            waiting = await runtime.jobs.info(session, job.key)
        assert waiting is not None and waiting.state == "pending" and waiting.attempts == 1
        assert waiting.next_attempt_at is not None  # backed off, not due at once
        assert "TSA did not answer" in (waiting.last_error or "")
        for _ in range(Note.max_attempts - 1):
            await _make_due(runtime)
            await _run_due(runtime)
        async with runtime.session() as session:
            failed = await runtime.jobs.info(session, job.key)
        assert failed is not None and failed.state == "failed"
        assert failed.attempts == Note.max_attempts

        listed = await asyncio.to_thread(
            _cli, database_url, tmp_path, "jobs", "list", "--state", "failed", "--json"
        )
        assert listed.exit_code == 0, listed.output
        rows = json.loads(listed.output)
        assert [r["key"] for r in rows] == [job.key]
        assert "TSA did not answer" in rows[0]["last_error"]

        retried = await asyncio.to_thread(_cli, database_url, tmp_path, "jobs", "retry", job.key)
        assert retried.exit_code == 0, retried.output
        healed = dataclasses.replace(runtime, job_handlers={Note: note})  # the TSA is back
        await _run_due(healed)
        async with runtime.session() as session:
            assert (await runtime.jobs.info(session, job.key)).state == "done"  # type: ignore[union-attr]
        assert Path(job.path).read_text() == "stamped\n"
        again = await asyncio.to_thread(_cli, database_url, tmp_path, "jobs", "retry", job.key)
        assert again.exit_code == 1  # nothing failed any more
    finally:
        await runtime.dispose()


async def test_periodic_work_is_enqueued_once_per_period_on_the_table_backend(
    database_url: str, tmp_path: Path
) -> None:
    runtime = await _runtime(database_url, tmp_path)
    runtime = dataclasses.replace(runtime, jobs=TableJobQueue())
    work = PeriodicWork("audit_checkpoint", 60, lambda rt: asyncio.sleep(0))
    try:
        # Two processes' schedulers reach the same period: one job.
        assert [await enqueue_due(runtime, work, 7), await enqueue_due(runtime, work, 7)] == [
            True,
            False,
        ]
        handlers = {PeriodicRun: lambda rt, job: asyncio.sleep(0)}
        await JobRunner(runtime, handlers=handlers).run_until_idle()
        # A scheduler late for that period does not run it again once done.
        assert await enqueue_due(runtime, work, 7) is False
        assert await enqueue_due(runtime, work, 8) is True
    finally:
        await runtime.dispose()


@pytest.fixture
def postgres_url(postgres_database: Any) -> str:
    return str(postgres_database.url)


async def test_periodic_work_runs_once_per_period_with_two_workers(
    postgres_url: str, tmp_path: Path
) -> None:
    runtime = await _runtime(postgres_url, tmp_path)
    runs: list[int] = []

    async def count(rt: Runtime) -> None:
        runs.append(int(asyncio.get_running_loop().time()))

    works = [PeriodicWork("audit_checkpoint", 1, count)]
    workers = [
        asyncio.create_task(run_worker(runtime, works, install_signal_handlers=False))
        for _ in range(2)
    ]
    try:
        while len(runs) < 4:
            await asyncio.sleep(0.2)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    async with runtime.session() as session:
        defers = (
            await (await session.connection()).execute(
                text(
                    "SELECT count(*), count(DISTINCT id) FROM procrastinate_jobs "
                    "WHERE task_name = 'docflow.periodic.audit_checkpoint'"
                )
            )
        ).one()
    await runtime.dispose()
    # Every run is a period's one job: as many runs as periodic jobs, never two a period.
    assert defers[0] == defers[1] >= len(runs) >= 4


KILLED_WORKER = textwrap.dedent(
    """
    import asyncio, sys, time
    from dataclasses import dataclass
    from typing import ClassVar
    import docflow.bootstrap as bootstrap
    from docflow.cli.main import main
    from docflow.core.jobs.types import Job

    @dataclass(frozen=True)
    class Note(Job):
        kind: ClassVar[str] = "test.note"
        max_attempts: ClassVar[int] = 3
        path: str
        mark: str

    async def hang(runtime, job):
        with open(job.path, "a") as out:
            out.write("started\\n")
        await asyncio.sleep(3600)

    handlers = bootstrap.job_handlers
    bootstrap.job_handlers = lambda: {**handlers(), Note: hang}
    main(["worker"])
    """
)


async def test_a_killed_worker_s_job_is_finished_by_another_worker_once(
    postgres_url: str, tmp_path: Path
) -> None:
    env = _env(postgres_url, tmp_path, DOCFLOW_JOB_STALLED_SECONDS="5")
    await asyncio.to_thread(upgrade, postgres_url)
    runtime = build_runtime(Settings.from_env(env))
    runtime = dataclasses.replace(runtime, job_handlers={Note: note})
    job = Note(str(tmp_path / "effects"), "delivered")
    async with runtime.transaction() as session:
        await runtime.jobs.enqueue(session, job)
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER],
        cwd=REPO,
        env={**os.environ, **env, "PYTHONPATH": str(REPO), "DOCFLOW_AUDIT_CHECKPOINT_MINUTES": "0"},
        stdout=subprocess.DEVNULL,
    )
    try:
        while not Path(job.path).exists():
            assert worker.poll() is None, "the worker stopped before running the job"
            await asyncio.sleep(0.1)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        async with runtime.session() as session:
            assert (await runtime.jobs.info(session, job.key)).state == "running"  # type: ignore[union-attr]
        # Another worker finds the silent worker's job stalled and queues it again.
        app = build_app(runtime)
        async with app.open_async():
            while await recover_stalled(app, 5) == 0:
                await asyncio.sleep(0.5)
        await run_worker(runtime, wait=False, install_signal_handlers=False)
        async with runtime.session() as session:
            assert (await runtime.jobs.info(session, job.key)).state == "done"  # type: ignore[union-attr]
        # The killed attempt started; the work itself was done once.
        assert Path(job.path).read_text() == "started\ndelivered\n"
    finally:
        if worker.poll() is None:
            worker.kill()
        await runtime.dispose()


async def test_the_admin_page_shows_a_failed_job_and_queues_it_again(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = dataclasses.replace(build_runtime(settings), job_handlers={Note: tsa_down})
    job = Note(str(tmp_path / "out"), "x")
    async with runtime.transaction() as session:
        await runtime.jobs.enqueue(session, job)
    for _ in range(Note.max_attempts):
        await _make_due(runtime)
        await _run_due(runtime)
    async with AsyncTestClient(app=create_app(settings)) as client:
        other, _ = await browser(client, "stttt.admin")  # an agency's administrator
        assert (await client.get("/admin/jobs", headers=other)).status_code == 403
        admin, csrf = await browser(client, "province.admin")
        listed = await client.get("/admin/jobs", headers=admin)
        assert listed.status_code == 200
        assert job.key in listed.text and "TSA did not answer" in listed.text
        assert "Lỗi, đã dừng thử" in listed.text  # failed, out of attempts (vi default)
        # the province administrator finds the page in the menu; an agency's does not
        assert 'href="/admin/jobs"' in listed.text
        home = await client.get("/", headers=other)
        assert home.status_code == 200 and 'href="/registers"' in home.text
        assert 'href="/admin/jobs"' not in home.text
        retried = await client.post(
            "/admin/jobs/retry",
            headers=admin,
            data={"csrf_token": csrf, "ref": job.key},
            follow_redirects=False,
        )
        assert retried.status_code == 303 and "retried=" in retried.headers["location"]
        twice = await client.post(
            "/admin/jobs/retry",
            headers=admin,
            data={"csrf_token": csrf, "ref": job.key},
            follow_redirects=False,
        )  # pressed again: no longer failed, and the list says so
        assert twice.status_code == 303 and "stale=" in twice.headers["location"]
    async with runtime.session() as session:
        queued = await runtime.jobs.info(session, job.key)
    # Queued again (on SQLite the app's own runner may have tried it already).
    assert queued is not None and queued.state in ("pending", "running")
    await runtime.dispose()
