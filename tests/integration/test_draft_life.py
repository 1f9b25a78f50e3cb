"""A draft's life before signing, over HTTP on SQLite and PostgreSQL: the leader returns
it with a comment, the drafter reads the comment (thread and notice), edits the details,
replaces the file, resubmits; the leader signs and the clerk issues. A withdrawn draft
leaves the leader's queue and count and stays readable. Every wrong person and every
wrong state is refused and changes nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
from litestar.testing import AsyncTestClient

from docflow.accounts.auth import csrf_token_for
from docflow.app import create_app
from tests.integration.documents_support import (
    PASSWORD,
    enrol,
    login,
    p256_key,
    prepare,
    seeded_settings,
    sign,
    upload,
)
from tests.integration.hostile_pdfs import page_tree_cycle
from tests.pki import tiny_pdf

RETURN_NOTE = "Đề nghị sửa trích yếu và bổ sung nơi nhận Sở Tài chính."


def two_page_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _replace(client: AsyncTestClient, headers: dict[str, str], doc_id: int,
                   pdf: bytes) -> Any:
    return await client.post(
        f"/api/v1/documents/{doc_id}/file",
        files={"file": ("new.pdf", pdf, "application/pdf")}, headers=headers,
    )


async def _notices(client: AsyncTestClient, headers: dict[str, str], doc_id: int) -> list[Any]:
    body = await _json(await client.get("/api/v1/notifications", headers=headers))
    return [i for i in body["items"] if i["document_id"] == doc_id]


async def _to_sign_count(client: AsyncTestClient, headers: dict[str, str]) -> int:
    body = await _json(await client.get("/api/v1/queues", headers=headers))
    items = body["queues"] if isinstance(body, dict) and "queues" in body else body
    return next(q["count"] for q in items if q["key"] == "to_sign")


async def test_return_edit_replace_resubmit_sign_issue(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        drafter = await login(client, "stttt.specialist")
        leader = await login(client, "stttt.leader")
        clerk = await login(client, "stttt.clerk")
        doc_id = (await _json(await upload(client, drafter, tiny_pdf()), 201))["id"]

        # the leader sends it back; a return without a comment is refused first
        bare = await client.post(f"/api/v1/documents/{doc_id}/return", json={}, headers=leader)
        assert bare.status_code == 422 and "comment" in bare.json()["detail"].lower()
        returned = await _json(await client.post(
            f"/api/v1/documents/{doc_id}/return", json={"comment": RETURN_NOTE}, headers=leader))
        assert returned["state"] == "returned"
        assert await _to_sign_count(client, leader) == 0

        # the drafter reads why, in the thread and in the notice
        thread = await _json(await client.get(f"/api/v1/documents/{doc_id}/comments",
                                              headers=drafter))
        assert [(c["kind"], c["body"], c["author"]) for c in thread["items"]] == [
            ("return", RETURN_NOTE, "stttt.leader")]
        told = [n for n in await _notices(client, drafter, doc_id) if n["kind"] == "returned"]
        assert len(told) == 1 and told[0]["note"] == RETURN_NOTE

        # edit, replace, resubmit
        edited = await _json(await client.patch(
            f"/api/v1/documents/{doc_id}/details",
            json={"subject": "Về việc ban hành Quy chế (sửa đổi)", "urgency": "thuong_khan",
                  "due_date": "2026-12-31", "recipients": ["000.03.00.H30", "000.04.00.H30"]},
            headers=drafter))
        assert edited["subject"] == "Về việc ban hành Quy chế (sửa đổi)"
        assert edited["urgency"] == "thuong_khan" and len(edited["recipients"]) == 2
        assert sorted(edited["changed"]) == ["due_date", "recipients", "subject", "urgency"]
        before = [v["sha256"] for v in edited["versions"]]
        replaced = await _json(await _replace(client, drafter, doc_id, two_page_pdf()))
        assert [v["produced_by"] for v in replaced["versions"]] == [
            "upload", "fields", "replacement", "fields"]
        assert [v["sha256"] for v in replaced["versions"]][:2] == before
        again = await _json(await client.post(f"/api/v1/documents/{doc_id}/resubmit",
                                              json={"comment": "Đã sửa theo ý kiến."},
                                              headers=drafter))
        assert again["state"] == "draft"
        assert await _to_sign_count(client, leader) == 1
        assert [n["kind"] for n in await _notices(client, leader, doc_id)].count("to_sign") == 2

        # the leader signs the new file, the clerk issues it
        key = p256_key()
        signed = await sign(client, leader, doc_id, key, await enrol(client, leader, key))
        assert (await _json(signed))["state"] == "signed"
        issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
        assert issued.status_code == 200, issued.text
        history = await _json(await client.get(f"/api/v1/documents/{doc_id}/versions",
                                               headers=clerk))
        assert [v["produced_by"] for v in history["items"]] == [
            "upload", "fields", "replacement", "fields", "leader_signature", "issuance"]
        assert history["items"][2]["actor"] == "stttt.specialist"
        old = await client.get(history["items"][0]["download"], headers=clerk)
        assert old.status_code == 200 and old.headers["X-Content-SHA256"] == before[0]
        kinds = [c["kind"] for c in (await _json(await client.get(
            f"/api/v1/documents/{doc_id}/comments", headers=clerk)))["items"]]
        assert kinds == ["return", "resubmit"]


async def test_withdraw_leaves_the_queue_and_stays_readable(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        drafter = await login(client, "stttt.specialist")
        leader = await login(client, "stttt.leader")
        doc_id = (await _json(await upload(client, drafter, tiny_pdf()), 201))["id"]
        assert await _to_sign_count(client, leader) == 1
        gone = await _json(await client.post(f"/api/v1/documents/{doc_id}/withdraw",
                                             json={"comment": "Không ban hành nữa."},
                                             headers=drafter))
        assert gone["state"] == "withdrawn"
        assert await _to_sign_count(client, leader) == 0
        page = await client.get("/to-sign", headers=leader)
        assert page.status_code == 200 and f"/documents/{doc_id}\"" not in page.text
        # still readable, with its versions and the reason; nothing to sign any more
        kept = await _json(await client.get(f"/api/v1/documents/{doc_id}", headers=leader))
        assert kept["state"] == "withdrawn" and len(kept["versions"]) == 2
        key = p256_key()
        refused = await prepare(client, leader, doc_id, await enrol(client, leader, key))
        assert refused.status_code == 409, refused.text
        for action in ("withdraw", "resubmit"):
            late = await client.post(f"/api/v1/documents/{doc_id}/{action}", json={},
                                     headers=drafter)
            assert late.status_code == 409, late.text
        late_return = await client.post(f"/api/v1/documents/{doc_id}/return",
                                        json={"comment": "x"}, headers=leader)
        assert late_return.status_code == 409


async def _calls(doc_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    base = f"/api/v1/documents/{doc_id}"
    return [
        ("POST", f"{base}/return", {"json": {"comment": "Sai"}}),
        ("POST", f"{base}/resubmit", {"json": {}}),
        ("POST", f"{base}/withdraw", {"json": {}}),
        ("PATCH", f"{base}/details", {"json": {"subject": "Khác"}}),
        ("POST", f"{base}/file", {"files": {"file": ("x.pdf", tiny_pdf(), "application/pdf")}}),
        ("GET", f"{base}/comments", {}),
        ("POST", f"{base}/comments", {"json": {"comment": "Ý kiến"}}),
        ("GET", f"{base}/versions", {}),
    ]


async def test_wrong_people_and_signed_drafts_are_refused(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        who = {u: await login(client, u) for u in (
            "stttt.specialist", "stttt.leader", "stttt.clerk", "stttt.auditor",
            "stc.clerk", "stc.leader", "stc.auditor")}
        drafter, leader = who["stttt.specialist"], who["stttt.leader"]
        doc_id = (await _json(await upload(client, drafter, tiny_pdf()), 201))["id"]
        # another agency: every route answers as if the document did not exist
        for name in ("stc.clerk", "stc.leader", "stc.auditor"):
            for method, path, kw in await _calls(doc_id):
                got = await client.request(method, path, headers=who[name], **kw)
                assert got.status_code == 404, (name, method, path, got.text)
        # the wrong person of the same agency
        for name, method, action, body in (
            ("stttt.clerk", "POST", "return", {"comment": "Sai"}),
            ("stttt.specialist", "POST", "return", {"comment": "Sai"}),
            ("stttt.leader", "POST", "withdraw", {}),
            ("stttt.clerk", "PATCH", "details", {"subject": "Khác"}),
            ("stttt.auditor", "POST", "comments", {"comment": "Ý kiến"}),
        ):
            got = await client.request(method, f"/api/v1/documents/{doc_id}/{action}",
                                       json=body, headers=who[name])
            assert got.status_code == 403, (name, action, got.text)
        stolen = await _replace(client, leader, doc_id, two_page_pdf())
        assert stolen.status_code == 403, stolen.text
        # bad input: a hostile file, a leader who is not one, an unknown recipient
        hostile = await _replace(client, drafter, doc_id, page_tree_cycle())
        assert hostile.status_code == 422, hostile.text
        for body in ({"signer": "stttt.clerk"}, {"recipients": ["999.99.99.Z99"]},
                     {"urgency": "soon"}, {"document_type": "to_trinh"}):
            bad = await client.patch(f"/api/v1/documents/{doc_id}/details", json=body,
                                     headers=drafter)
            assert bad.status_code == 422, (body, bad.text)
        # once the leader signed: nothing of the draft changes any more
        key = p256_key()
        await _json(await sign(client, leader, doc_id, key, await enrol(client, leader, key)))
        before = await _json(await client.get(f"/api/v1/documents/{doc_id}", headers=drafter))
        late = await _replace(client, drafter, doc_id, two_page_pdf())
        assert late.status_code == 409 and "signature" in late.json()["detail"]
        for method, action, body in (("PATCH", "details", {"subject": "Khác"}),
                                     ("POST", "withdraw", {}),
                                     ("POST", "resubmit", {})):
            got = await client.request(method, f"/api/v1/documents/{doc_id}/{action}",
                                       json=body, headers=drafter)
            assert got.status_code == 409, (action, got.text)
        after = await _json(await client.get(f"/api/v1/documents/{doc_id}", headers=drafter))
        assert after == before


async def _browser(client: AsyncTestClient, username: str) -> tuple[dict[str, str], str]:
    """A cookie session (as the browser has) and its pages' CSRF token."""
    answer = await client.post("/api/v1/auth/login", json={
        "username": username, "password": PASSWORD, "session": "cookie"})
    assert answer.status_code == 200, answer.text
    token = answer.cookies["docflow_session"]
    client.cookies.clear()
    secret = client.app.state.runtime.settings.effective_secret_key
    return {"Cookie": f"docflow_session={token}"}, csrf_token_for(token, secret)


async def _form(client: AsyncTestClient, who: tuple[dict[str, str], str], path: str,
                **fields: Any) -> str:
    """Post a page form; the address it sends the browser back to."""
    files = fields.pop("files", None)
    sent = await client.post(path, data={"csrf_token": who[1], **fields}, files=files,
                             headers=who[0], follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return str(sent.headers["location"])


async def test_the_document_page_carries_the_draft_life(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        drafter = await _browser(client, "stttt.specialist")
        leader = await _browser(client, "stttt.leader")
        doc_id = (await _json(await upload(client, await login(client, "stttt.specialist"),
                                           tiny_pdf()), 201))["id"]
        page = f"/documents/{doc_id}"
        shown = (await client.get(page, headers=leader[0])).text
        assert 'id="return-form"' in shown and 'id="drafter-panel"' not in shown
        assert "Tải lên dự thảo" in shown and "Thêm ô chữ ký, số và ngày" in shown

        # a return without a comment does nothing and says why; with one, it is done
        refused = await _form(client, leader, f"{page}/return", comment="  ")
        assert refused.endswith("refused=comment_required")
        said = (await client.get(refused, headers=leader[0])).text
        assert "hãy ghi ý kiến" in said and 'id="doc-state">Dự thảo<' in said
        done = await _form(client, leader, f"{page}/return", comment=RETURN_NOTE)
        assert "Đã trả lại dự thảo" in (await client.get(done, headers=leader[0])).text

        # the drafter sees why, changes the draft, replaces the file and resubmits
        mine = (await client.get(page, headers=drafter[0])).text
        assert 'id="returned-note"' in mine and RETURN_NOTE in mine
        assert 'id="resubmit-form"' in mine and 'id="details-form"' in mine
        edited = await _form(client, drafter, f"{page}/details", subject="Trích yếu mới",
                             urgency="khan", signer="stttt.leader", due_date="2026-12-31",
                             recipients=["000.03.00.H30"])
        assert "Đã lưu thông tin dự thảo" in (await client.get(edited, headers=drafter[0])).text
        replaced = await _form(client, drafter, f"{page}/file",
                               files={"file": ("moi.pdf", two_page_pdf(), "application/pdf")})
        history = (await client.get(replaced, headers=drafter[0])).text
        assert "Đã thay tệp dự thảo" in history and "Thay tệp dự thảo" in history
        bad = await _form(client, drafter, f"{page}/file",
                          files={"file": ("xau.pdf", page_tree_cycle(), "application/pdf")})
        assert "refused=" in bad and "Chưa" not in bad
        assert 'class="error"' in (await client.get(bad, headers=drafter[0])).text
        again = await _form(client, drafter, f"{page}/resubmit", comment="")
        assert "Đã trình ký lại" in (await client.get(again, headers=drafter[0])).text
        said = await _form(client, leader, f"{page}/comments", comment="Đồng ý, sẽ ký.")
        assert "Đồng ý, sẽ ký." in (await client.get(said, headers=drafter[0])).text

        # a form from elsewhere (no token) and the wrong person change nothing
        forged = await client.post(f"{page}/withdraw", data={"csrf_token": "x"},
                                   headers=drafter[0], follow_redirects=False)
        assert forged.status_code == 403
        stolen = await client.post(f"{page}/withdraw", data={"csrf_token": leader[1]},
                                   headers=leader[0], follow_redirects=False)
        assert stolen.status_code == 403
        state = await _json(await client.get(f"/api/v1/documents/{doc_id}",
                                             headers=await login(client, "stttt.leader")))
        assert state["state"] == "draft" and state["subject"] == "Trích yếu mới"


async def test_an_approver_returns_before_signing_and_not_after(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        drafter = await login(client, "stttt.specialist")
        approver = await login(client, "stttt.clerk")
        leader = await login(client, "stttt.leader")
        doc_id = (await _json(await upload(client, drafter, tiny_pdf(),
                                           approvers=["stttt.clerk"]), 201))["id"]
        base = f"/api/v1/documents/{doc_id}"
        # the pending approver returns it; the drafter resubmits; the approver is told again
        await _json(await client.post(f"{base}/return", json={"comment": "Thiếu căn cứ."},
                                      headers=approver))
        await _json(await client.post(f"{base}/resubmit", json={}, headers=drafter))
        assert [n["kind"] for n in await _notices(client, approver, doc_id)].count(
            "to_sign") == 2
        key = p256_key()
        approved = await sign(client, approver, doc_id, key, await enrol(client, approver, key))
        assert (await _json(approved))["state"] == "draft"
        # signed once: the approver no longer returns; the leader still may
        late = await client.post(f"{base}/return", json={"comment": "Sai"}, headers=approver)
        assert late.status_code == 403, late.text
        await _json(await client.post(f"{base}/return", json={"comment": "Sửa số liệu."},
                                      headers=leader))
        # the approval is on the file: it cannot be replaced or changed, only resubmitted
        frozen = await _replace(client, drafter, doc_id, two_page_pdf())
        assert frozen.status_code == 409 and frozen.json()["code"] == "draft_already_signed"
        back = await _json(await client.post(f"{base}/resubmit", json={}, headers=drafter))
        assert back["state"] == "draft"
        assert [v["produced_by"] for v in back["versions"]] == ["upload", "fields", "approval"]
        key2 = p256_key()
        signed = await sign(client, leader, doc_id, key2, await enrol(client, leader, key2))
        assert (await _json(signed))["state"] == "signed"
