"""Run the load: start the cluster, the users and the faults, report, check.

Faults, at fixed shares of the duration: at 35% one instance gets ``kill -9`` (its users
move to the next instance; it is not restarted), at 55% the S3 server is stopped for
``s3_outage`` seconds and started again on the same ports and data, at 80% PostgreSQL is
stopped as after a crash (``pg_ctl -m immediate``) and started again 5 s later. The
database is a throw-away cluster of the run's own (``bench.load.pg``); where ``initdb`` is
missing, a fresh database on the test server instead, and then no PostgreSQL restart:
that server is shared with other people's tests.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.load.checks import Check, run_checks, settle
from bench.load.cluster import Cluster
from bench.load.pg import PrivatePostgres, private_postgres_available
from bench.load.users import Recorder, User

__all__ = ["LoadConfig", "LoadResult", "run_load"]


@dataclass
class LoadConfig:
    users: int = 150
    duration: float = 300.0
    instances: int = 3
    s3_outage: float = 30.0
    kill_at: float | None = 0.35
    outage_at: float | None = 0.55
    pg_restart_at: float | None = 0.8
    checkpoint_minutes: int = 1
    #: Seconds a story under way at the end may take to finish.
    grace: float = 90.0


@dataclass
class LoadResult:
    recorder: Recorder
    checks: list[Check]
    elapsed: float
    generator_cpu: float
    server_cpu: float
    events: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def _tree_cpu(roots: list[int]) -> float:
    """CPU seconds of ``roots`` and their descendants (Linux /proc)."""
    from bench.cpu import cpu_seconds

    return sum(cpu for root in roots for _name, cpu in cpu_seconds(root).values())


def _plan(config: LoadConfig, pg: PrivatePostgres | None) -> list[tuple[float, str]]:
    plan = []
    if config.kill_at is not None:
        plan.append((config.kill_at * config.duration, "kill"))
    if config.outage_at is not None:
        plan.append((config.outage_at * config.duration, "s3"))
    if config.pg_restart_at is not None and pg is not None:
        plan.append((config.pg_restart_at * config.duration, "pg"))
    return sorted(plan)


async def _faults(
    config: LoadConfig, cluster: Cluster, started: float, result_events: list[str],
    outages: list[tuple[float, float]], cpu: dict[int, float], pg: PrivatePostgres | None,
) -> None:
    for at, what in _plan(config, pg):
        await asyncio.sleep(max(0.0, at - (time.monotonic() - started)))
        now = time.monotonic() - started
        if what == "pg" and pg is not None:
            await asyncio.to_thread(pg.stop)
            result_events.append(f"{now:6.1f} s  PostgreSQL stopped (immediate) for 5 s")
            await asyncio.sleep(5)
            await asyncio.to_thread(pg.start)
            back = time.monotonic() - started
            outages.append((now, back + 15.0))
            result_events.append(f"{back:6.1f} s  PostgreSQL back")
        elif what == "kill":
            victim = cluster.instances[-1]
            assert victim.proc is not None
            cpu[victim.proc.pid] = _tree_cpu([victim.proc.pid])
            await asyncio.to_thread(cluster.kill, victim)
            result_events.append(f"{now:6.1f} s  kill -9 {victim.name} ({victim.url})")
        else:
            await asyncio.to_thread(cluster.weed.stop)
            result_events.append(f"{now:6.1f} s  S3 stopped for {config.s3_outage:.0f} s")
            await asyncio.sleep(config.s3_outage)
            await asyncio.to_thread(cluster.weed.start)
            back = time.monotonic() - started
            # Requests in flight when it stopped, or retried just after, may answer late.
            outages.append((now, back + 15.0))
            result_events.append(f"{back:6.1f} s  S3 back")


async def _drive(
    config: LoadConfig, cluster: Cluster, pg: PrivatePostgres | None
) -> tuple[Recorder, list[Any]]:
    recorder = Recorder()
    urls = [i.url for i in cluster.instances]
    limits = httpx.Limits(max_connections=config.users * 2, max_keepalive_connections=50)
    events: list[str] = []
    outages: list[tuple[float, float]] = []
    cpu: dict[int, float] = {}
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        users = [User(n, urls, recorder, client) for n in range(config.users)]
        until = recorder.started + config.duration
        ramp = min(30.0, config.duration / 4)
        faults = asyncio.create_task(
            _faults(config, cluster, recorder.started, events, outages, cpu, pg)
        )
        # Bounded: a story under way at the end may finish, for at most a grace period.
        running = asyncio.gather(*(u.run(until, ramp) for u in users))
        try:
            await asyncio.wait_for(running, timeout=config.duration + config.grace)
        except TimeoutError:
            events.append(f"stories still running {config.grace:.0f} s after the end: cut")
        await faults
    return recorder, [events, outages, cpu]


async def run_load(
    config: LoadConfig, database_url: str, root: Path, pg: PrivatePostgres | None = None
) -> LoadResult:
    cluster = Cluster(root, database_url, config.instances, config.checkpoint_minutes)
    try:
        await asyncio.to_thread(cluster.prepare)
        await asyncio.to_thread(cluster.start_all)
        pids = [i.proc.pid for i in cluster.instances if i.proc is not None]
        cpu0 = _tree_cpu(pids)
        gen0 = sum(os.times()[:2])
        wall0 = time.monotonic()
        recorder, (events, outages, killed_cpu) = await _drive(config, cluster, pg)
        elapsed = time.monotonic() - wall0
        generator = sum(os.times()[:2]) - gen0
        server = _tree_cpu(cluster.process_ids()) + sum(killed_cpu.values()) - cpu0
        open_jobs, settled_at = await settle(database_url)
        events.append(f"after the run: {open_jobs} jobs still open after settling")
        await asyncio.to_thread(cluster.stop_all)
        from storage import open_store

        store = open_store(cluster.env()["DOCFLOW_STORAGE_URL"])
        checks = await run_checks(cluster, recorder, outages, store, settled_at)
        return LoadResult(recorder, checks, elapsed, generator, server, events)
    finally:
        await asyncio.to_thread(cluster.close)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def report(config: LoadConfig, result: LoadResult) -> str:
    rec = result.recorder
    lines = [f"users {config.users}, instances {config.instances}, "
             f"{result.elapsed:.0f} s, cores {os.cpu_count()}", *result.events, ""]
    lines.append(f"{'endpoint':<16}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    by: dict[str, list[Any]] = {}
    for a in rec.answers:
        by.setdefault(a.endpoint, []).append(a)
    for name, answers in sorted(by.items()):
        secs = [a.seconds * 1000 for a in answers]
        codes: dict[int, int] = {}
        for a in answers:
            codes[a.status] = codes.get(a.status, 0) + 1
        lines.append(f"{name:<16}{len(answers):>7}{statistics.median(secs):>9.0f}"
                     f"{_pct(secs, 0.99):>9.0f}  {dict(sorted(codes.items()))}")
    minutes = result.elapsed / 60
    total = result.generator_cpu + result.server_cpu
    lines += [
        "",
        f"throughput: {len(rec.answers) / result.elapsed:.1f} requests/s, "
        f"{rec.issued / minutes:.1f} documents issued/min ({rec.issued}), "
        f"{rec.completed / minutes:.1f} handled to completion/min ({rec.completed})",
        f"users moved to another instance {rec.moved} times; stories given up: {rec.gave_up}",
        f"CPU: servers {result.server_cpu:.0f} s, generator {result.generator_cpu:.0f} s "
        f"({100 * result.generator_cpu / max(total, 1e-9):.0f}% of the CPU used)",
        "",
    ]
    lines += [f"{'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in result.checks]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds")
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--s3-outage", type=float, default=30.0, help="seconds")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--shared-postgres", action="store_true",
                        help="a database on DOCFLOW_TEST_POSTGRES_URL (no restart fault)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the instances' logs")
    args = parser.parse_args(argv)
    config = LoadConfig(args.users, args.duration, args.instances, args.s3_outage)
    if args.no_faults:
        config.kill_at = config.outage_at = config.pg_restart_at = None
    keep = args.keep_logs
    with tempfile.TemporaryDirectory(prefix="docflow-load-") as tmp:
        root = Path(tempfile.mkdtemp(prefix="docflow-load-")) if keep else Path(tmp)
        result = asyncio.run(with_database(config, root, shared=args.shared_postgres))
    print(report(config, result))
    if keep:
        print(f"instance logs: {root / 'run'}")
    return 0 if result.ok else 1


async def with_database(config: LoadConfig, root: Path, *, shared: bool = False) -> LoadResult:
    """``run_load`` on a private PostgreSQL cluster when possible, else the test server."""
    if not shared and private_postgres_available():
        pg = PrivatePostgres()
        await asyncio.to_thread(pg.create)
        try:
            return await run_load(config, pg.url, root / "run", pg)
        finally:
            await asyncio.to_thread(pg.destroy)
    from tests.services import create_postgres_database, drop_postgres_database

    db = await asyncio.to_thread(create_postgres_database)
    try:
        return await run_load(config, db.url, root / "run")
    finally:
        await asyncio.to_thread(drop_postgres_database, db)
