"""Benchmark: the first signature, issue and verification after ``docflow serve`` starts,
against the second, with the start-up warm-up off and on.

    .venv/bin/python bench/first_signature.py [--pause 15] [--only on|off]

Each run starts a real ``docflow serve`` on a fresh data directory (SQLite, local store,
dev PKI: nothing cached), waits for ``/health`` and then ``--pause`` seconds (a person
signing in and opening a draft), and times for two documents in turn: the leader's
enrolment (first document only), prepare + complete of the leader's signature, the
clerk's issue, and a verification of the issued file. Also reported: how long ``/health``
took to answer after the process started (the warm-up must not delay it). The servers'
logs go to the temporary directory (BENCH_LOG_LEVEL=DEBUG for more).
Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

PASSWORD = "docflow-demo"
#: The servers' logs (the warm-up says when it is done).
LOG_DIR = Path(tempfile.gettempdir())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data: Path, port: int, warm_up: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    env.update(DOCFLOW_DATA_DIR=str(data), DOCFLOW_WARM_UP=warm_up,
               DOCFLOW_LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "INFO"),
               DOCFLOW_PUBLIC_URL=f"http://127.0.0.1:{port}")
    cli = [sys.executable, "-m", "docflow"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
    log = open(LOG_DIR / f"first-signature-warm-up-{warm_up}.log", "wb")  # noqa: SIM115
    return subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "1"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def _csr(key: Any) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def _raw_ecdsa(key: Any, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


async def _timed(times: dict[str, float], name: str, call: Any) -> Any:
    started = time.perf_counter()
    answer = await call
    times[name] = time.perf_counter() - started
    assert answer.status_code < 300, f"{name}: {answer.status_code} {answer.text[:300]}"
    return answer


async def one_document(client: Any, who: dict[str, Any], n: int) -> dict[str, float]:
    from tests.pki import tiny_pdf

    times: dict[str, float] = {}
    meta = {"document_type": "cong_van", "subject": f"Về việc đo lần {n}", "urgency": "normal",
            "confidentiality": "none", "signer": "stttt.leader", "recipients": ["000.03.00.H30"]}
    made = await client.post("/api/v1/documents", headers=who["specialist"],
                             files={"file": ("d.pdf", tiny_pdf(), "application/pdf")},
                             data={"metadata": json.dumps(meta)})
    assert made.status_code == 201, made.text
    doc = made.json()["id"]
    if "cert" not in who:
        enrolled = await _timed(times, "enrol", client.post(
            "/api/v1/me/certificates", json={"csr": _csr(who["key"])}, headers=who["leader"]))
        who["cert"] = enrolled.json()["id"]
    started = time.perf_counter()
    prepared = await client.post(f"/api/v1/documents/{doc}/signatures/prepare",
                                 json={"certificate_id": who["cert"]}, headers=who["leader"])
    body = prepared.json()
    signature = _raw_ecdsa(who["key"], base64.b64decode(body["to_be_signed"]))
    await _timed(times, "sign", client.post(
        f"/api/v1/documents/{doc}/signatures/complete", headers=who["leader"],
        json={"session_id": body["session_id"], "signature": base64.b64encode(signature).decode()}))
    times["sign"] = time.perf_counter() - started
    await _timed(times, "issue", client.post(f"/api/v1/documents/{doc}/issue",
                                             headers=who["clerk"]))
    await _timed(times, "verify", client.get(f"/api/v1/documents/{doc}/verification",
                                             headers=who["clerk"]))
    return times


async def measure(base: str, started: float, pause: float) -> tuple[float, list[dict[str, float]]]:
    import httpx
    from cryptography.hazmat.primitives.asymmetric import ec

    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        while True:
            try:
                if (await client.get("/health")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
        health = time.perf_counter() - started
        await asyncio.sleep(pause)
        who: dict[str, Any] = {"key": ec.generate_private_key(ec.SECP256R1())}
        for user in ("specialist", "leader", "clerk"):
            answer = await client.post("/api/v1/auth/login",
                                       json={"username": f"stttt.{user}", "password": PASSWORD})
            who[user] = {"Authorization": f"Bearer {answer.json()['token']}"}
        return health, [await one_document(client, who, n) for n in (1, 2)]


def run(warm_up: str, pause: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        started = time.perf_counter()
        server = start(Path(tmp), port, warm_up)
        try:
            health, docs = asyncio.run(measure(f"http://127.0.0.1:{port}", started, pause))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"\nserver log: {LOG_DIR / f'first-signature-warm-up-{warm_up}.log'}")
    print(f"DOCFLOW_WARM_UP={warm_up}: /health answered {health:.2f} s after start "
          f"(incl. db upgrade + demo seed); then {pause:.0f} s pause")
    print(f"{'':10}{'enrol':>8}{'sign':>8}{'issue':>8}{'verify':>8}{'total':>8}")
    for n, times in enumerate(docs, start=1):
        cells = [times.get(k) for k in ("enrol", "sign", "issue", "verify")]
        total = sum(c for c in cells if c)
        shown = "".join(f"{c:8.2f}" if c is not None else f"{'-':>8}" for c in cells)
        print(f"{'doc ' + str(n):10}{shown}{total:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pause", type=float, default=15.0)
    parser.add_argument("--only", choices=("on", "off"))
    args = parser.parse_args()
    for warm_up in ([args.only] if args.only else ["off", "on"]):
        run(warm_up, args.pause)


if __name__ == "__main__":
    main()
