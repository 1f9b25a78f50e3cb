"""Helpers for the outgoing-document tests: a seeded app, sign-in, upload, enrolment of a
P-256 key by CSR and the WebCrypto-style external signature."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import anyio.to_thread
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from litestar.testing import AsyncTestClient

from docflow.bootstrap import build_runtime
from docflow.cli.demo import seed_demo
from docflow.core.migrate import upgrade
from docflow.core.settings import Settings

PASSWORD = "documents-test-password"
RECIPIENT = "000.03.00.H30"  # STC


async def seeded_settings(database_url: str, tmp_path: Path, **extra: str) -> Settings:
    await anyio.to_thread.run_sync(upgrade, database_url)
    settings = Settings.from_env(
        {"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": database_url, **extra}
    )
    runtime = build_runtime(settings)
    try:
        async with runtime.transaction() as session:
            await seed_demo(session, PASSWORD)
    finally:
        await runtime.dispose()
    return settings


async def login(client: AsyncTestClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def metadata(**overrides: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "document_type": "quyet_dinh",
        "subject": "Về việc ban hành Quy chế quản lý văn bản điện tử",
        "urgency": "khan",
        "confidentiality": "none",
        "signer": "stttt.leader",
        "recipients": [RECIPIENT],
        "place": "Hậu Giang",
    }
    meta.update(overrides)
    return meta


async def upload(
    client: AsyncTestClient, headers: dict[str, str], pdf: bytes, **overrides: Any
) -> Any:
    return await client.post(
        "/api/v1/documents",
        files={"file": ("draft.pdf", pdf, "application/pdf")},
        data={"metadata": json.dumps(metadata(**overrides))},
        headers=headers,
    )


def p256_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


async def enrol(client: AsyncTestClient, headers: dict[str, str], key: Any) -> int:
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    response = await client.post("/api/v1/me/certificates", json={"csr": csr}, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def webcrypto_sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """What ``crypto.subtle.sign({name: "ECDSA", hash: "SHA-256"})`` returns: raw r||s."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


async def prepare(
    client: AsyncTestClient, headers: dict[str, str], document_id: int, cert_id: int
) -> Any:
    return await client.post(
        f"/api/v1/documents/{document_id}/signatures/prepare",
        json={"certificate_id": cert_id},
        headers=headers,
    )


async def complete(
    client: AsyncTestClient,
    headers: dict[str, str],
    document_id: int,
    session_id: str,
    signature: bytes,
) -> Any:
    return await client.post(
        f"/api/v1/documents/{document_id}/signatures/complete",
        json={"session_id": session_id, "signature": base64.b64encode(signature).decode()},
        headers=headers,
    )


async def sign(
    client: AsyncTestClient,
    headers: dict[str, str],
    document_id: int,
    key: ec.EllipticCurvePrivateKey,
    cert_id: int,
) -> Any:
    prepared = await prepare(client, headers, document_id, cert_id)
    assert prepared.status_code == 200, prepared.text
    body = prepared.json()
    assert body["algorithm"] == "ECDSA-P256/SHA-256"
    tbs = base64.b64decode(body["to_be_signed"])
    return await complete(
        client, headers, document_id, body["session_id"], webcrypto_sign(key, tbs)
    )
