"""Outgoing document end to end over HTTP, on SQLite and PostgreSQL: the specialist
uploads, the leader enrols a P-256 key by CSR and signs with a WebCrypto-style
signature, the clerk issues; the PDF holds both signatures, valid for docflow verify
and for poppler's pdfsig, with the number and date on the page."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from litestar.testing import AsyncTestClient

from docflow.app import create_app
from signing import TrustConfig, async_validate_pdf, load_certificates
from tests.integration.documents_support import (
    enrol,
    login,
    metadata,
    p256_key,
    prepare,
    seeded_settings,
    sign,
    upload,
)
from tests.integration.test_signing_support import (
    ROOT_PEM,
    assert_pdfsig_valid,
    nss_db,  # noqa: F401 - fixture
)
from tests.pki import tiny_pdf
from tests.services import require_tool


async def test_draft_sign_issue_end_to_end(
    database_url: str,
    tmp_path: Path,
    nss_db: str,  # noqa: F811
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        leader = await login(client, "stttt.leader")
        clerk = await login(client, "stttt.clerk")

        created = await upload(client, specialist, tiny_pdf())
        assert created.status_code == 201, created.text
        draft = created.json()
        doc_id = draft["id"]
        assert draft["state"] == "draft"
        assert [v["produced_by"] for v in draft["versions"]] == ["upload", "fields"]

        key = p256_key()
        cert_id = await enrol(client, leader, key)
        signed = await sign(client, leader, doc_id, key, cert_id)
        assert signed.status_code == 200, signed.text
        assert signed.json()["state"] == "signed"

        issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
        assert issued.status_code == 200, issued.text
        answer = issued.json()
        assert answer["number"] == 1
        assert answer["symbol"] == "01/QĐ-STTTT"

        again = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
        assert again.status_code == 409 and "01/QĐ-STTTT" in again.json()["detail"]

        info = (await client.get(f"/api/v1/documents/{doc_id}", headers=specialist)).json()
        assert info["state"] == "issued" and info["symbol"] == "01/QĐ-STTTT"
        assert [v["produced_by"] for v in info["versions"]] == [
            "upload",
            "fields",
            "leader_signature",
            "issuance",
        ]
        download = await client.get(f"/api/v1/documents/{doc_id}/file", headers=specialist)
        assert download.status_code == 200
        data = download.content
        assert hashlib.sha256(data).hexdigest() == download.headers["x-content-sha256"]
        assert download.headers["x-content-sha256"] == info["versions"][-1]["sha256"]
        earlier = await client.get(
            f"/api/v1/documents/{doc_id}/file", params={"version": 3}, headers=specialist
        )
        assert data.startswith(earlier.content)  # a signature never rewrites bytes

    report = await async_validate_pdf(
        data,
        TrustConfig(trust_anchors=tuple(load_certificates(ROOT_PEM))).replace(
            crls=tuple(_dev_crls())
        ),
    )
    leader_sig, seal = report.signatures
    assert leader_sig.field_name == "ChuKyLanhDao" and leader_sig.passed, leader_sig.errors
    assert leader_sig.modifications.kind.value == "form_filling"
    assert seal.passed and seal.level == "B-LTA", (seal.level, seal.errors)

    path = tmp_path / "issued.pdf"
    path.write_bytes(data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
    verify = subprocess.run(
        [sys.executable, "-m", "docflow", "verify", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.count("TOTAL_PASSED") >= 2

    assert_pdfsig_valid(data, tmp_path, nss_db, expected=2)
    pdftotext = require_tool("pdftotext", "poppler-utils")
    text = subprocess.run(
        [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Số: 01/QĐ-STTTT" in text
    assert "Hậu Giang, ngày" in text


def _dev_crls() -> list[bytes]:
    from docflow.devpki import dev_crls

    return dev_crls()


async def test_approvers_sign_in_order_before_the_signer(tmp_path: Path) -> None:
    settings = await seeded_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        admin = await login(client, "stttt.admin")
        leader = await login(client, "stttt.leader")
        clerk = await login(client, "stttt.clerk")
        created = await upload(
            client, specialist, tiny_pdf(), approvers=["stttt.specialist", "stttt.admin"]
        )
        assert created.status_code == 201, created.text
        doc_id = created.json()["id"]
        keys = {name: p256_key() for name in ("specialist", "admin", "leader")}
        certs = {
            "specialist": await enrol(client, specialist, keys["specialist"]),
            "admin": await enrol(client, admin, keys["admin"]),
            "leader": await enrol(client, leader, keys["leader"]),
        }
        early = await prepare(client, leader, doc_id, certs["leader"])
        assert early.status_code == 409 and "stttt.specialist" in early.json()["detail"]
        early = await prepare(client, admin, doc_id, certs["admin"])
        assert early.status_code == 409

        first = await sign(client, specialist, doc_id, keys["specialist"], certs["specialist"])
        assert first.status_code == 200, first.text
        assert first.json()["state"] == "draft"
        twice = await prepare(client, specialist, doc_id, certs["specialist"])
        assert twice.status_code == 409 and "already signed" in twice.json()["detail"]
        assert twice.json()["code"] == "already_signed"  # the pages say it in Vietnamese
        second = await sign(client, admin, doc_id, keys["admin"], certs["admin"])
        assert second.status_code == 200, second.text
        unsigned = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
        assert unsigned.status_code == 409
        last = await sign(client, leader, doc_id, keys["leader"], certs["leader"])
        assert last.status_code == 200 and last.json()["state"] == "signed", last.text
        assert [v["produced_by"] for v in last.json()["versions"]] == [
            "upload",
            "fields",
            "approval",
            "approval",
            "leader_signature",
        ]
        issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
        assert issued.status_code == 200, issued.text
        data = (await client.get(f"/api/v1/documents/{doc_id}/file", headers=clerk)).content

    report = await async_validate_pdf(
        data,
        TrustConfig(trust_anchors=tuple(load_certificates(ROOT_PEM))).replace(
            crls=tuple(_dev_crls())
        ),
    )
    assert [s.field_name for s in report.signatures] == [
        "PheDuyet1",
        "PheDuyet2",
        "ChuKyLanhDao",
        "DauCoQuan",
    ]
    assert report.passed, [(s.field_name, s.errors) for s in report.signatures]


async def test_attachments_are_signed_by_the_agency_at_issuance(tmp_path: Path) -> None:
    settings = await seeded_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        leader = await login(client, "stttt.leader")
        clerk = await login(client, "stttt.clerk")
        refused = await client.post(
            "/api/v1/documents",
            files=[
                ("file", ("draft.pdf", tiny_pdf(), "application/pdf")),
                ("attachments", ("bad.pdf", b"not a pdf", "application/pdf")),
            ],
            data={"metadata": json.dumps(metadata())},
            headers=specialist,
        )
        assert refused.status_code == 422 and "bad.pdf" in refused.json()["detail"]
        created = await client.post(
            "/api/v1/documents",
            files=[
                ("file", ("draft.pdf", tiny_pdf(), "application/pdf")),
                ("attachments", ("phu-luc-1.pdf", tiny_pdf(), "application/pdf")),
            ],
            data={"metadata": json.dumps(metadata())},
            headers=specialist,
        )
        assert created.status_code == 201, created.text
        doc_id = created.json()["id"]
        assert created.json()["attachments"][0]["signed"] is False
        key = p256_key()
        cert_id = await enrol(client, leader, key)
        assert (await sign(client, leader, doc_id, key, cert_id)).status_code == 200
        issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
        assert issued.status_code == 200, issued.text
        info = (await client.get(f"/api/v1/documents/{doc_id}", headers=clerk)).json()
        assert info["attachments"][0]["signed"] is True
        response = await client.get(f"/api/v1/documents/{doc_id}/attachments/1/file", headers=clerk)
        assert response.status_code == 200
        data = response.content
        assert hashlib.sha256(data).hexdigest() == response.headers["x-content-sha256"]

    report = await async_validate_pdf(
        data,
        TrustConfig(trust_anchors=tuple(load_certificates(ROOT_PEM))).replace(
            crls=tuple(_dev_crls())
        ),
    )
    (seal,) = report.signatures
    assert seal.passed, seal.errors
    assert seal.signer is not None and "Thông tin và Truyền thông" in (
        seal.signer.organisation or seal.signer.name
    )
    path = tmp_path / "attachment.pdf"
    path.write_bytes(data)
    pdftotext = require_tool("pdftotext", "poppler-utils")
    text = subprocess.run(
        [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert issued.json()["symbol"] in text
