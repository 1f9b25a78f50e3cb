"""Evidence bundles: built over HTTP, verified offline in a fresh process with no database
and no network; one changed byte in any member fails, naming the member."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from docflow.app import create_app
from docflow.audit import bundle_layout as layout
from docflow.audit.bundle_check import UnreadableBundle, async_check_bundle
from tests.integration.documents_support import (
    enrol,
    login,
    metadata,
    p256_key,
    seeded_settings,
    sign,
)
from tests.integration.routing_support import STC
from tests.pki import tiny_pdf


def run_verify_bundle(path: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    """``docflow verify-bundle`` as a machine that never saw the server would run it."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "DOCFLOW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'nowhere' / 'missing.db'}",
        "DOCFLOW_DATA_DIR": str(tmp / "nowhere"),
        # Any attempt to fetch CRL/OCSP/certificates over HTTP goes nowhere.
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
    }
    return subprocess.run(
        [sys.executable, "-m", "docflow", "verify-bundle", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp,
        check=False,
    )


def with_member_changed(bundle: bytes, name: str) -> bytes:
    """The same zip with one byte of ``name`` flipped (everything else byte-identical)."""
    source = zipfile.ZipFile(io.BytesIO(bundle))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == name:
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
            target.writestr(info, data)
    return out.getvalue()


async def _issue_with_attachment(client: AsyncTestClient) -> int:
    specialist = await login(client, "stttt.specialist")
    leader = await login(client, "stttt.leader")
    created = await client.post(
        "/api/v1/documents",
        files=[
            ("file", ("draft.pdf", tiny_pdf(), "application/pdf")),
            ("attachments", ("phu-luc-1.pdf", tiny_pdf(), "application/pdf")),
        ],
        data={"metadata": json.dumps(metadata(recipients=[STC]))},
        headers=specialist,
    )
    assert created.status_code == 201, created.text
    doc_id = int(created.json()["id"])
    key = p256_key()
    cert_id = await enrol(client, leader, key)
    assert (await sign(client, leader, doc_id, key, cert_id)).status_code == 200
    issued = await client.post(
        f"/api/v1/documents/{doc_id}/issue", headers=await login(client, "stttt.clerk")
    )
    assert issued.status_code == 200, issued.text
    return doc_id


async def _bundle(settings) -> tuple[int, bytes]:
    async with AsyncTestClient(app=create_app(settings), timeout=300) as client:
        doc_id = await _issue_with_attachment(client)
        auditor = await login(client, "stttt.auditor")
        response = await client.get(f"/api/v1/documents/{doc_id}/evidence", headers=auditor)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/zip")
        return doc_id, response.content


async def test_evidence_bundle_verifies_offline_and_names_any_changed_member(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path / "server")
    doc_id, data = await _bundle(settings)
    bundle = tmp_path / "evidence.zip"
    bundle.write_bytes(data)
    names = set(zipfile.ZipFile(bundle).namelist())
    assert {
        layout.MANIFEST,
        layout.MANIFEST_SIGNATURE,
        layout.EVENTS,
        layout.PROOFS,
        layout.CHECKPOINT,
        layout.CHECKPOINT_SIGNATURE,
        layout.CHECKPOINT_TIMESTAMP,
    } <= names
    assert {layout.document_member(v) for v in (1, 2, 3, 4)} <= names
    assert layout.etsi_member(4) in names and layout.report_member(4) in names
    assert {"attachments/a1.pdf", "attachments/a1-signed.pdf"} <= names
    assert "reports/attachments/a1-signed.json" in names
    assert any(n.startswith(layout.CRLS_DIR) for n in names)

    offline = tmp_path / "offline"
    offline.mkdir()
    passed = run_verify_bundle(bundle, offline)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "bundle verified" in passed.stdout

    if "postgresql" in database_url:
        return  # the bundle's format does not depend on the database: tamper once
    for name in sorted(names):
        changed = tmp_path / "changed.zip"
        changed.write_bytes(with_member_changed(data, name))
        result = await async_check_bundle(changed)
        assert not result.ok, name
        assert any(name in p for p in result.problems), (name, result.problems)
    # the CLI: exit 1 with the member named; exit 2 for a file that is not a zip
    changed = tmp_path / "changed.zip"
    changed.write_bytes(with_member_changed(data, layout.EVENTS))
    failed = run_verify_bundle(changed, offline)
    assert failed.returncode == 1 and layout.EVENTS in failed.stdout, failed.stdout
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip at all")
    with pytest.raises(UnreadableBundle):
        await async_check_bundle(garbage)
    unreadable = run_verify_bundle(garbage, offline)
    assert unreadable.returncode == 2, unreadable.stdout + unreadable.stderr


def _rewritten(bundle: bytes, name: str, change) -> bytes:  # type: ignore[no-untyped-def]
    """The zip with ``name`` changed by ``change`` and manifest.json made to agree (so
    only the seal and the proofs can tell)."""
    source = zipfile.ZipFile(io.BytesIO(bundle))
    new = change(source.read(name))
    manifest = json.loads(source.read(layout.MANIFEST))
    for member in manifest["members"]:
        if member["name"] == name:
            member["sha256"] = hashlib.sha256(new).hexdigest()
            member["size"] = len(new)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == name:
                data = new
            elif info.filename == layout.MANIFEST:
                data = json.dumps(manifest, indent=2).encode()
            target.writestr(info, data)
    return out.getvalue()


async def test_a_clerks_bundle_holds_only_the_documents_events_with_proofs(
    database_url: str, tmp_path: Path
) -> None:
    """Other agencies' sign-ins and refusals stay out; each event of the document comes
    with a proof that verifies offline; a changed event or proof is named."""
    settings = await seeded_settings(database_url, tmp_path / "server")
    async with AsyncTestClient(app=create_app(settings), timeout=300) as client:
        doc_id = await _issue_with_attachment(client)
        stranger = await login(client, "ubndvt.clerk")  # another agency signs in...
        refused = await client.get(f"/api/v1/documents/{doc_id}/file", headers=stranger)
        assert refused.status_code == 404  # ...and is refused this document
        await login(client, "stc.specialist")
        clerk = await login(client, "stttt.clerk")
        response = await client.get(f"/api/v1/documents/{doc_id}/evidence", headers=clerk)
        assert response.status_code == 200, response.text
        data = response.content
    members = zipfile.ZipFile(io.BytesIO(data))
    events = [json.loads(line) for line in members.read(layout.EVENTS).splitlines()]
    actions = [e["action"] for e in events]
    assert actions[0] == "document.created" and "document.issued" in actions
    assert all(a.startswith(("document.", "transfer.")) for a in actions), actions
    assert all(e["subject_type"] in ("document", "transfer") for e in events)
    assert not any(e["actor_agency_id"] and e["action"] == "access.denied" for e in events)
    proofs = json.loads(members.read(layout.PROOFS))
    assert sorted(p["seq"] for p in proofs["proofs"]) == sorted(e["seq"] for e in events)
    assert proofs["size"] > max(e["position"] for e in events) - 1
    # only digests of the other events travel, inside the paths
    assert all(set(p) == {"seq", "position", "digest", "path"} for p in proofs["proofs"])

    bundle = tmp_path / "clerk.zip"
    bundle.write_bytes(data)
    offline = tmp_path / "offline"
    offline.mkdir()
    passed = run_verify_bundle(bundle, offline)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "events of the document proven" in passed.stdout

    if "postgresql" in database_url:
        return
    target = events[1]["seq"]

    def edit_event(raw: bytes) -> bytes:
        lines = raw.splitlines(keepends=True)
        line = json.loads(lines[1])
        line["action"] = "document.forged"
        lines[1] = json.dumps(line, ensure_ascii=False, sort_keys=True).encode() + b"\n"
        return b"".join(lines)

    def bend_proof(raw: bytes) -> bytes:
        body = json.loads(raw)
        body["proofs"][1]["path"][0] = "00" * 32
        return json.dumps(body).encode()

    for name, change, expected in (
        (layout.EVENTS, edit_event, f"{layout.EVENTS}: event {target}: its content"),
        (layout.PROOFS, bend_proof, f"{layout.PROOFS}: the proof for event {target}"),
    ):
        tampered = tmp_path / "tampered.zip"
        tampered.write_bytes(_rewritten(data, name, change))
        result = await async_check_bundle(tampered)
        assert any(p.startswith(expected) for p in result.problems), result.problems
        assert any(layout.MANIFEST in p for p in result.problems)  # the seal breaks too
        cli = run_verify_bundle(tampered, offline)
        assert cli.returncode == 1 and expected in cli.stdout, cli.stdout
