"""Benchmark: ``docflow serve`` over real HTTP against a bare Litestar app, 1 and 2 workers.

    .venv/bin/python bench/serve.py [--workers 1,2] [--clients 20,100] [--seconds 6]
                                    [--rounds 3] [--transfers 20000]
                                    [--launcher auto|serve|uvicorn]

PostgreSQL (a fresh database on the test server), local object store, dev PKI. The
inbox is loaded like ``bench/routing.py`` does (STC receives ``--transfers``/10 of them).
For each worker count, two servers run in turn on a free port, ``--rounds`` times
(which of them starts a round alternates):

- ``docflow serve --workers N`` (``--launcher uvicorn``, or ``auto`` on a tree whose serve
  has no ``--workers``: ``uvicorn --factory docflow.app:create_app --workers N``);
- the bare app of ``bench/serve_bare.py`` with N workers (``/health`` answers at once,
  ``/inbox`` runs the same query through asyncpg and returns 50 rows), listening as the
  docflow server does: a socket per worker (``docflow.core.http.listeners``) with
  ``--launcher serve``, uvicorn's one shared socket with ``--launcher uvicorn``.

The load generator is its own process (``bench/serve.py drive``): ``--clients``
keep-alive HTTP/1.1 connections on one asyncio loop, each sending its next request when
the previous answer is complete, for ``--seconds``. It reports req/s, p50/p99, non-200
answers and its own CPU time; it shares the machine's cores with the server, so its CPU
share (of all cores) is printed with the numbers. docflow's inbox is a signed-in
``GET /api/v1/inbox`` (bearer token, 50 items).

The machine's own speed moves between runs (the bare app's rate by up to 2x here), so
each ratio to bare is the median of the rounds' ratios, each round's two servers
measured back to back, with the rounds' lowest and highest beside it; the req/s and
latency columns are medians over the rounds. The issue's goals are checked on those
medians at the end. Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself first (bench/storage.py would shadow the storage package).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

PYTHON = sys.executable


# --------------------------------------------------------------------------- driver


async def _client(host: str, port: int, request: bytes, until: float, out: dict[str, Any]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            out["latencies"].append(time.perf_counter() - start)
            if status != 200:
                out["errors"] += 1
    finally:
        writer.close()


async def drive(host: str, port: int, path: str, clients: int, seconds: float, token: str) -> None:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}\r\n".encode()
    warm: dict[str, Any] = {"latencies": [], "errors": 0}
    await asyncio.gather(
        *(_client(host, port, request, time.perf_counter() + 1.0, warm) for _ in range(clients))
    )
    out: dict[str, Any] = {"latencies": [], "errors": 0}
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(_client(host, port, request, until, out) for _ in range(clients)))
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    lat = sorted(out["latencies"])
    print(json.dumps({
        "rps": len(lat) / wall,
        "p50": lat[len(lat) // 2] * 1000 if lat else 0.0,
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0.0,
        "errors": out["errors"],
        "cpu_share": cpu / wall / (os.cpu_count() or 1),
    }))


def run_driver(port: int, path: str, clients: int, seconds: float, token: str) -> dict[str, Any]:
    cmd = [PYTHON, __file__, "drive", str(port), path, str(clients), str(seconds), token]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def has_workers_option(env: dict[str, str]) -> bool:
    help_text = subprocess.run([PYTHON, "-m", "docflow", "serve", "--help"], env=env,
                               capture_output=True, text=True, cwd=ROOT).stdout
    return "--workers" in help_text


def server_command(kind: str, workers: int, port: int, launcher: str) -> list[str]:
    uvicorn = [PYTHON, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--port",
               str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    if kind == "bare":
        if launcher == "serve":  # listening as docflow serve does, a socket per worker
            return [PYTHON, str(ROOT / "bench" / "serve_bare.py"), str(port), str(workers)]
        return [*uvicorn, "bench.serve_bare:create"]
    if launcher == "serve":
        return [PYTHON, "-m", "docflow", "serve", "--port", str(port), "--workers", str(workers)]
    return [*uvicorn, "docflow.app:create_app"]


def wait_until_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("server did not come up")


@contextlib.contextmanager
def running(cmd: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The server ``cmd`` started and answering ``/health`` on ``port``; stopped after."""
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_up(port, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure(kind: str, workers: int, args: argparse.Namespace, env: dict[str, str],
            token: str) -> dict[tuple[str, int], dict[str, Any]]:
    port = free_port()
    results: dict[tuple[str, int], dict[str, Any]] = {}
    with running(server_command(kind, workers, port, args.launcher), env, port):
        inbox = "/inbox" if kind == "bare" else "/api/v1/inbox"
        for name, path in (("health", "/health"), ("inbox", inbox)):
            for clients in args.clients:
                results[(name, clients)] = run_driver(port, path, clients, args.seconds,
                                                      "" if kind == "bare" else token)
    return results


# --------------------------------------------------------------------------- set-up


async def prepare(url: str, data_dir: Path, transfers: int) -> tuple[str, int]:
    """Schema, demo data, the inbox load; a bearer token of stc.clerk and STC's id."""
    from sqlmodel import select

    from bench.routing import PASSWORD
    from bench.routing_data import add_agencies, fill_transfers
    from docflow.accounts.auth import open_session
    from docflow.accounts.models_agency import Agency
    from docflow.accounts.models_user import User
    from docflow.bootstrap import build_runtime
    from docflow.cli.demo import seed_demo
    from docflow.core.migrate import upgrade
    from docflow.core.settings import Settings
    from tests.integration.routing_support import issue_directly

    await asyncio.to_thread(upgrade, url)
    settings = Settings.from_env({"DOCFLOW_DATABASE_URL": url, "DOCFLOW_DATA_DIR": str(data_dir)})
    runtime = build_runtime(settings)
    try:
        await asyncio.to_thread(runtime.store.ensure_ready)
        async with runtime.transaction() as session:
            await seed_demo(session, PASSWORD)
        codes = await add_agencies(runtime, 10)
        await issue_directly(runtime, "STTTT", codes[:1], number=1)
        await fill_transfers(runtime, url, codes, transfers)
        async with runtime.transaction() as session:
            user = (await session.exec(select(User).where(User.username == "stc.clerk"))).one()
            stc = (await session.exec(select(Agency).where(Agency.abbreviation == "STC"))).one()
            issued = await open_session(session, user, secret_key=settings.effective_secret_key,
                                        lifetime=timedelta(hours=4))
        return issued.token, int(stc.id)  # type: ignore[arg-type]
    finally:
        await runtime.dispose()


Table = dict[tuple[str, int], list[dict[tuple[str, int], dict[str, Any]]]]


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def report(table: Table, args: argparse.Namespace) -> None:
    print(f"{'':<28}{'clients':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-200':>8}"
          f"{'gen CPU':>8}{'/bare':>7}  rounds' range")
    for workers in args.workers:
        for name in ("health", "inbox"):
            for clients in args.clients:
                bare = [r[(name, clients)] for r in table[("bare", workers)]]
                for kind in ("docflow", "bare"):
                    runs = [r[(name, clients)] for r in table[(kind, workers)]]
                    ratios = [r["rps"] / b["rps"] if b["rps"] else 0.0
                              for r, b in zip(runs, bare, strict=True)]
                    label = f"{kind} {name} w={workers}"
                    spread = f"  {min(ratios):.2f}-{max(ratios):.2f}" if kind == "docflow" else ""
                    print(f"{label:<28}{clients:>8}{_median([r['rps'] for r in runs]):>9.0f}"
                          f"{_median([r['p50'] for r in runs]):>9.1f}"
                          f"{_median([r['p99'] for r in runs]):>9.1f}"
                          f"{sum(r['errors'] for r in runs):>8}"
                          f"{_median([r['cpu_share'] for r in runs]):>7.0%} "
                          f"{_median(ratios):>6.2f}{spread}")
    print()
    for line in goals(table, args):
        print(line)


def goals(table: Table, args: argparse.Namespace) -> list[str]:
    """The issue's serving goals, on the rounds' medians."""
    lines = []

    def ratio(name: str, workers: int, clients: int) -> float:
        pairs = zip(table[("docflow", workers)], table[("bare", workers)], strict=True)
        return _median([d[(name, clients)]["rps"] / b[(name, clients)]["rps"]
                        for d, b in pairs if b[(name, clients)]["rps"]])

    def p99(name: str, workers: int, clients: int) -> float:
        return _median([r[(name, clients)]["p99"] for r in table[("docflow", workers)]])

    for workers in args.workers:
        for name, latency_at in (("health", 100), ("inbox", 20)):
            for clients in args.clients:
                value = ratio(name, workers, clients)
                verdict = "OK" if value >= 0.5 else "BELOW GOAL"
                line = f"{name} w={workers} c={clients}: {value:.2f} of bare (goal >= 0.5) "
                line += verdict
                if clients == latency_at:
                    ms = p99(name, workers, clients)
                    line += f"; p99 {ms:.1f} ms (goal < 50) {'OK' if ms < 50 else 'BELOW GOAL'}"
                lines.append(line)
    return lines


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "drive":
        port, path, clients, seconds, token = sys.argv[2:7]
        asyncio.run(drive("127.0.0.1", int(port), path, int(clients), float(seconds), token))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=lambda v: [int(x) for x in v.split(",")],
                        default=[1, 2])
    parser.add_argument("--clients", type=lambda v: [int(x) for x in v.split(",")],
                        default=[20, 100])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--transfers", type=int, default=20_000)
    parser.add_argument("--launcher", choices=("auto", "serve", "uvicorn"), default="auto")
    args = parser.parse_args()
    import tempfile

    from tests.services import create_postgres_database, drop_postgres_database

    pg = create_postgres_database()
    try:
        with tempfile.TemporaryDirectory(prefix="docflow-bench-serve-") as tmp:
            token, stc_id = asyncio.run(prepare(pg.url, Path(tmp), args.transfers))
            env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCFLOW_DATABASE_URL": pg.url,
                   "DOCFLOW_DATA_DIR": tmp, "BENCH_DATABASE_URL": pg.url,
                   "BENCH_AGENCY_ID": str(stc_id), "DOCFLOW_LOG_LEVEL": "WARNING",
                   # Steady state: serve's start-up warm-up (signing workers deriving the
                   # dev PKI's keys) would share the cores with the first run measured.
                   "DOCFLOW_WARM_UP": "off"}
            if args.launcher == "auto":
                args.launcher = "serve" if has_workers_option(env) else "uvicorn"
            print(f"launcher: {args.launcher}; {os.cpu_count()} cores; {args.seconds:.0f} s "
                  f"per run after 1 s of warm-up; {args.rounds} rounds")
            table: Table = {}
            for workers in args.workers:
                for round_ in range(args.rounds):
                    order = ("docflow", "bare") if round_ % 2 == 0 else ("bare", "docflow")
                    for kind in order:
                        table.setdefault((kind, workers), []).append(
                            measure(kind, workers, args, env, token)
                        )
            report(table, args)
    finally:
        drop_postgres_database(pg)


if __name__ == "__main__":
    main()
