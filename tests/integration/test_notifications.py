"""Notifications on SQLite and PostgreSQL: each event tells the people it concerns and
nobody of another agency (to sign, to issue, arrived, assigned, refused), a confidential
document's notice carries no subject and reaches only its readers, the sender's due date
becomes the deadline, reminders are given once, and each person's choices are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlmodel import select

from docflow.accounts.auth import csrf_token_for
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.documents.models import Document
from docflow.documents.notices import about_document
from docflow.notifications.kinds import Kind
from docflow.notifications.models import Notification
from docflow.notifications.notify import About, notify
from docflow.transfers.models import Transfer
from docflow.transfers.reading import receipt
from docflow.transfers.reminders import remind
from docflow.transfers.routing import dispatch_document
from tests.integration.documents_support import (
    enrol,
    login,
    p256_key,
    seeded_settings,
    sign,
    upload,
)
from tests.integration.routing_support import STC, UBNDVT, issue_directly, user_id
from tests.pki import tiny_pdf

SUBJECT = "Về việc triển khai thông báo hạn xử lý"
Who = dict[str, dict[str, str]]
# Tuesday 1 December 2099 18:00 and Wednesday 18:00 in Vietnam (UTC+7), in UTC.
TUESDAY_EVENING = datetime(2099, 12, 1, 11, 0, tzinfo=UTC)
WEDNESDAY_EVENING = datetime(2099, 12, 2, 11, 0, tzinfo=UTC)
WEDNESDAY_DEADLINE = datetime(2099, 12, 2, 10, 0, tzinfo=UTC)  # 17:00 in Vietnam


async def notices(client: AsyncTestClient, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get("/api/v1/notifications", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def kinds(body: Any, document_id: int) -> list[str]:
    return sorted(i["kind"] for i in body["items"] if i["document_id"] == document_id)


async def _transfers(runtime: Any, document_id: int) -> dict[str, Transfer]:
    async with runtime.session() as session:
        rows = (await session.exec(
            select(Transfer).where(Transfer.document_id == document_id)
        )).all()
    return {t.recipient_code: t for t in rows}


async def _draft_sign_issue(client: AsyncTestClient, who: Who, runtime: Any) -> int:
    """Upload with a due date (the leader must sign), sign (the clerks must issue),
    issue; the document's id."""
    created = await upload(client, who["stttt.specialist"], tiny_pdf(),
                           recipients=[STC, UBNDVT], subject=SUBJECT, due_date="2099-12-05")
    assert created.status_code == 201, created.text
    doc_id = int(created.json()["id"])
    assert created.json()["due_at"] == "2099-12-05T16:59:59+00:00"
    token = who["stttt.specialist"]["Authorization"][7:]
    shown = await client.get(f"/documents/{doc_id}",
                             headers={"Cookie": f"docflow_session={token}"})
    assert '<dd id="due-date">05/12/2099</dd>' in shown.text
    to_sign = await notices(client, who["stttt.leader"])
    assert kinds(to_sign, doc_id) == ["to_sign"] and to_sign["unread"] >= 1
    item = to_sign["items"][0]
    assert item["subject"] == SUBJECT and item["link"] == f"/documents/{doc_id}"
    assert kinds(await notices(client, who["stttt.clerk"]), doc_id) == []

    key = p256_key()
    signed = await sign(client, who["stttt.leader"], doc_id, key,
                        await enrol(client, who["stttt.leader"], key))
    assert signed.status_code == 200, signed.text
    assert kinds(await notices(client, who["stttt.clerk"]), doc_id) == ["to_issue"]

    issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=who["stttt.clerk"])
    assert issued.status_code == 200, issued.text
    await dispatch_document(runtime, doc_id)  # a no-op if issuance delivered it
    return doc_id


async def _arrive_assign_refuse(
    client: AsyncTestClient, who: Who, runtime: Any, doc_id: int
) -> tuple[Transfer, Any]:
    """Arrival (the recipients' clerks), assignment (the assignee), refusal (the
    sender's clerks); STC's transfer and the assignee's unread notices."""
    transfers = await _transfers(runtime, doc_id)
    stc, vt = transfers[STC], transfers[UBNDVT]
    # The sender's due date is each transfer's deadline on arrival.
    assert stc.deadline == datetime(2099, 12, 5, 16, 59, 59, tzinfo=UTC)
    arrived = await notices(client, who["stc.clerk"])
    assert kinds(arrived, doc_id) == ["arrived"]
    assert arrived["items"][0]["link"] == f"/transfers/{stc.id}"
    assert kinds(await notices(client, who["ubndvt.clerk"]), doc_id) == ["arrived"]
    for outsider in ("ubndct.clerk", "stc.specialist", "stttt.auditor"):
        assert kinds(await notices(client, who[outsider]), doc_id) == [], outsider

    accepted = await client.post(f"/api/v1/transfers/{stc.id}/accept", headers=who["stc.clerk"])
    assert accepted.status_code == 200, accepted.text
    assigned = await client.post(
        f"/api/v1/transfers/{stc.id}/assign", headers=who["stc.leader"],
        json={"user_id": await user_id(runtime, "stc.specialist")})
    assert assigned.status_code == 200, assigned.text
    mine = await notices(client, who["stc.specialist"], unread="true")
    assert kinds(mine, doc_id) == ["assigned"]
    # No deadline of the leader's: the sender's stays.
    assert (await _transfers(runtime, doc_id))[STC].deadline == stc.deadline

    rejected = await client.post(f"/api/v1/transfers/{vt.id}/reject",
                                 json={"reason": "Gửi nhầm"}, headers=who["ubndvt.clerk"])
    assert rejected.status_code == 200, rejected.text
    assert kinds(await notices(client, who["stttt.clerk"]), doc_id) == ["refused", "to_issue"]
    assert kinds(await notices(client, who["ubndct.clerk"]), doc_id) == []
    return stc, mine


async def _recall(client: AsyncTestClient, who: Who, doc_id: int, stc: Transfer) -> None:
    """A recall tells the recipient's clerks and the assignee; refusing it, the
    sender's clerks."""
    recalled = await client.post(f"/api/v1/documents/{doc_id}/recall",
                                 json={"reason": "Sai sót"}, headers=who["stttt.clerk"])
    assert recalled.status_code == 200, recalled.text
    assert "recalled" in kinds(await notices(client, who["stc.clerk"]), doc_id)
    assert "recalled" in kinds(await notices(client, who["stc.specialist"]), doc_id)
    assert kinds(await notices(client, who["ubndvt.clerk"]), doc_id) == ["arrived"]
    kept = await client.post(f"/api/v1/transfers/{stc.id}/recall/refuse",
                             json={"reason": "Đang xử lý"}, headers=who["stc.clerk"])
    assert kept.status_code == 200, kept.text
    assert kinds(await notices(client, who["stttt.clerk"]), doc_id) == [
        "refused", "refused", "to_issue"]


async def _mark_read(
    client: AsyncTestClient, who: Who, settings: Any, stc: Transfer, mine: Any
) -> None:
    """One's own (unread count falls), never someone else's (404); the bell in the
    menu, then everything read from the page's form."""
    notice_id = mine["items"][0]["id"]
    before = (await notices(client, who["stc.specialist"]))["unread"]
    other = await client.post(f"/api/v1/notifications/{notice_id}/read",
                              headers=who["stc.clerk"])
    assert other.status_code == 404, other.text
    read = await client.post(f"/api/v1/notifications/{notice_id}/read",
                             headers=who["stc.specialist"])
    assert read.status_code == 200 and read.json()["read_at"], read.text
    after = await notices(client, who["stc.specialist"], unread="true")
    assert after["unread"] == before - 1
    assert notice_id not in [i["id"] for i in after["items"]]
    everyone = await notices(client, who["stc.specialist"])
    assert notice_id in [i["id"] for i in everyone["items"]]
    token = who["stc.clerk"]["Authorization"][7:]
    cookie = {"Cookie": f"docflow_session={token}"}
    unread = (await notices(client, who["stc.clerk"]))["unread"]
    page = await client.get("/notifications", headers=cookie)
    assert f'<span class="count" id="unread-count">{unread}</span>' in page.text
    assert f'href="/transfers/{stc.id}"' in page.text and SUBJECT in page.text
    all_read = await client.post(
        "/notifications/read-all", headers=cookie, follow_redirects=False,
        data={"csrf_token": csrf_token_for(token, settings.effective_secret_key)})
    assert all_read.status_code == 303, all_read.text
    assert (await notices(client, who["stc.clerk"]))["unread"] == 0
    assert 'id="unread-count"' not in (await client.get("/", headers=cookie)).text


async def test_each_event_tells_the_people_it_concerns(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings), timeout=300) as client:
            who = {u: await login(client, u) for u in (
                "stttt.specialist", "stttt.leader", "stttt.clerk", "stc.clerk", "stc.leader",
                "stc.specialist", "ubndvt.clerk", "ubndct.clerk", "stttt.auditor")}
            doc_id = await _draft_sign_issue(client, who, runtime)
            stc, mine = await _arrive_assign_refuse(client, who, runtime, doc_id)
            await _recall(client, who, doc_id, stc)
            await _mark_read(client, who, settings, stc, mine)
    finally:
        await runtime.dispose()


async def test_confidential_notices_have_no_subject_and_reach_only_readers(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings), timeout=300) as client:
            specialist = await login(client, "stttt.specialist")
            created = await upload(client, specialist, tiny_pdf(), recipients=[STC],
                                   subject="Kế hoạch mật", confidentiality="mat")
            assert created.status_code == 201, created.text
            doc_id = int(created.json()["id"])
            body = await notices(client, await login(client, "stttt.leader"))
            [item] = [i for i in body["items"] if i["document_id"] == doc_id]
            assert item["kind"] == "to_sign" and item["subject"] is None
            token = (await login(client, "stttt.leader"))["Authorization"][7:]
            page = await client.get("/notifications",
                                    headers={"Cookie": f"docflow_session={token}"})
            assert page.status_code == 200 and "Kế hoạch mật" not in page.text
            assert "Văn bản mật" in page.text
        # The receiving side of a confidential document: not a specialist it is not
        # assigned to, but its clerks.
        doc = await issue_directly(runtime, "STTTT", [STC], subject="Mật")
        await dispatch_document(runtime, doc)
        async with runtime.transaction() as session:
            document = await session.get(Document, doc)
            assert document is not None
            document.confidentiality = "mat"
            transfer = (await _transfers(runtime, doc))[STC]
            base = about_document(document)
            about = About(base.facts, doc, "Mật", None, transfer.id, receipt(transfer))
            people = [await user_id(runtime, u) for u in ("stc.specialist", "stc.clerk",
                                                             "ubndvt.clerk")]
            made = await notify(session, Kind.RECALLED, people, about)
            rows = [await session.get(Notification, i) for i in made]
        assert [r.user_id for r in rows if r] == [people[1]]
        assert all(r and r.subject is None for r in rows)
    finally:
        await runtime.dispose()


async def test_reminders_are_given_once_and_choices_are_kept(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        doc = await issue_directly(runtime, "STTTT", [STC, UBNDVT], subject="Về hạn xử lý")
        await dispatch_document(runtime, doc)
        transfers = await _transfers(runtime, doc)
        async with runtime.transaction() as session:
            for transfer in transfers.values():
                transfer.deadline = WEDNESDAY_DEADLINE
                session.add(transfer)
        # Tuesday 16:00: the last working day before the deadline has not begun.
        assert await remind(runtime, now=TUESDAY_EVENING - timedelta(hours=2)) == 0
        first = await remind(runtime, now=TUESDAY_EVENING)
        assert first == 2  # the clerks of STC and of UBNDVT, due soon
        assert await remind(runtime, now=TUESDAY_EVENING) == 0
        assert await remind(runtime, now=WEDNESDAY_EVENING) == 2  # overdue
        assert await remind(runtime, now=WEDNESDAY_EVENING) == 0
        async with runtime.session() as session:
            rows = (await session.exec(select(Notification).where(
                Notification.transfer_id == transfers[STC].id))).all()
        stc_clerk = await user_id(runtime, "stc.clerk")
        assert sorted((r.kind, r.user_id) for r in rows if r.kind in ("due_soon", "overdue")) == [
            ("due_soon", stc_clerk), ("overdue", stc_clerk)]

        # A clerk turns arrivals off in the page and on by e-mail: the next arrival is
        # not listed, only kept for the e-mail.
        async with AsyncTestClient(app=create_app(settings), timeout=300) as client:
            token = (await login(client, "stc.clerk"))["Authorization"][7:]
            cookie = {"Cookie": f"docflow_session={token}"}
            form = {"csrf_token": csrf_token_for(token, settings.effective_secret_key),
                    "email": "van.thu@stc.example.vn", "language": "en",
                    "page": ["overdue", "due_soon"], "email_kind": ["arrived"]}
            saved = await client.post("/notifications/preferences", data=form, headers=cookie,
                                      follow_redirects=False)
            assert saved.status_code == 303, saved.text
            forged = await client.post("/notifications/preferences", headers=cookie,
                                       data={**form, "csrf_token": "x"}, follow_redirects=False)
            assert forged.status_code == 403
            page = await client.get("/notifications", headers=cookie)
            assert 'value="van.thu@stc.example.vn"' in page.text
            later = await issue_directly(runtime, "STTTT", [STC], subject="Sau", number=2)
            await dispatch_document(runtime, later)
            listed = await notices(client, {"Authorization": f"Bearer {token}"})
            assert kinds(listed, later) == []
        async with runtime.session() as session:
            [row] = (await session.exec(select(Notification).where(
                Notification.document_id == later, Notification.user_id == stc_clerk))).all()
        assert row.kind == "arrived" and not row.in_page and row.by_email
    finally:
        await runtime.dispose()


async def test_a_page_past_the_end_is_refused_not_a_server_error(
    database_url: str, tmp_path: Path
) -> None:
    # An offset past PostgreSQL's bigint answered 500 ("bigint out of range").
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings)) as client:
        clerk = await login(client, "stc.clerk")
        for offset in ("99999999999999999999", str(2**31), "-1"):
            answer = await client.get(f"/api/v1/notifications?offset={offset}", headers=clerk)
            assert answer.status_code == 422, answer.text
            assert "offset 0 to 2147483647" in answer.json()["detail"]
        token = clerk["Authorization"][7:]
        page = await client.get("/notifications?offset=99999999999999999999",
                                headers={"Cookie": f"docflow_session={token}"})
        assert page.status_code == 422 and "Traceback" not in page.text
        last = await client.get(f"/api/v1/notifications?offset={2**31 - 1}", headers=clerk)
        assert last.status_code == 200 and last.json()["items"] == []
