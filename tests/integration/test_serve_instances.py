"""Two real ``docflow serve`` processes on one PostgreSQL database answer as one service:
a token from one works on the other, a signature prepared on one completes on the other,
sign-in throttling counts across both, and a sign-out or password change made through
one is refused by the other on the very next request (its principal cache included)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.documents_support import (
    PASSWORD,
    complete,
    enrol,
    login,
    p256_key,
    prepare,
    seeded_settings,
    upload,
    webcrypto_sign,
)
from tests.pki import tiny_pdf
from tests.services import (
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
    require,
)

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"docflow serve exited with {proc.returncode}"
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not become healthy")


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    ok, reason = postgres_available()
    require(ok, reason)
    db = create_postgres_database()
    data = tmp_path_factory.mktemp("two-instances")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        asyncio.run(seeded_settings(db.url, data))
        ports = [_free_port(), _free_port()]
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DOCFLOW_DATABASE_URL": db.url,
            "DOCFLOW_DATA_DIR": str(data),  # one object store for both, as S3 would be
            "DOCFLOW_PUBLIC_URL": urls[0],
            "DOCFLOW_WEB_BACKGROUND": "off",
            "DOCFLOW_LOG_LEVEL": "WARNING",
        }
        for port in ports:
            cmd = [sys.executable, "-m", "docflow", "serve", "--port", str(port), "--workers", "1"]
            procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT))
        for url, proc in zip(urls, procs, strict=True):
            _wait_healthy(url, proc)
        yield urls[0], urls[1]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_postgres_database(db)


@pytest.fixture
async def clients(instances: tuple[str, str]) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    a, b = instances
    async with (
        httpx.AsyncClient(base_url=a, timeout=120) as one,
        httpx.AsyncClient(base_url=b, timeout=120) as two,
    ):
        yield one, two


async def test_a_token_from_one_instance_works_on_the_other_until_signed_out(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    headers = await login(a, "stttt.clerk")  # type: ignore[arg-type]
    for client in (b, a, b):  # both instances have now looked the token up (and cached it)
        me = await client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200, me.text
        assert me.json()["user"]["username"] == "stttt.clerk"
    out = await b.post("/api/v1/auth/logout", headers=headers)
    assert out.status_code == 200
    refused = await a.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert "logged out" in refused.json()["detail"]


async def test_a_password_change_on_one_instance_ends_other_sessions_on_both(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    kept = await login(a, "stc.clerk")  # type: ignore[arg-type]
    other = await login(b, "stc.clerk")  # type: ignore[arg-type]
    for client in (a, b):
        assert (await client.get("/api/v1/me", headers=other)).status_code == 200
    changed = await b.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "Another-long-passphrase-2026"},
        headers=kept,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["other_sessions_ended"] >= 1
    assert (await a.get("/api/v1/me", headers=other)).status_code == 401
    assert (await b.get("/api/v1/me", headers=other)).status_code == 401
    assert (await a.get("/api/v1/me", headers=kept)).status_code == 200


async def test_sign_in_throttling_counts_across_instances(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    attempt = {"username": "nobody.at.all", "password": "wrong-password-123"}
    for i in range(5):  # the pair's allowance (LoginPolicy.free_per_pair), split over both
        answer = await (a if i % 2 else b).post("/api/v1/auth/login", json=attempt)
        assert answer.status_code == 401, answer.text
    for client in (a, b):
        answer = await client.post("/api/v1/auth/login", json=attempt)
        assert answer.status_code == 429, answer.text


async def test_a_signature_prepared_on_one_instance_completes_on_the_other(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    specialist = await login(a, "stttt.specialist")  # type: ignore[arg-type]
    leader = await login(b, "stttt.leader")  # type: ignore[arg-type]
    created = await upload(a, specialist, tiny_pdf())  # type: ignore[arg-type]
    assert created.status_code == 201, created.text
    doc_id = created.json()["id"]
    key = p256_key()
    cert_id = await enrol(b, leader, key)  # type: ignore[arg-type]
    prepared = await prepare(a, leader, doc_id, cert_id)  # type: ignore[arg-type]
    assert prepared.status_code == 200, prepared.text
    body = prepared.json()
    import base64

    signature = webcrypto_sign(key, base64.b64decode(body["to_be_signed"]))
    signed = await complete(b, leader, doc_id, body["session_id"], signature)  # type: ignore[arg-type]
    assert signed.status_code == 200, signed.text
    assert signed.json()["state"] == "signed"
