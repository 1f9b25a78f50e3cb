"""Benchmark: two web workers on one port, sharing uvicorn's one socket or each with its
own (``docflow.core.http.listeners``), alternately in one invocation.

    .venv/bin/python bench/listeners.py [--rounds 5] [--clients 20] [--seconds 5]
                                        [--transfers 20000]

PostgreSQL, the inbox loaded as ``bench/serve.py`` loads it. Each round starts docflow
with 2 workers twice, in turn:

- *shared*: ``uvicorn --factory docflow.app:create_app --workers 2``, uvicorn's parent
  socket in both workers (what ``docflow serve`` ran before), with serve's election of
  the one worker that runs background work;
- *own*: ``docflow serve --workers 2``, a listening socket per worker.

Against each it runs ``bench/serve.py``'s load generator (``--clients`` kept-alive
connections, their own process) on ``/health`` and on the signed-in inbox, and prints
req/s, p99 and the busier worker's share of the two workers' CPU during the run: 0.50 is
an even split, 1.00 one worker doing everything while the other idles. The generator
shares the two cores (its CPU share is printed). Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.cpu import cpu_seconds  # noqa: E402
from bench.serve import free_port, prepare, run_driver, running, server_command  # noqa: E402

VARIANTS = {"shared": "uvicorn", "own": "serve"}


def _worker_cpu(server: int) -> dict[int, float]:
    """CPU seconds so far of each web worker (uvicorn's spawned children of ``server``)."""
    out = {}
    for pid, (_name, cpu) in cpu_seconds(server).items():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
        if parent == server and b"multiprocessing.spawn" in cmdline:
            out[pid] = cpu
    return out


def run(variant: str, args: argparse.Namespace, env: dict[str, str],
        token: str) -> dict[str, dict[str, Any]]:
    port = free_port()
    results: dict[str, dict[str, Any]] = {}
    with running(server_command("docflow", 2, port, VARIANTS[variant]), env, port) as proc:
        time.sleep(3)  # the second worker may still be starting
        for name, path in (("health", "/health"), ("inbox", "/api/v1/inbox")):
            before = _worker_cpu(proc.pid)
            result = run_driver(port, path, args.clients, args.seconds, token)
            after = _worker_cpu(proc.pid)
            used = [after[pid] - before.get(pid, 0.0) for pid in after]
            result["busier"] = max(used) / sum(used) if sum(used) else 0.0
            results[name] = result
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--transfers", type=int, default=20_000)
    args = parser.parse_args()
    from tests.services import create_postgres_database, drop_postgres_database

    pg = create_postgres_database()
    try:
        with tempfile.TemporaryDirectory(prefix="docflow-bench-listeners-") as tmp:
            token, stc_id = asyncio.run(prepare(pg.url, Path(tmp), args.transfers))
            lock = Path(tmp) / "background.lock"
            env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCFLOW_DATABASE_URL": pg.url,
                   "DOCFLOW_DATA_DIR": tmp, "DOCFLOW_LOG_LEVEL": "WARNING",
                   "DOCFLOW_WARM_UP": "off",
                   # For plain uvicorn, the election serve makes: one worker runs the
                   # background work (serve sets its own lock for its children).
                   "DOCFLOW_SERVE_BACKGROUND_LOCK": str(lock)}
            print(f"2 workers, {args.clients} clients, {args.seconds:.0f} s per run; "
                  f"{os.cpu_count()} cores")
            print(f"{'round':<6}{'sockets':<8}{'path':<8}{'req/s':>8}{'p99 ms':>8}"
                  f"{'busier worker':>15}{'gen CPU':>9}")
            totals: dict[tuple[str, str], list[float]] = {}
            for round_ in range(1, args.rounds + 1):
                for variant in VARIANTS:
                    for name, r in run(variant, args, env, token).items():
                        totals.setdefault((variant, name), []).append(r["rps"])
                        print(f"{round_:<6}{variant:<8}{name:<8}{r['rps']:>8.0f}"
                              f"{r['p99']:>8.1f}{r['busier']:>15.2f}{r['cpu_share']:>9.0%}")
            for name in ("health", "inbox"):
                shared, own = (sorted(totals[(v, name)]) for v in VARIANTS)
                print(f"median {name}: shared {shared[len(shared) // 2]:.0f}, own "
                      f"{own[len(own) // 2]:.0f} req/s (own / shared "
                      f"{own[len(own) // 2] / shared[len(shared) // 2]:.2f})")
    finally:
        drop_postgres_database(pg)


if __name__ == "__main__":
    main()
