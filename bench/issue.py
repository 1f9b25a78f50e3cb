"""Benchmark: issuing documents over HTTP against making the same signatures directly.

    .venv/bin/python bench/issue.py [--docs 40] [--concurrency 4] [--workers 1,2]
        [--agencies 1..4] [--database sqlite|postgresql]

HTTP: a real ``docflow serve --workers N`` (embedded default: SQLite, local store, dev
PKI; or a fresh database on the test PostgreSQL) in a subprocess, once per ``--workers``
count, each on a fresh data folder; per document the specialist uploads, the leader
prepares, signs the attributes with a P-256 key (WebCrypto-style r||s) and completes,
the clerk issues. Client ``i`` works for agency ``i`` mod ``--agencies`` (one agency's
series issues one document at a time; a province's load comes from many agencies).
Meanwhile ``GET /health`` is probed every 20 ms; its p99 is reported (goal < 50 ms).

Direct: the same signatures by calling ``signing/`` in worker processes, as many
documents in flight as HTTP clients (one worker per core at most): fields, external
prepare/complete (B-T), fill and seal at ``--seal-level`` (B-LTA, the server's default,
which the server is given too; ``bench/issue_direct.py``). No database, no store, no HTTP,
no validation before issuing. Twice: with the seal's revocation data *fetched* at the
certificates' URLs (CRLs and OCSP responses, answered in-process by the dev PKI) as the
server gathers it, and *given* (the dev CRLs handed in, nothing fetched: less work, the
dev OCSP responder's signing included, which in production is the CA's).

Ratio = HTTP docs/s / direct docs/s (goal >= 0.8; against both direct rates, the one
fetched as the server does first) for each worker count, and the rate
with 2 workers / the rate with 1 (goal >= 1.6 on 2 cores; every web worker has its own
signing workers, one per core, so one web worker already signs on every core); direct
is measured before and after the HTTP runs and averaged (a shared machine drifts). Both
sides are warmed up first (worker processes started, keys and CRLs cached). The HTTP
side also pays for what the direct side skips: the checks of each upload, validating the
signer's signature before issuing, the database, the store, and the benchmark's own
client on the same cores.
Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The script's own folder comes first on sys.path, and bench/signing.py would shadow the
# signing library: put the repository first.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.cpu import cpu_seconds, cpu_split  # noqa: E402
from bench.issue_client import (  # noqa: E402
    complete,
    issue,
    prepare,
    staff,
    upload,
    wait_until_healthy,
)
from bench.issue_direct import direct_rate, draft_pdf, leader_cert_for  # noqa: E402

# --------------------------------------------------------------------------- HTTP


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    data: Path, port: int, level: str, workers: int, database_url: str | None
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    env.update(
        DOCFLOW_DATA_DIR=str(data), DOCFLOW_LOG_LEVEL="WARNING", DOCFLOW_SEAL_LEVEL=level
    )
    if database_url:
        env["DOCFLOW_DATABASE_URL"] = database_url
    cli = [sys.executable, "-m", "docflow"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
    return subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


#: Issuing demo agencies, in the order clients are spread over them, and the agency each
#: one sends to (never itself).
SENDERS = (("stttt", "000.03.00.H30"), ("stc", "000.02.00.H30"),
           ("ubndvt", "000.03.00.H30"), ("ubndct", "000.03.00.H30"))


async def http_run(
    base: str, docs: int, concurrency: int, agencies: int = 1, server_pid: int | None = None
) -> tuple[float, list[float], int]:
    """Documents per second with ``concurrency`` clients; client ``i`` works for the
    issuing agency ``SENDERS[i % agencies]`` (its own specialist, leader and clerk).
    With ``server_pid``, prints the CPU used during the timed documents per document:
    the web process, its children (signing workers), PostgreSQL and this client."""
    import httpx

    from tests.integration.documents_support import enrol, p256_key

    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        await wait_until_healthy(client)
        pdf = draft_pdf()

        async def sender(prefix: str, recipient: str) -> dict[str, Any]:
            """One issuing agency's people, its leader's key and certificate, its metadata."""
            specialist, leader, clerk = await staff(client, prefix)
            key = p256_key()
            cert_id = await enrol(client, leader, key)  # type: ignore[arg-type]  # an httpx client
            meta = json.dumps(
                {
                    "document_type": "quyet_dinh",
                    "subject": "Thử hiệu năng",
                    "signer": f"{prefix}.leader",
                    "recipients": [recipient],
                    "place": "Hậu Giang",
                }
            )
            return {"specialist": specialist, "leader": leader, "clerk": clerk, "key": key,
                    "cert_id": cert_id, "meta": meta}

        people = [await sender(*SENDERS[i]) for i in range(agencies)]

        steps: dict[str, list[float]] = {}

        def lap(name: str, t: float) -> float:
            now = time.perf_counter()
            steps.setdefault(name, []).append(now - t)
            return now

        async def one(slot: int) -> None:
            who = people[slot % agencies]
            specialist, leader, clerk = who["specialist"], who["leader"], who["clerk"]
            key, cert_id, meta = who["key"], who["cert_id"], who["meta"]
            t = time.perf_counter()
            doc = await upload(client, specialist, pdf, meta)
            t = lap("upload", t)
            p = await prepare(client, leader, doc, cert_id)
            t = lap("prepare", t)
            await complete(client, leader, key, doc, p)
            t = lap("complete", t)
            await issue(client, clerk, doc)
            lap("issue", t)

        # warm-up (not timed): every worker process starts, parses keys, builds caches
        await asyncio.gather(*(one(slot) for slot in range(concurrency)))
        steps.clear()
        latencies: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            async with httpx.AsyncClient(base_url=base, timeout=10) as prober:
                while not done.is_set():
                    t = time.perf_counter()
                    r = await prober.get("/health")
                    latencies.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200
                    await asyncio.sleep(0.02)

        slots: asyncio.Queue[int] = asyncio.Queue()
        for slot in range(concurrency):
            slots.put_nowait(slot)

        async def limited() -> None:
            slot = await slots.get()  # each client keeps to its agency
            try:
                await one(slot)
            finally:
                slots.put_nowait(slot)

        prober = asyncio.create_task(probe())
        before = cpu_split(server_pid) if server_pid else None
        started = time.perf_counter()
        await asyncio.gather(*(limited() for _ in range(docs)))
        elapsed = time.perf_counter() - started
        after = cpu_split(server_pid) if server_pid else None
        done.set()
        await prober
        print(
            "mean seconds per request: "
            + ", ".join(f"{k} {statistics.mean(v):.2f}" for k, v in steps.items())
        )
        if before and after:
            used = {k: (after[k] - before[k]) for k in after}
            busy = used.pop("machine") / (elapsed * (os.cpu_count() or 1))
            print(
                "  CPU ms per document: "
                + ", ".join(f"{k} {1000 * v / docs:.0f}" for k, v in used.items())
                + f"; machine {100 * busy:.0f}% busy"
            )
        return docs / elapsed, latencies, docs


@contextlib.contextmanager
def database(kind: str) -> Iterator[str | None]:
    """The server's database URL: None for the embedded SQLite file, else a fresh
    PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield None
        return
    from tests.services import create_postgres_database, drop_postgres_database

    pg = create_postgres_database()
    try:
        yield pg.url
    finally:
        drop_postgres_database(pg)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--seal-level",
        default="B-LTA",
        help="the agency seal's level on both sides (B-LTA: docflow's default)",
    )
    parser.add_argument(
        "--workers",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[1, 2],
        help="docflow serve --workers counts to measure, one server each (default 1,2)",
    )
    parser.add_argument(
        "--agencies",
        type=int,
        choices=range(1, len(SENDERS) + 1),
        default=1,
        help="issuing agencies the clients are spread over (default 1: every client issues "
        "in one agency's series, one at a time; a province's load comes from many)",
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the server's database: the embedded default's SQLite file, or a fresh "
        "database on the test PostgreSQL (DOCFLOW_TEST_POSTGRES_URL) per server",
    )
    args = parser.parse_args()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_pem = leader_cert_for(key_pem)
    # Measured before and after the HTTP runs (the machine may be shared): their mean.
    def directs() -> dict[str, float]:
        return {
            revocation: direct_rate(
                args.docs, args.concurrency, key_pem, cert_pem, args.seal_level, revocation
            )
            for revocation in ("fetched", "given")
        }

    direct_before = directs()
    rates: dict[int, float] = {}
    latencies: list[float] = []
    docs = 0
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as data, database(args.database) as url:
            port = free_port()
            server = start_server(Path(data), port, args.seal_level, workers, url)
            try:
                print(f"serve --workers {workers}: ", end="", flush=True)
                rate, probes, docs = asyncio.run(
                    http_run(
                        f"http://127.0.0.1:{port}", args.docs, args.concurrency, args.agencies,
                        server.pid,
                    )
                )
                rates[workers] = rate
                latencies += probes
                if os.environ.get("BENCH_CPU"):
                    for pid, (name, cpu) in sorted(cpu_seconds(server.pid).items()):
                        print(f"  cpu {pid} {name}: {cpu:.1f} s")
            finally:
                server.terminate()
                server.wait(timeout=30)

    direct_after = directs()
    direct = {k: (direct_before[k] + direct_after[k]) / 2 for k in direct_before}
    health = p99(latencies)
    print(
        f"cores: {os.cpu_count()}, documents: {docs}, concurrency: {args.concurrency}, "
        f"issuing agencies: {args.agencies}, database: {args.database}"
    )
    for revocation, rate in direct.items():
        label = f"direct signing/ (fields, B-T, fill+seal), revinfo {revocation}"
        print(
            f"{label:<58} {rate:7.2f} docs/s "
            f"(before {direct_before[revocation]:.2f}, after {direct_after[revocation]:.2f})"
        )
    for workers, rate in rates.items():
        print(f"{f'HTTP upload -> prepare/complete -> issue, {workers} worker(s)':<58} "
              f"{rate:7.2f} docs/s")
        for revocation, direct_rate_ in direct.items():
            ratio = rate / direct_rate_
            print(
                f"{f'  ratio HTTP / direct, revinfo {revocation} (goal >= 0.8)':<58} "
                f"{ratio:7.2f}  {'OK' if ratio >= 0.8 else 'BELOW GOAL'}"
            )
    if 1 in rates and 2 in rates:
        scale = rates[2] / rates[1]
        print(
            f"{'2 workers / 1 worker (goal >= 1.6)':<58} {scale:7.2f}  "
            f"{'OK' if scale >= 1.6 else 'BELOW GOAL'}"
        )
    print(
        f"{'/health p99 during the runs (goal < 50 ms)':<58} {health:7.1f} ms "
        f"(median {statistics.median(latencies):.1f} ms, {len(latencies)} probes)  "
        f"{'OK' if health < 50 else 'ABOVE GOAL'}"
    )

if __name__ == "__main__":
    main()
