"""``POST /api/v1/verify`` (any PDF, any signed-in user), its ETSI XML form, corpus and
garbage files answered 200 or 422 with a reason (never 500); the reports of every version
of a document; checkpoints on demand."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from litestar.testing import AsyncTestClient

from docflow.app import create_app
from tests.integration.documents_support import login, seeded_settings
from tests.integration.routing_support import STC, issue_over_http
from tests.services import SHARED_CORPUS

CORPUS = SHARED_CORPUS
#: A few hostile files of pyHanko's corpus (when present), beside our own garbage.
CORPUS_SAMPLE = ("broken-objstream1.pdf", "circular-page-tree.pdf", "broken-objstream4.pdf")


async def _post_file(client: AsyncTestClient, headers: dict[str, str], data: bytes, **params: str):
    return await client.post(
        "/api/v1/verify",
        files={"file": ("x.pdf", data, "application/pdf")},
        params=params,
        headers=headers,
    )


async def test_verify_reports_versions_and_refuses_unreadable_files_cleanly(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=300) as client:
        doc_id = await issue_over_http(client, [STC], "Về việc xác minh chữ ký")
        clerk = await login(client, "stttt.clerk")
        issued = (await client.get(f"/api/v1/documents/{doc_id}/file", headers=clerk)).content

        # any signed-in person, from any agency, may have a file validated
        stranger = await login(client, "stc.specialist")
        response = await _post_file(client, stranger, issued)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["verdict"] == "TOTAL_PASSED", report
        assert [s["indication"] for s in report["signatures"]] == ["TOTAL_PASSED"] * 2
        assert len(report["file_sha256"]) == 64

        etsi = await _post_file(client, stranger, issued, format="etsi")
        assert etsi.status_code == 200 and "xml" in etsi.headers["content-type"]
        ElementTree.fromstring(etsi.content)
        assert b"ValidationReport" in etsi.content and b"SignatureValidationObjects" in etsi.content

        bad_inputs = [b"not a pdf", b"%PDF-1.7\n" + b"\x00" * 100, issued[: len(issued) // 2]]
        bad_inputs += [(CORPUS / n).read_bytes() for n in CORPUS_SAMPLE if (CORPUS / n).is_file()]
        for data in bad_inputs:
            answer = await _post_file(client, stranger, data)
            assert answer.status_code in (200, 422), answer.text
            if answer.status_code == 422:
                assert answer.json()["detail"], answer.text
        empty = await _post_file(client, stranger, b"")
        assert empty.status_code == 422

        # every version of the document, for those who may read it
        auditor = await login(client, "stttt.auditor")
        versions = await client.get(f"/api/v1/documents/{doc_id}/verification", headers=auditor)
        assert versions.status_code == 200, versions.text
        items = versions.json()["items"]
        assert [i["version"] for i in items] == [1, 2, 3, 4]
        assert [len(i["report"]["signatures"]) for i in items] == [0, 0, 1, 2]
        assert items[-1]["report"]["verdict"] == "TOTAL_PASSED"
        hidden = await client.get(f"/api/v1/documents/{doc_id}/verification", headers=stranger)
        assert hidden.status_code == 404

        # a checkpoint on demand covers the head, and the chain verifies with it
        checkpoint = await client.post("/api/v1/audit/checkpoints", headers=auditor)
        assert checkpoint.status_code == 201, checkpoint.text
        status = (await client.get("/api/v1/audit/verify", headers=auditor)).json()
        assert status["status"] == "ok", status
        assert status["last_checkpoint"]["seq"] == checkpoint.json()["seq"]
        assert status["last_checkpoint"]["signature_valid"] is True
        assert status["events_checked"] == checkpoint.json()["seq"] + 1  # + audit.checkpoint
