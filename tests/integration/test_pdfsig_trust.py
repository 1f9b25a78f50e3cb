"""An outside validator trusts every docflow signature: poppler's ``pdfsig`` (NSS), with
the trust anchor downloaded from docflow, reports "Certificate is Trusted" for the
leader's (a personal certificate from the browser's CSR), the agency seal, the
attachment's signature and the recipient's incoming stamp — with OCSP off, and with OCSP
on against the dev PKI that a running docflow serves at the URLs its certificates name."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.browser.web_support import PASSWORD, running_server
from tests.integration.documents_support import enrol, metadata, p256_key, sign
from tests.integration.test_signing_support import pdfsig_report
from tests.integration.test_validation_helpers import text_pdf
from tests.services import require_tool

pytestmark = pytest.mark.slow


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def _issue_and_receive(client: httpx.AsyncClient) -> dict[str, bytes]:
    """Upload with an attachment, sign in the browser's way, issue, accept at STC."""
    specialist = await _login(client, "stttt.specialist")
    leader = await _login(client, "stttt.leader")
    clerk = await _login(client, "stttt.clerk")
    created = await client.post(
        "/api/v1/documents",
        files=[
            ("file", ("draft.pdf", text_pdf("Cong van so 1"), "application/pdf")),
            ("attachments", ("phu-luc.pdf", text_pdf("Phu luc 1"), "application/pdf")),
        ],
        data={"metadata": json.dumps(metadata(recipients=["000.03.00.H30"]))},
        headers=specialist,
    )
    assert created.status_code == 201, created.text
    doc_id = int(created.json()["id"])
    key = p256_key()
    cert_id = await enrol(client, leader, key)  # type: ignore[arg-type]
    signed = await sign(client, leader, doc_id, key, cert_id)  # type: ignore[arg-type]
    assert signed.status_code == 200, signed.text
    issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
    assert issued.status_code == 200, issued.text
    receiver = await _login(client, "stc.clerk")
    inbox = (await client.get("/api/v1/inbox", headers=receiver)).json()
    items = inbox["items"] if isinstance(inbox, dict) else inbox
    (transfer,) = [t for t in items if t["document_id"] == doc_id]
    accepted = await client.post(f"/api/v1/transfers/{transfer['id']}/accept", headers=receiver)
    assert accepted.status_code == 200 and accepted.json()["stamped"], accepted.text
    files = {
        "issued": (await client.get(f"/api/v1/documents/{doc_id}/file", headers=clerk)).content,
        "attachment": (
            await client.get(f"/api/v1/documents/{doc_id}/attachments/1/file", headers=clerk)
        ).content,
        "stamped": (
            await client.get(f"/api/v1/transfers/{transfer['id']}/file", headers=receiver)
        ).content,
    }
    files["anchor"] = (await client.get("/api/v1/trust/anchors")).content
    return files


def _nss_with(anchor: bytes, where: Path) -> str:
    certutil = require_tool("certutil", "libnss3-tools")
    where.mkdir()
    (where / "anchor.pem").write_bytes(anchor)
    subprocess.run([certutil, "-N", "--empty-password", "-d", f"sql:{where}"], check=True)
    subprocess.run(
        [
            certutil,
            "-A",
            "-n",
            "docflow",
            "-t",
            "CT,C,C",
            "-a",
            "-i",
            str(where / "anchor.pem"),
            "-d",
            f"sql:{where}",
        ],
        check=True,
    )
    return f"sql:{where}"


def _cms_verdicts(data: bytes, path: Path, nss: str, *, ocsp: bool) -> list[tuple[str, str]]:
    path.write_bytes(data)
    return [(s, c) for kind, s, c in pdfsig_report(path, nss, ocsp=ocsp) if kind != "unknown"]


async def test_pdfsig_trusts_every_docflow_signature(tmp_path: Path) -> None:
    require_tool("pdfsig", "poppler-utils")
    with running_server(tmp_path / "server") as origin:
        async with httpx.AsyncClient(base_url=origin, timeout=120) as client:
            files = await _issue_and_receive(client)
        nss = _nss_with(files["anchor"], tmp_path / "nss")
        expected: dict[str, int] = {"issued": 2, "attachment": 1, "stamped": 3}
        for name, count in expected.items():
            for ocsp in (False, True):  # OCSP on: NSS asks the running server's dev PKI
                verdicts = _cms_verdicts(files[name], tmp_path / f"{name}.pdf", nss, ocsp=ocsp)
                assert len(verdicts) == count, (name, verdicts)
                assert all(s == "Signature is Valid." for s, _ in verdicts), (name, ocsp, verdicts)
                assert all(c == "Certificate is Trusted." for _, c in verdicts), (
                    name,
                    ocsp,
                    verdicts,
                )
    # OCSP on really asked the server, at the URL the certificates name
    log = (tmp_path / "server" / "server.log").read_text()
    assert any(
        "/dev-pki/haugiang/ocsp/stttt" in line and "-> 200" in line for line in log.splitlines()
    )
