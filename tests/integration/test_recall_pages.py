"""Recall and correction on the pages (``web.recall_pages``), over HTTP on SQLite and
PostgreSQL: STTTT issues a document to STC and UBNDVT; its clerk recalls it from the
document page (a recall without a reason is refused and changes nothing), every
recipient shows 13 with the reason on its transfer page; STC's clerk accepts (15),
UBNDVT's leader refuses with a reason (16), and the sender's page shows both answers.
A draft is marked as replacing the issued document. Wrong people are refused: a
specialist 403, another agency 404 or 403 as the services say, nothing changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.transfers.corrections import correction_of
from tests.integration.documents_support import login, seeded_settings, upload
from tests.integration.routing_support import STC, UBNDVT, issue_over_http
from tests.pki import tiny_pdf

REASON = "Văn bản ban hành nhầm đối tượng áp dụng"
REFUSAL = "Văn bản đã được triển khai tại đơn vị"


async def _post(client: AsyncTestClient, who: dict[str, str], path: str,
                form: dict[str, str] | None = None) -> Any:
    return await client.post(path, data=form or {}, headers=who, follow_redirects=False)


async def _statuses(client: AsyncTestClient, clerk: dict[str, str], doc_id: int) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/documents/{doc_id}/transfers", headers=clerk)
    assert answer.status_code == 200, answer.text
    return {i["recipient"]["code"]: i for i in answer.json()["items"]}


async def test_recall_from_the_pages(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=180) as client:
        doc_id = await issue_over_http(client, [STC, UBNDVT], "Về việc thu hồi thử")
        clerk = await login(client, "stttt.clerk")
        await _sender_recalls(client, clerk, doc_id)
        by_code = await _statuses(client, clerk, doc_id)
        await _recipients_answer(client, by_code[STC]["id"], by_code[UBNDVT]["id"])
        by_code = await _statuses(client, clerk, doc_id)
        assert by_code[STC]["status"] == "15" and by_code[UBNDVT]["status"] == "16"
        assert by_code[UBNDVT]["timeline"][-1]["reason"] == REFUSAL
        page = await client.get(f"/documents/{doc_id}", headers=clerk)
        assert "Đồng ý thu hồi" in page.text and REFUSAL in page.text
        # UBNDVT refused: the document can be recalled from it again; STC is done.
        assert 'id="recall-link"' in page.text


async def _sender_recalls(client: AsyncTestClient, clerk: dict[str, str], doc_id: int) -> None:
    page = await client.get(f"/documents/{doc_id}", headers=clerk)
    assert 'id="recall-link"' in page.text and 'id="correction-link"' in page.text
    specialist = await login(client, "stttt.specialist")
    assert 'id="recall-link"' not in (await client.get(f"/documents/{doc_id}",
                                                       headers=specialist)).text
    assert (await client.get(f"/documents/{doc_id}/recall", headers=specialist)).status_code == 403
    refused = await _post(client, specialist, f"/documents/{doc_id}/recall", {"reason": REASON})
    assert refused.status_code == 403
    stc_clerk = await login(client, "stc.clerk")
    assert (await client.get(f"/documents/{doc_id}/recall", headers=stc_clerk)).status_code == 404
    form = await client.get(f"/documents/{doc_id}/recall", headers=clerk)
    assert form.status_code == 200 and 'id="recall-form"' in form.text
    assert form.text.count('class="status st-01"') == 2  # both recipients, as they stand
    # no reason: refused with a sentence, nothing sent
    empty = await _post(client, clerk, f"/documents/{doc_id}/recall", {"reason": "  "})
    assert empty.status_code == 303
    assert empty.headers["location"] == f"/documents/{doc_id}/recall?refused=recall_reason"
    again = await client.get(empty.headers["location"], headers=clerk)
    assert "hãy ghi lý do thu hồi" in again.text
    assert {i["status"] for i in (await _statuses(client, clerk, doc_id)).values()} == {"01"}
    sent = await _post(client, clerk, f"/documents/{doc_id}/recall", {"reason": REASON})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/documents/{doc_id}?done=recalled"
    done = await client.get(sent.headers["location"], headers=clerk)
    assert "Đã gửi yêu cầu thu hồi tới các nơi nhận." in done.text
    assert 'id="recall-link"' not in done.text  # every recipient is asked already
    assert {i["status"] for i in (await _statuses(client, clerk, doc_id)).values()} == {"13"}


async def _recipients_answer(client: AsyncTestClient, stc_id: int, vt_id: int) -> None:
    stc_clerk = await login(client, "stc.clerk")
    page = await client.get(f"/transfers/{stc_id}", headers=stc_clerk)
    assert 'id="recall-asked"' in page.text and REASON in page.text
    assert 'id="recall-answer-link"' in page.text
    # the other recipient, the sender and a specialist may not answer STC's transfer
    vt_clerk = await login(client, "ubndvt.clerk")
    assert (await client.get(f"/transfers/{stc_id}/recall", headers=vt_clerk)).status_code == 404
    sender = await login(client, "stttt.clerk")
    assert (await _post(client, sender, f"/transfers/{stc_id}/recall/accept")).status_code == 403
    stc_specialist = await login(client, "stc.specialist")
    assert (await client.get(f"/transfers/{stc_id}/recall",
                             headers=stc_specialist)).status_code == 403
    form = await client.get(f"/transfers/{stc_id}/recall", headers=stc_clerk)
    assert 'id="accept-form"' in form.text and 'id="refuse-form"' in form.text
    accepted = await _post(client, stc_clerk, f"/transfers/{stc_id}/recall/accept")
    assert accepted.headers["location"] == f"/transfers/{stc_id}?done=recall_accepted"
    twice = await _post(client, stc_clerk, f"/transfers/{stc_id}/recall/accept")
    assert twice.headers["location"] == f"/transfers/{stc_id}?refused=recall_answered"
    vt_leader = await login(client, "ubndvt.leader")
    empty = await _post(client, vt_leader, f"/transfers/{vt_id}/recall/refuse", {"reason": ""})
    assert empty.headers["location"] == f"/transfers/{vt_id}/recall?refused=recall_refuse_reason"
    no = await _post(client, vt_leader, f"/transfers/{vt_id}/recall/refuse", {"reason": REFUSAL})
    assert no.headers["location"] == f"/transfers/{vt_id}?done=recall_refused"
    shown = await client.get(no.headers["location"], headers=vt_leader)
    assert "Đã từ chối thu hồi" in shown.text and 'id="recall-asked"' not in shown.text


async def test_a_draft_marked_as_replacing_an_issued_document(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=180) as client:
        doc_id = await issue_over_http(client, [STC], "Về việc cần thay thế")
        specialist = await login(client, "stttt.specialist")
        draft = await upload(client, specialist, tiny_pdf(), recipients=[STC],
                             subject="Về việc thay thế văn bản trước")
        draft_id = int(draft.json()["id"])
        clerk = await login(client, "stttt.clerk")
        form = await client.get(f"/documents/{doc_id}/correction", headers=clerk)
        assert form.status_code == 200 and f'value="{draft_id}"' in form.text
        no_kind = await _post(client, clerk, f"/documents/{doc_id}/correction",
                              {"draft": str(draft_id)})
        assert no_kind.headers["location"].endswith("?refused=correction_refused")
        assert (await _post(client, specialist, f"/documents/{doc_id}/correction",
                            {"draft": str(draft_id), "business_type": "replace"})
                ).status_code == 403
        marked = await _post(client, clerk, f"/documents/{doc_id}/correction",
                             {"draft": str(draft_id), "business_type": "replace"})
        assert marked.headers["location"] == f"/documents/{draft_id}?done=correction_marked"
        shown = await client.get(marked.headers["location"], headers=clerk)
        assert "Đã đánh dấu dự thảo là văn bản thay thế" in shown.text
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            link = await correction_of(session, draft_id)
        assert link is not None and link.corrects_document_id == doc_id
        assert link.business_type == 3
    finally:
        await runtime.dispose()
