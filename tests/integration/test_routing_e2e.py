"""Routing among three agencies end to end over HTTP, on SQLite and PostgreSQL, with the
dev PKI: STTTT issues to STC and UBNDVT; both see "01 arrived" with a passed
verification; STC accepts (incoming number 1, its "ĐẾN" stamp a valid signature, the
sender's two signatures still TOTAL_PASSED), assigns (04) and the assignee completes
without starting first (05 then 06); UBNDVT rejects with a
reason; the sender's timeline shows 01/03/04/05/06 and 01/02 with times and people and
nothing of STC's handling. Then a second document is recalled: STC accepts the recall,
UBNDVT refuses it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.runtime import Runtime
from docflow.transfers.routing import dispatch_document
from signing import async_validate_pdf
from tests.integration.documents_support import login, seeded_settings
from tests.integration.routing_support import (
    STC,
    UBNDVT,
    dev_trust,
    issue_over_http,
    user_id,
)

INSTRUCTIONS = "Giao Phòng Quản lý ngân sách chủ trì, báo cáo trước ngày 05/12"


def statuses(item: dict[str, Any]) -> list[str]:
    return [e["status"] for e in item["timeline"]]


async def _inbox_item(client: AsyncTestClient, headers: dict[str, str], doc_id: int) -> Any:
    response = await client.get("/api/v1/inbox", headers=headers)
    assert response.status_code == 200, response.text
    found = [i for i in response.json()["items"] if i["document_id"] == doc_id]
    return found[0] if found else None


async def test_issue_deliver_accept_assign_complete_reject_and_recall(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    app = create_app(settings)
    # The test client runs the app on its own loop: the test's calls get their own runtime.
    runtime = build_runtime(settings)
    try:
        await _scenario(app, runtime)
    finally:
        await runtime.dispose()


async def _scenario(app: Any, runtime: Runtime) -> None:
    async with AsyncTestClient(app=app, timeout=180) as client:
        doc_id = await issue_over_http(client, [STC, UBNDVT], "Về việc triển khai chữ ký số")
        # Issuance delivered it already: a retried dispatch creates nothing.
        again = await dispatch_document(runtime, doc_id)
        assert again.created == () and again.total == 2

        stc_clerk = await login(client, "stc.clerk")
        vt_clerk = await login(client, "ubndvt.clerk")
        stc_item = await _inbox_item(client, stc_clerk, doc_id)
        vt_item = await _inbox_item(client, vt_clerk, doc_id)
        for item in (stc_item, vt_item):
            assert item["status"] == "01" and item["verification"] == "passed", item
            assert item["symbol"] == "01/QĐ-STTTT" and item["sender"]["code"] == "000.02.00.H30"
            assert item["urgency"] == "khan" and item["overdue"] is False
        report = await client.get(stc_item["verification_url"], headers=stc_clerk)
        assert report.status_code == 200
        assert report.json()["report"]["verdict"] == "TOTAL_PASSED"

        # STC accepts: incoming number 1, its stamp on its own copy.
        stc_id = stc_item["id"]
        accepted = await client.post(f"/api/v1/transfers/{stc_id}/accept", headers=stc_clerk)
        assert accepted.status_code == 200, accepted.text
        body = accepted.json()
        assert body["status"] == "03" and body["incoming_number"] == 1 and body["stamped"]
        twice = await client.post(f"/api/v1/transfers/{stc_id}/accept", headers=stc_clerk)
        assert twice.status_code == 409 and "03" in twice.json()["detail"]

        stamped = await client.get(f"/api/v1/transfers/{stc_id}/file", headers=stc_clerk)
        issued = await client.get(f"/api/v1/documents/{doc_id}/file",
                                  headers=await login(client, "stttt.clerk"))
        assert stamped.status_code == 200 and stamped.content.startswith(issued.content)
        assert stamped.content != issued.content  # the sender's version is untouched
        validated = await async_validate_pdf(stamped.content, dev_trust())
        leader_sig, seal, stamp = validated.signatures
        assert leader_sig.indication.value == "TOTAL_PASSED", leader_sig.errors
        assert seal.indication.value == "TOTAL_PASSED", seal.errors
        assert stamp.field_name == "DauDen" and stamp.indication.value == "TOTAL_PASSED", (
            stamp.errors
        )

        stc_leader = await login(client, "stc.leader")
        specialist_id = await user_id(runtime, "stc.specialist")
        assigned = await client.post(
            f"/api/v1/transfers/{stc_id}/assign",
            json={"user_id": specialist_id, "instructions": INSTRUCTIONS,
                  "deadline": "2099-12-05"},
            headers=stc_leader,
        )
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["status"] == "04"
        assert assigned.json()["instructions"] == INSTRUCTIONS
        stc_specialist = await login(client, "stc.specialist")
        done = await client.post(f"/api/v1/transfers/{stc_id}/complete", headers=stc_specialist)
        assert done.status_code == 200 and done.json()["status"] == "06", done.text

        vt_id = vt_item["id"]
        rejected = await client.post(
            f"/api/v1/transfers/{vt_id}/reject",
            json={"reason": "Gửi nhầm địa chỉ: không thuộc thẩm quyền xử lý"},
            headers=vt_clerk,
        )
        assert rejected.status_code == 200 and rejected.json()["status"] == "02", rejected.text

        # The sender sees each recipient's progress, and nothing of their handling.
        stttt_clerk = await login(client, "stttt.clerk")
        view = await client.get(f"/api/v1/documents/{doc_id}/transfers", headers=stttt_clerk)
        assert view.status_code == 200, view.text
        by_code = {i["recipient"]["code"]: i for i in view.json()["items"]}
        assert statuses(by_code[STC]) == ["01", "03", "04", "05", "06"]
        assert by_code[STC]["status"] == "06"
        assert statuses(by_code[UBNDVT]) == ["01", "02"]
        assert by_code[UBNDVT]["timeline"][1]["reason"].startswith("Gửi nhầm")
        for item in by_code.values():
            for event in item["timeline"]:
                assert event["at"] and event["by"] and event["signature_valid"], event
        # Completing is the assignee's first work: 05 (being handled), then 06, both theirs.
        assert [e["by"] for e in by_code[STC]["timeline"][3:]] == ["Lý Thị Mỹ Duyên"] * 2
        assert INSTRUCTIONS not in view.text and "2099-12" not in view.text
        as_sender = await client.get(f"/api/v1/transfers/{stc_id}", headers=stttt_clerk)
        assert as_sender.status_code == 200
        assert "instructions" not in as_sender.json() and INSTRUCTIONS not in as_sender.text
        # A recipient never sees another recipient's handling.
        other = await client.get(f"/api/v1/transfers/{stc_id}", headers=vt_clerk)
        assert other.status_code == 404
        timelines = await client.get(f"/api/v1/documents/{doc_id}/transfers", headers=vt_clerk)
        assert timelines.status_code == 404

        # A second document, recalled: STC accepts the recall, UBNDVT refuses it.
        doc2 = await issue_over_http(client, [STC, UBNDVT], "Về việc điều chỉnh kế hoạch")
        item2 = await _inbox_item(client, stc_clerk, doc2)
        assert (await client.post(f"/api/v1/transfers/{item2['id']}/accept",
                                  headers=stc_clerk)).status_code == 200
        recall = await client.post(f"/api/v1/documents/{doc2}/recall",
                                   json={"reason": "Sai sót về nội dung"}, headers=stttt_clerk)
        assert recall.status_code == 200, recall.text
        assert {i["status"] for i in recall.json()["items"]} == {"13"}
        vt2 = await _inbox_item(client, vt_clerk, doc2)
        ok = await client.post(f"/api/v1/transfers/{item2['id']}/recall/accept",
                               headers=stc_clerk)
        assert ok.status_code == 200 and ok.json()["status"] == "15", ok.text
        no = await client.post(f"/api/v1/transfers/{vt2['id']}/recall/refuse",
                               json={"reason": "Văn bản đã được triển khai"}, headers=vt_clerk)
        assert no.status_code == 200 and no.json()["status"] == "16", no.text
        assert await _inbox_item(client, stc_clerk, doc2) is None  # out of the working view
        assert (await _inbox_item(client, vt_clerk, doc2))["status"] == "16"
        view2 = await client.get(f"/api/v1/documents/{doc2}/transfers", headers=stttt_clerk)
        by_code2 = {i["recipient"]["code"]: i for i in view2.json()["items"]}
        assert statuses(by_code2[STC]) == ["01", "03", "13", "15"]
        assert statuses(by_code2[UBNDVT]) == ["01", "13", "16"]

        # STC's incoming register: both documents, the recalled one with its note.
        register = await client.get("/api/v1/registers/incoming",
                                    params={"year": _year()}, headers=stc_clerk)
        rows = register.json()["items"]
        assert [r["incoming_number"] for r in rows] == [1, 2]
        assert rows[0]["sender"] == "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
        assert rows[0]["handled_by"].endswith("Lý Thị Mỹ Duyên")
        assert "thu hồi" in rows[1]["notes"] and "Sai sót" in rows[1]["notes"]
        csv = await client.get("/api/v1/registers/incoming",
                               params={"year": _year(), "format": "csv"}, headers=stc_clerk)
        assert csv.status_code == 200 and "Số đến" in csv.content.decode("utf-8-sig")
        xlsx = await client.get("/api/v1/registers/incoming",
                                params={"year": _year(), "format": "xlsx"}, headers=stc_clerk)
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def _year() -> int:
    from datetime import UTC, datetime

    from docflow.documents.numbering import VIETNAM

    return datetime.now(UTC).astimezone(VIETNAM).year
