"""Work queues (issue 16): each role's counts after a scripted flow (upload, sign, issue,
arrive, bulk accept, assign, pass the deadline), the lists they link to, the bulk accept
reporting each document, and the upload's search indexing. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlmodel import select

from docflow.accounts.auth import csrf_token_for
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings
from docflow.search.query import SearchFilter, search
from docflow.search.queues import queue_counts
from docflow.transfers.models import Transfer
from docflow.transfers.transfers import AssignRequest, assign_transfer
from tests.integration.documents_support import (
    PASSWORD,
    enrol,
    login,
    p256_key,
    seeded_settings,
    sign,
    upload,
)
from tests.integration.routing_support import STC, principal_of, user_id
from tests.integration.search_support import index_now, issue_with_text, text_pdf

ROLES = ("stttt.leader", "stttt.clerk", "stttt.specialist", "stc.clerk", "stc.leader",
         "stc.specialist", "stc.auditor")


async def _counts(runtime: Runtime) -> dict[str, dict[str, int]]:
    found = {}
    for who in ROLES:
        principal = await principal_of(runtime, who)
        async with runtime.session() as session:
            found[who] = {q.key: q.count for q in await queue_counts(session, principal)}
    return found


def _nonzero(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {who: {k: v for k, v in c.items() if v} for who, c in counts.items()
            if any(c.values())}


async def _browser(client: AsyncTestClient, username: str) -> tuple[dict[str, str], str]:
    """A cookie session (as the browser has) and its form CSRF token."""
    response = await client.post("/api/v1/auth/login",
                                 json={"username": username, "password": PASSWORD})
    token = response.json()["token"]
    settings: Settings = client.app.state.runtime.settings
    return {"Cookie": f"docflow_session={token}"}, csrf_token_for(
        token, settings.effective_secret_key)


async def _draft_signed_issued(client: AsyncTestClient, runtime: Runtime) -> int:
    """The upload, signature and issuance over HTTP, checking the queues on the way."""
    specialist = await login(client, "stttt.specialist")
    created = await upload(client, specialist, text_pdf("Tờ trình về việc cấp phép Đường Sắt"),
                           recipients=[STC], subject="Tờ trình cấp phép")
    assert created.status_code == 201, created.text
    doc_id = int(created.json()["id"])
    # The upload queued its indexing; run like the job runner would: its text is found.
    await index_now(runtime, doc_id)
    principal = await principal_of(runtime, "stttt.leader")
    async with runtime.session() as session:
        found = await search(session, principal, SearchFilter(q="duong sat"))
    assert [i["id"] for i in found.items] == [doc_id]
    assert _nonzero(await _counts(runtime)) == {"stttt.leader": {"to_sign": 1}}
    leader = await login(client, "stttt.leader")
    key = p256_key()
    signed = await sign(client, leader, doc_id, key, await enrol(client, leader, key))
    assert signed.status_code == 200, signed.text
    assert _nonzero(await _counts(runtime)) == {"stttt.clerk": {"to_issue": 1}}
    cookie, _ = await _browser(client, "stttt.clerk")
    listed = await client.get("/drafts?queue=to_issue", headers=cookie)
    assert re.findall(r'data-document="(\d+)"', listed.text) == [str(doc_id)]
    clerk = await login(client, "stttt.clerk")
    issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
    assert issued.status_code == 200, issued.text
    return doc_id


async def test_queue_counts_follow_the_flow_and_bulk_accept_reports_each(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings)) as client:
            first = await _draft_signed_issued(client, runtime)
            others = [await issue_with_text(runtime, "STTTT", [STC], f"Công văn {n}", tmp_path,
                                            number=10 + n, subject=f"Công văn {n}")
                      for n in (1, 2)]
            await index_now(runtime, *others)
            assert _nonzero(await _counts(runtime)) == {
                "stttt.clerk": {"waiting": 3}, "stc.clerk": {"to_receive": 3}}
            cookie, _ = await _browser(client, "stttt.clerk")
            waiting = await client.get("/outbox?queue=waiting", headers=cookie)
            assert len(re.findall(r'<tr data-document="(\d+)"', waiting.text)) == 3
            transfers = await _transfers_of(runtime, [first, *others])
            await _bulk_accept(client, transfers)
            await _assign_and_overdue(client, runtime, transfers[first])
    finally:
        await runtime.dispose()


async def _transfers_of(runtime: Runtime, doc_ids: list[int]) -> dict[int, int]:
    async with runtime.session() as session:
        rows = (await session.exec(select(Transfer))).all()
    return {t.document_id: t.id for t in rows if t.document_id in doc_ids}  # type: ignore[misc]


async def _bulk_accept(client: AsyncTestClient, transfers: dict[int, int]) -> None:
    cookie, csrf = await _browser(client, "stc.clerk")
    first, second, third = transfers.values()
    inbox = await client.get("/inbox?queue=to_receive", headers=cookie)
    assert inbox.status_code == 200
    assert len(re.findall(r'name="t" value="(\d+)"', inbox.text)) == 3
    confirm = await client.get(f"/inbox/accept?t={first}&t={second}", headers=cookie)
    assert confirm.status_code == 200
    assert "Tờ trình cấp phép" in confirm.text and "Công văn 1" in confirm.text
    assert "Tiếp nhận 2 văn bản" in confirm.text
    # Accept the two, then the first again with the third: the first fails, the third not.
    done = await client.post("/inbox/accept", headers=cookie,
                             data={"csrf_token": csrf, "t": [str(first), str(second)]})
    assert done.status_code == 200, done.text
    assert done.text.count('class="ok"') == 2
    # the menu of the answer counts what is left, not what waited before the accept
    left = re.search(r'data-queue="to_receive">[^<]*<span class="count[^"]*">(\d+)<', done.text)
    assert left is not None and left.group(1) == "1"
    again = await client.post("/inbox/accept", headers=cookie,
                              data={"csrf_token": csrf, "t": [str(first), str(third)]})
    assert again.text.count('class="ok"') == 1 and again.text.count('class="failed"') == 1
    assert f'data-transfer="{first}" class="failed"' in again.text
    forged = await client.post("/inbox/accept", headers=cookie,
                               data={"csrf_token": "x", "t": [str(third)]})
    assert forged.status_code == 403


async def _assign_and_overdue(client: AsyncTestClient, runtime: Runtime, transfer: int) -> None:
    leader = await principal_of(runtime, "stc.leader")
    specialist = await user_id(runtime, "stc.specialist")
    await assign_transfer(runtime, leader, transfer, AssignRequest(user_id=specialist))
    counts = _nonzero(await _counts(runtime))
    assert counts == {"stc.specialist": {"assigned": 1}}, counts
    async with runtime.transaction() as session:
        await session.exec(update(Transfer).where(Transfer.id == transfer).values(  # type: ignore[call-overload]
            deadline=utcnow() - timedelta(days=1)))
    assert _nonzero(await _counts(runtime)) == {
        "stc.specialist": {"assigned": 1, "overdue": 1},
        "stc.clerk": {"overdue": 1}, "stc.leader": {"overdue": 1}}
    cookie, _ = await _browser(client, "stc.specialist")
    for queue in ("assigned", "overdue"):
        listed = await client.get(f"/inbox?queue={queue}", headers=cookie)
        assert re.findall(r'data-transfer="(\d+)"', listed.text) == [str(transfer)], queue
    menu = await client.get("/", headers=cookie)
    assert re.search(r'data-queue="overdue">[^<]*<span class="count late">1<', menu.text)
    clerk, _ = await _browser(client, "stc.clerk")
    assert (await client.get("/inbox?queue=nonsense", headers=clerk)).status_code == 422
