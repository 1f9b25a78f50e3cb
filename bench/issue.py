"""Benchmark: issuing documents over HTTP against making the same signatures directly.

    .venv/bin/python bench/issue.py [--docs 40] [--concurrency 4] [--workers 1,2]

HTTP: a real ``docflow serve --workers N`` (embedded default: SQLite, local store, dev
PKI) in a subprocess, once per ``--workers`` count, each on a fresh data folder; per
document the specialist uploads, the leader prepares, signs the
attributes with a P-256 key (WebCrypto-style r||s) and completes, the clerk issues.
Meanwhile ``GET /health`` is probed every 20 ms; its p99 is reported (goal < 50 ms).

Direct: the same signatures by calling ``signing/`` in worker processes, as many
documents in flight as HTTP clients (one worker per core at most): fields, external
prepare/complete (B-T), fill and seal at ``--seal-level`` (B-LTA, the server's default,
which the server is given too). No database, no store, no HTTP, no validation before
issuing.

Ratio = HTTP docs/s / direct docs/s (goal >= 0.8) for each worker count, and the rate
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
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The script's own folder comes first on sys.path, and bench/signing.py would shadow the
# signing library: put the repository first.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

PASSWORD = "docflow-demo"


def draft_pdf() -> bytes:
    from tests.pki import tiny_pdf

    return tiny_pdf()


def raw_ecdsa(key: Any, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# --------------------------------------------------------------------------- direct


def _leader_cert_for(key_pem: bytes) -> bytes:
    """A certificate for the key from the dev CA of STTTT (as enrolment would give)."""
    from cryptography.hazmat.primitives import serialization

    from tests.integration.test_signing_external import issue_cert

    key = serialization.load_pem_private_key(key_pem, None)
    return issue_cert(key.public_key())  # type: ignore[union-attr]


_crls: tuple[bytes, ...] = ()


def direct_one(work: str, key_pem: bytes, cert_pem: bytes, n: int, level: str) -> None:
    """One document's signatures through ``signing/`` only (runs in a worker)."""
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives import serialization

    import signing
    from docflow.devpki import dev_crls, dev_signer, dev_timestamper, dev_trust_roots

    global _crls
    import logging

    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # "fetching is not allowed": intended
    if not _crls:  # built once per worker, as the server does
        _crls = tuple(dev_crls())

    async def run() -> None:
        d = Path(work) / f"d{n}"
        d.mkdir()
        layout = signing.FieldLayout()
        await signing.async_add_signature_fields(draft_pdf(), d / "f.pdf", layout)
        ts = dev_timestamper()
        now = datetime.now(UTC)
        request = signing.SignRequest(
            level="B-T",
            field_name=layout.leader_field,
            appearance=signing.leader_appearance("Trần Quốc Bảo", "", now),
            timestamper=ts,
        )
        ca = dev_signer("stttt")[2]
        prepared = await signing.async_prepare_external(
            d / "f.pdf", d / "p.pdf", cert_pem, request, chain=tuple(ca)
        )
        key = serialization.load_pem_private_key(key_pem, None)
        sig = raw_ecdsa(key, prepared.to_be_signed_bytes())
        await signing.async_complete_external(
            d / "p.pdf", d / "l.pdf", prepared, sig, timestamper=ts
        )
        k, c, chain = dev_signer("STTTT")
        seal = signing.load_signer(signing.PemSource(key=k, certificate=c, chain=tuple(chain)))
        box = signing.seal_box_for(layout.leader_box)
        await signing.async_fill_and_seal(
            d / "l.pdf",
            d / "i.pdf",
            f"Số: {n:02d}/QĐ-STTTT",
            "Hậu Giang, ngày 26 tháng 11 năm 2026",
            signing.SignRequest(
                level=level,
                field_name="DauCoQuan",
                box=box,
                appearance=signing.seal_appearance(
                    "Sở Thông tin và Truyền thông", now, box_size=(box[2] - box[0], box[3] - box[1])
                ),
                timestamper=ts,
                trust_roots=tuple(dev_trust_roots()),
                crls=_crls,
                allow_fetching=False,
            ),
            seal,
        )

    asyncio.run(run())


def direct_rate(
    docs: int, concurrency: int, key_pem: bytes, cert_pem: bytes, level: str
) -> float:
    """Documents per second with ``concurrency`` documents in flight at a time (as many
    worker processes as that, at most one per core), like ``concurrency`` HTTP clients."""
    workers = min(os.cpu_count() or 1, concurrency)
    with tempfile.TemporaryDirectory() as work, ProcessPoolExecutor(workers) as pool:
        warm = [
            pool.submit(direct_one, work, key_pem, cert_pem, 1000 + n, level)
            for n in range(workers)
        ]
        for f in warm:  # warm-up: imports, key parsing
            f.result()
        started = time.perf_counter()
        futures = [
            pool.submit(direct_one, work, key_pem, cert_pem, n, level) for n in range(docs)
        ]
        for f in futures:
            f.result()
        return docs / (time.perf_counter() - started)


# --------------------------------------------------------------------------- HTTP


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data: Path, port: int, level: str, workers: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    env.update(
        DOCFLOW_DATA_DIR=str(data), DOCFLOW_LOG_LEVEL="WARNING", DOCFLOW_SEAL_LEVEL=level
    )
    cli = [sys.executable, "-m", "docflow"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
    return subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def http_run(base: str, docs: int, concurrency: int) -> tuple[float, list[float], int]:
    import httpx
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        for _ in range(200):
            try:
                if (await client.get("/health")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)

        async def login(user: str) -> dict[str, str]:
            r = await client.post(
                "/api/v1/auth/login", json={"username": user, "password": PASSWORD}
            )
            r.raise_for_status()
            return {"Authorization": f"Bearer {r.json()['token']}"}

        specialist, leader, clerk = [
            await login(u) for u in ("stttt.specialist", "stttt.leader", "stttt.clerk")
        ]
        key = ec.generate_private_key(ec.SECP256R1())
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([]))
            .sign(key, hashes.SHA256())
            .public_bytes(serialization.Encoding.PEM)
            .decode()
        )
        r = await client.post("/api/v1/me/certificates", json={"csr": csr}, headers=leader)
        r.raise_for_status()
        cert_id = r.json()["id"]
        pdf = draft_pdf()
        meta = json.dumps(
            {
                "document_type": "quyet_dinh",
                "subject": "Thử hiệu năng",
                "signer": "stttt.leader",
                "recipients": ["000.03.00.H30"],
                "place": "Hậu Giang",
            }
        )

        steps: dict[str, list[float]] = {}

        def lap(name: str, t: float) -> float:
            now = time.perf_counter()
            steps.setdefault(name, []).append(now - t)
            return now

        async def one() -> None:
            t = time.perf_counter()
            r = await client.post(
                "/api/v1/documents",
                files={"file": ("d.pdf", pdf)},
                data={"metadata": meta},
                headers=specialist,
            )
            r.raise_for_status()
            doc = r.json()["id"]
            t = lap("upload", t)
            r = await client.post(
                f"/api/v1/documents/{doc}/signatures/prepare",
                json={"certificate_id": cert_id},
                headers=leader,
            )
            r.raise_for_status()
            p = r.json()
            t = lap("prepare", t)
            sig = raw_ecdsa(key, base64.b64decode(p["to_be_signed"]))
            r = await client.post(
                f"/api/v1/documents/{doc}/signatures/complete",
                json={"session_id": p["session_id"], "signature": base64.b64encode(sig).decode()},
                headers=leader,
            )
            r.raise_for_status()
            t = lap("complete", t)
            r = await client.post(f"/api/v1/documents/{doc}/issue", headers=clerk)
            r.raise_for_status()
            lap("issue", t)

        # warm-up (not timed): every worker process starts, parses keys, builds caches
        await asyncio.gather(*(one() for _ in range(concurrency)))
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

        limit = asyncio.Semaphore(concurrency)

        async def limited() -> None:
            async with limit:
                await one()

        prober = asyncio.create_task(probe())
        started = time.perf_counter()
        await asyncio.gather(*(limited() for _ in range(docs)))
        elapsed = time.perf_counter() - started
        done.set()
        await prober
        print(
            "mean seconds per request: "
            + ", ".join(f"{k} {statistics.mean(v):.2f}" for k, v in steps.items())
        )
        return docs / elapsed, latencies, docs


def cpu_seconds(root: int) -> dict[int, tuple[str, float]]:
    """CPU seconds used so far by ``root`` and every descendant (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    info: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        info[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / ticks)
    found = {root}
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _name, _cpu) in info.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return {pid: (info[pid][1], info[pid][2]) for pid in found if pid in info}


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
    args = parser.parse_args()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_pem = _leader_cert_for(key_pem)
    # Measured before and after the HTTP runs (the machine may be shared): their mean.
    direct_before = direct_rate(args.docs, args.concurrency, key_pem, cert_pem, args.seal_level)
    rates: dict[int, float] = {}
    latencies: list[float] = []
    docs = 0
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as data:
            port = free_port()
            server = start_server(Path(data), port, args.seal_level, workers)
            try:
                print(f"serve --workers {workers}: ", end="", flush=True)
                rate, probes, docs = asyncio.run(
                    http_run(f"http://127.0.0.1:{port}", args.docs, args.concurrency)
                )
                rates[workers] = rate
                latencies += probes
                if os.environ.get("BENCH_CPU"):
                    for pid, (name, cpu) in sorted(cpu_seconds(server.pid).items()):
                        print(f"  cpu {pid} {name}: {cpu:.1f} s")
            finally:
                server.terminate()
                server.wait(timeout=30)

    direct_after = direct_rate(args.docs, args.concurrency, key_pem, cert_pem, args.seal_level)
    direct = (direct_before + direct_after) / 2
    health = p99(latencies)
    print(f"cores: {os.cpu_count()}, documents: {docs}, concurrency: {args.concurrency}")
    print(
        f"{'direct signing/ (fields, external B-T, fill+seal)':<58} {direct:7.2f} docs/s "
        f"(before {direct_before:.2f}, after {direct_after:.2f})"
    )
    for workers, rate in rates.items():
        ratio = rate / direct
        print(f"{f'HTTP upload -> prepare/complete -> issue, {workers} worker(s)':<58} "
              f"{rate:7.2f} docs/s")
        print(
            f"{'  ratio HTTP / direct (goal >= 0.8)':<58} {ratio:7.2f}  "
            f"{'OK' if ratio >= 0.8 else 'BELOW GOAL'}"
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
