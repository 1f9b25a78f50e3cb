"""``docflow worker`` and ``docflow jobs list|retry``: running background work and
seeing (and retrying) what is pending or failed.

On PostgreSQL (``DOCFLOW_JOB_BACKEND=procrastinate``, the default there) ``docflow
worker`` runs jobs and periodic work until stopped (SIGTERM/SIGINT finish the running
job first); run as many as the load needs. On the table backend (SQLite) it runs the
same in-process runner and scheduler ``docflow serve`` runs.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from docflow.core.jobs.port import JobInfo
    from docflow.core.runtime import Runtime
    from docflow.core.settings import Settings

__all__ = ["register"]


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Jobs run at once by this worker.",
)
def worker(concurrency: int) -> None:
    """Run background jobs, periodic work (audit checkpoints, archive renewals) and the
    audit sequencer."""
    from docflow.cli.startup import command_settings, preflight

    settings = command_settings()
    asyncio.run(preflight(settings, store=True, schema=True))
    asyncio.run(_work(settings, concurrency))


def worker_runtime(settings: Settings) -> Runtime:
    """The worker process's runtime, with pyHanko imported first: jobs run in threads,
    and two threads importing it for the first time at once fail (``signing._preload``)."""
    import signing
    from docflow.bootstrap import build_runtime

    signing.preload()
    return build_runtime(settings)


async def _work(settings: Any, concurrency: int) -> None:
    from docflow.bootstrap import periodic_work

    runtime = worker_runtime(settings)
    works = periodic_work(settings)
    click.echo(f"docflow worker: {settings.job_backend} backend, {len(works)} periodic work(s)")
    sequencer = None
    if settings.audit_sequence_seconds > 0:
        # The audit sequencer chains what appends inserted (safe beside other processes
        # running it: one works at a time); web instances with background work off rely
        # on a worker for it.
        from docflow.audit.sequencer import start_sequencer

        sequencer = start_sequencer(runtime, settings.audit_sequence_seconds)
    try:
        if settings.job_backend == "procrastinate":
            from docflow.core.jobs.worker import run_worker

            await run_worker(runtime, works, concurrency=concurrency)
        else:
            from docflow.core.jobs.periodic import run_schedule
            from docflow.core.jobs.runner import JobRunner

            await asyncio.gather(
                JobRunner(runtime).run_forever(), run_schedule(runtime, works)
            )
    finally:
        if sequencer is not None:
            sequencer.cancel()
            await asyncio.wait([sequencer], timeout=30)  # its clean-up before the engine goes
        await runtime.dispose()


@click.group("jobs")
def jobs_group() -> None:
    """Background work: what is pending or failed, and retrying failed work."""


@jobs_group.command("list")
@click.option(
    "--state",
    type=click.Choice(["pending", "running", "failed", "done"]),
    default=None,
    help="Only jobs in this state (default: all, newest first).",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
def jobs_list(state: str | None, limit: int, as_json: bool) -> None:
    """List jobs with their attempts, next try and why the last one failed."""
    from docflow.cli.startup import with_runtime

    async def read(runtime: Runtime) -> list[JobInfo]:
        async with runtime.session() as session:
            return await runtime.jobs.jobs(session, state=state, limit=limit)

    found = with_runtime(read)
    if as_json:
        click.echo(json.dumps([job_json(info) for info in found], ensure_ascii=False, indent=1))
        return
    for info in found:
        data = job_json(info)
        when = data["next_attempt_at"] or data["finished_at"] or ""
        error = f"  {data['last_error']}" if data["last_error"] else ""
        click.echo(
            f"{data['id']}\t{data['state']}\t{data['attempts']}/{data['max_attempts']}"
            f"\t{when}\t{data['key']}{error}"
        )
    if not found:
        click.echo("no jobs" + (f" {state}" if state else ""), err=True)


def job_json(info: JobInfo) -> dict[str, Any]:
    """A job as plain JSON values (``docflow jobs list --json``)."""
    return {
        "id": info.id,
        "key": info.key,
        "kind": info.kind,
        "state": info.state,
        "attempts": info.attempts,
        "max_attempts": info.max_attempts,
        "next_attempt_at": info.next_attempt_at.isoformat() if info.next_attempt_at else None,
        "finished_at": info.finished_at.isoformat() if info.finished_at else None,
        "last_error": info.last_error,
    }


@jobs_group.command("retry")
@click.argument("ref")
def jobs_retry(ref: str) -> None:
    """Queue the failed job REF (its key or id) again, from its first attempt."""
    from docflow.cli.startup import with_runtime

    async def retry(runtime: Runtime) -> JobInfo | None:
        async with runtime.transaction() as session:
            return await runtime.jobs.retry(session, ref)

    info = with_runtime(retry)
    if info is None:
        click.echo(f"docflow: no failed job {ref!r}; see `docflow jobs list --state failed`",
                   err=True)
        sys.exit(1)
    click.echo(f"queued again: {info.key} ({info.state})")


def register(main: click.Group) -> None:
    main.add_command(worker)
    main.add_command(jobs_group)
