"""What outgoing-document requests refuse, with a readable 4xx and nothing changed:
bad files (non-PDF, encrypted, every corpus file), wrong signature bytes, someone
else's or an expired signing session, the wrong signer, issuing unsigned or twice."""

from __future__ import annotations

import base64
import io
import os
from datetime import timedelta
from pathlib import Path

import pypdf
from litestar.testing import AsyncTestClient
from sqlmodel import func, select

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.models_base import utcnow
from docflow.documents.models import Document, DocumentVersion, SigningSession
from tests.integration.documents_support import (
    complete,
    enrol,
    login,
    p256_key,
    prepare,
    seeded_settings,
    sign,
    upload,
    webcrypto_sign,
)
from tests.integration.test_documents_numbering import (
    leader_signed_pdf,
    register_state,
    signed_drafts,
)
from tests.pki import tiny_pdf
from tests.services import SHARED_CORPUS, require

CORPUS = SHARED_CORPUS


def _objects(tmp_path: Path) -> int:
    return sum(1 for p in (tmp_path / "objects").rglob("*") if p.is_file())


async def _counts(settings) -> tuple[int, int]:
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            docs = (await session.exec(select(func.count()).select_from(Document))).one()
            versions = (await session.exec(select(func.count()).select_from(DocumentVersion))).one()
            return int(docs), int(versions)
    finally:
        await runtime.dispose()


def _encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(tiny_pdf())))
    writer.encrypt("user-password", "owner-password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _assert_refused(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert words.lower() in body["detail"].lower(), body


async def test_signing_refusals_change_nothing(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        leader = await login(client, "stttt.leader")
        clerk = await login(client, "stttt.clerk")
        doc_id = (await upload(client, specialist, tiny_pdf())).json()["id"]
        key = p256_key()
        cert_id = await enrol(client, leader, key)

        # the clerk cannot issue a draft nobody signed
        _assert_refused(
            await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk),
            409,
            "not yet signed",
        )
        # only the designated signer prepares
        other_key = p256_key()
        other_cert = await enrol(client, specialist, other_key)
        _assert_refused(await prepare(client, specialist, doc_id, other_cert), 403, "signer")
        # the leader cannot use someone else's certificate
        _assert_refused(await prepare(client, leader, doc_id, other_cert), 422, "certificate")

        prepared = (await prepare(client, leader, doc_id, cert_id)).json()
        tbs = base64.b64decode(prepared["to_be_signed"])
        objects_before = _objects(tmp_path)
        counts_before = await _counts(settings)

        wrong = bytearray(webcrypto_sign(key, tbs))
        wrong[7] ^= 0xFF
        _assert_refused(
            await complete(client, leader, doc_id, prepared["session_id"], bytes(wrong)),
            422,
            "signature",
        )
        # a signature by another key over the right bytes
        _assert_refused(
            await complete(
                client, leader, doc_id, prepared["session_id"], webcrypto_sign(other_key, tbs)
            ),
            422,
            "signature",
        )
        # someone else completing the leader's session
        _assert_refused(
            await complete(
                client, specialist, doc_id, prepared["session_id"], webcrypto_sign(key, tbs)
            ),
            403,
            "someone else",
        )
        # an expired session
        runtime = build_runtime(settings)
        try:
            async with runtime.session() as session:
                row = await session.get(SigningSession, prepared["session_id"])
                assert row is not None
                row.expires_at = utcnow() - timedelta(seconds=1)
                session.add(row)
                await session.commit()
        finally:
            await runtime.dispose()
        _assert_refused(
            await complete(
                client, leader, doc_id, prepared["session_id"], webcrypto_sign(key, tbs)
            ),
            410,
            "expired",
        )
        assert _objects(tmp_path) == objects_before
        assert await _counts(settings) == counts_before
        info = (await client.get(f"/api/v1/documents/{doc_id}", headers=leader)).json()
        assert info["state"] == "draft" and len(info["versions"]) == 2

        # a fresh session works; signing twice does not
        assert (await sign(client, leader, doc_id, key, cert_id)).status_code == 200
        _assert_refused(await prepare(client, leader, doc_id, cert_id), 409, "already signed")
        # a specialist is not a clerk
        _assert_refused(
            await client.post(f"/api/v1/documents/{doc_id}/issue", headers=specialist),
            403,
            "clerk",
        )
        # another agency's clerk does not even see it
        stc_clerk = await login(client, "stc.clerk")
        response = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=stc_clerk)
        assert response.status_code == 404
        response = await client.get(f"/api/v1/documents/{doc_id}", headers=stc_clerk)
        assert response.status_code == 404


async def test_issue_refused_when_the_signers_signature_does_not_validate(
    tmp_path: Path,
) -> None:
    settings = await seeded_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", tmp_path)
    # signed by a certificate revoked on 2026-03-01
    pdf = await leader_signed_pdf(tmp_path, "revoked-signer")
    (doc_id,) = await signed_drafts(settings, pdf, 1)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        clerk = await login(client, "stttt.clerk")
        response = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
        _assert_refused(response, 422, "does not validate")
        info = (await client.get(f"/api/v1/documents/{doc_id}", headers=clerk)).json()
        assert info["state"] == "signed" and info["number"] is None
    entries, last = await register_state(settings)
    assert entries == [] and last == 0


async def test_bad_uploads_are_refused(tmp_path: Path) -> None:
    settings = await seeded_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", tmp_path, DOCFLOW_MAX_UPLOAD_MB="1"
    )
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        auditor = await login(client, "stttt.auditor")
        _assert_refused(await upload(client, specialist, b"hello, not a PDF"), 422, "PDF")
        _assert_refused(await upload(client, specialist, _encrypted_pdf()), 422, "encrypted")
        _assert_refused(
            await upload(client, specialist, tiny_pdf(), document_type="sac_lenh"),
            422,
            "document_type",
        )
        _assert_refused(
            await upload(client, specialist, tiny_pdf(), signer="stttt.specialist"),
            422,
            "not a leader",
        )
        _assert_refused(
            await upload(client, specialist, tiny_pdf(), signer="stc.leader"),
            422,
            "not a person of your agency",
        )
        _assert_refused(
            await upload(client, specialist, tiny_pdf(), recipients=["999.99.99.H99"]),
            422,
            "Unknown recipient",
        )
        _assert_refused(await upload(client, auditor, tiny_pdf()), 403, "auditor")
        big = tiny_pdf() + b"%" + os.urandom(1024 * 1024)
        response = await upload(client, specialist, big)
        assert response.status_code == 413, response.text
    assert await _counts(settings) == (0, 0)
    assert _objects(tmp_path) == 0


async def test_every_corpus_file_upload_is_answered_without_error(tmp_path: Path) -> None:
    files = sorted(CORPUS.rglob("*.pdf")) if CORPUS.is_dir() else []
    require(bool(files), f"corpus not found at {CORPUS} (set DOCFLOW_SHARED_DIR)")
    settings = await seeded_settings(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", tmp_path)
    accepted: list[str] = []
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        for path in files:
            response = await upload(client, specialist, path.read_bytes())
            name = path.relative_to(CORPUS).as_posix()
            assert response.status_code in (201, 422), (name, response.text)
            if response.status_code == 201:
                accepted.append(name)
            else:
                assert response.json()["detail"], name
    docs, versions = await _counts(settings)
    assert docs == len(accepted) and versions == 2 * len(accepted)
    # Unreadable, encrypted or signed files never become drafts; plain readable ones may.
    inventory = _inventory()
    for name in accepted:
        facts = inventory.get(name, "")
        assert "parse=ok" in facts and "signatures=0" in facts, (name, facts)
        assert "encrypted=True" not in facts, (name, facts)


def _inventory() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (CORPUS / "INVENTORY.txt").read_text().splitlines():
        name, _, rest = line.partition(" ")
        found[name] = rest
    return found
