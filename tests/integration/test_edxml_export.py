"""An issued document exported as an edXML package (``docflow.exchange.export``), over
HTTP and with the ``docflow edxml`` commands, on SQLite and PostgreSQL: it parses back
with the document's own data, its seal signature verifies with docflow and with
xmlsec1 against the dev root, any changed text is caught by ``docflow edxml check``,
and only the issuing agency can export, only once the document is issued."""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from lxml import etree
from sqlmodel import select

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.audit_models import AuditEvent
from docflow.core.settings import Settings
from docflow.exchange.edxml import (
    VIETNAM_TIME,
    TrustAnchors,
    check_package,
    errors_in,
    parse_package,
    verify_package,
)
from tests.integration.documents_support import (
    RECIPIENT,
    enrol,
    login,
    p256_key,
    seeded_settings,
    sign,
    upload,
)
from tests.integration.test_cli_commands import docflow
from tests.pki import tiny_pdf
from tests.services import require_tool

SENDER = "000.02.00.H30"  # STTTT in the demo directory
SUBJECT = "Về việc ban hành Quy chế quản lý văn bản điện tử"


async def _issued(client: AsyncTestClient, *, issue: bool = True) -> int:
    specialist = await login(client, "stttt.specialist")
    leader = await login(client, "stttt.leader")
    clerk = await login(client, "stttt.clerk")
    created = await upload(client, specialist, tiny_pdf(), subject=SUBJECT)
    assert created.status_code == 201, created.text
    doc_id = int(created.json()["id"])
    if not issue:
        return doc_id
    key = p256_key()
    cert_id = await enrol(client, leader, key)
    assert (await sign(client, leader, doc_id, key, cert_id)).status_code == 200
    issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
    assert issued.status_code == 200, issued.text
    return doc_id


async def _events(settings: Settings, action: str) -> list[AuditEvent]:
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            rows = await session.exec(select(AuditEvent).where(AuditEvent.action == action))
            return list(rows.all())
    finally:
        await runtime.dispose()


async def _anchors(settings: Settings) -> tuple[TrustAnchors, bytes]:
    runtime = build_runtime(settings)
    try:
        trust = runtime.signing.trust
        return TrustAnchors.of(trust.anchor_pems(), trust.ca_pems()), b"".join(trust.anchor_pems())
    finally:
        await runtime.dispose()


async def test_an_issued_document_exports_as_a_signed_package(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        doc_id = await _issued(client)
        clerk = await login(client, "stttt.clerk")
        info = (await client.get(f"/api/v1/documents/{doc_id}", headers=clerk)).json()
        pdf = (await client.get(f"/api/v1/documents/{doc_id}/file", headers=clerk)).content
        response = await client.get(f"/api/v1/documents/{doc_id}/edxml", headers=clerk)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        disposition = response.headers["content-disposition"]
        assert 'filename="01-QD-STTTT.edxml"' in disposition
        assert "filename*=UTF-8''01-Q%C4%90-STTTT.edxml" in disposition
        data = response.content
        assert hashlib.sha256(data).hexdigest() == response.headers["x-content-sha256"]

        # another agency's clerk, and a missing document: the same 404
        other = await login(client, "stc.clerk")
        denied = await client.get(f"/api/v1/documents/{doc_id}/edxml", headers=other)
        assert denied.status_code == 404, denied.text

    parsed = parse_package(data)
    assert errors_in(check_package(parsed)) == ()
    package = parsed.document
    issued = datetime.fromisoformat(info["issued_at"]).astimezone(UTC)
    day = issued.astimezone(VIETNAM_TIME)
    assert package.document_id == f"{SENDER},{day:%Y/%m/%d},01/QĐ-STTTT"
    assert (package.code.number, package.code.notation) == ("01", "QĐ-STTTT")  # type: ignore[union-attr]
    assert package.subject == SUBJECT
    assert package.sender.organ_id == SENDER
    assert package.sender.name == "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
    assert [r.organ_id for r in package.recipients] == [RECIPIENT]
    assert package.promulgation is not None and package.promulgation.place == "Hậu Giang"
    assert package.document_type is not None and package.document_type.name == "Quyết định"
    assert package.other_info is not None and package.other_info.priority == 1  # khẩn
    assert package.signer is not None and package.signer.full_name
    main = package.attachments[0]
    assert main.content_type == "application/pdf" and main.content.read() == pdf

    trust, root_pem = await _anchors(settings)
    verdict = verify_package(parsed, trust)
    assert verdict.valid, [p.en for p in verdict.problems]

    tool = require_tool("xmlsec1", "xmlsec1")
    (tmp_path / "root.pem").write_bytes(root_pem)
    (tmp_path / "doc.edxml").write_bytes(data)
    checked = subprocess.run(
        [tool, "--verify", "--trusted-pem", str(tmp_path / "root.pem"),
         str(tmp_path / "doc.edxml")],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert checked.returncode == 0, checked.stderr

    events = await _events(settings, "document.edxml_exported")
    assert len(events) == 1 and events[0].subject_id == str(doc_id)
    assert events[0].details["sha256"] == hashlib.sha256(data).hexdigest()


async def test_a_draft_is_refused_with_a_readable_reason(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        doc_id = await _issued(client, issue=False)
        clerk = await login(client, "stttt.clerk")
        response = await client.get(f"/api/v1/documents/{doc_id}/edxml", headers=clerk)
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert "not issued yet" in detail and "draft" in detail
    assert await _events(settings, "document.edxml_exported") == []


def _env(settings: Settings) -> dict[str, str]:
    return {"DOCFLOW_DATABASE_URL": settings.database_url}


def _tamper_texts(data: bytes) -> list[tuple[str, bytes]]:
    """The package with one element's text changed, for several elements."""
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    changed: list[tuple[str, bytes]] = []
    for name in ("Subject", "CodeNumber", "OrganId", "FullName", "PromulgationDate"):
        root = etree.fromstring(data, parser)
        element = next(e for e in root.iter() if etree.QName(e).localname == name)
        element.text = (element.text or "") + "9"
        changed.append((name, etree.tostring(root.getroottree(), xml_declaration=True,
                                             encoding="UTF-8")))
    return changed


async def test_cli_export_and_check(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        doc_id = await _issued(client)
        draft_id = await _issued(client, issue=False)
    data_dir = Path(settings.data_dir)
    env = _env(settings)
    out = tmp_path / "out.edxml"

    exported = docflow("edxml", "export", str(doc_id), str(out), data_dir=data_dir, **env)
    assert exported.returncode == 0, exported.stderr
    assert "01/QĐ-STTTT" in exported.stdout

    draft = docflow("edxml", "export", str(draft_id), str(tmp_path / "d.edxml"),
                    data_dir=data_dir, **env)
    assert draft.returncode == 1 and "Traceback" not in draft.stderr
    assert len(draft.stderr.strip().splitlines()) == 1 and "not issued yet" in draft.stderr
    assert not (tmp_path / "d.edxml").exists()
    missing = docflow("edxml", "export", "987654", str(tmp_path / "m.edxml"),
                      data_dir=data_dir, **env)
    assert missing.returncode == 1 and "does not exist" in missing.stderr

    good = docflow("edxml", "check", str(out), data_dir=data_dir, **env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "valid document package" in good.stdout

    data = out.read_bytes()
    for name, tampered in _tamper_texts(data):
        path = tmp_path / f"tampered-{name}.edxml"
        path.write_bytes(tampered)
        result = docflow("edxml", "check", str(path), data_dir=data_dir, **env)
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert "digest_mismatch" in result.stdout, (name, result.stdout)
        as_json = docflow("edxml", "check", "--json", str(path), data_dir=data_dir, **env)
        assert as_json.returncode == 1
        assert "digest_mismatch" in [p["code"] for p in json.loads(as_json.stdout)]


def test_cli_check_refuses_what_is_not_a_package(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    cases: dict[str, Any] = {
        "not-xml.edxml": b"%PDF-1.7 this is not XML",
        "doctype.edxml": (
            b'<?xml version="1.0"?>\n<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'\n<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&x;</edXML>'
        ),
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = docflow("edxml", "check", str(path), data_dir=data_dir)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and "passwd" not in result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("docflow: "), result.stderr
    absent = docflow("edxml", "check", str(tmp_path / "nope.edxml"), data_dir=data_dir)
    assert absent.returncode == 2
