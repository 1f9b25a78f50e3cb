"""The clerk's page of outgoing deliveries (``/deliveries``), on SQLite and PostgreSQL,
with a real delivery (issued document, peer endpoint answering 400): the clerk sees the
document, the peer, the state and the error in Vietnamese (or English), sends the failed
delivery again with the page's form (CSRF token), and the page says so after the
redirect; the retry is audited. A leader, a clerk of another agency, a form without its
token and a visitor without a session are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlmodel import select

from docflow.app import create_app
from docflow.core.jobs.runner import JobRunner
from docflow.documents.models import Document
from tests.integration.documents_support import PASSWORD, seeded_settings
from tests.integration.test_exchange_delivery import (
    _actions,
    _add_peer,
    _delivery,
    _issue,
    endpoint,
    running,
)

PEER_REFUSAL = '{"status_code": 400, "detail": "Không có đơn vị nhận 000.00.00.H31"}'


async def browser(client: AsyncTestClient, username: str) -> tuple[dict[str, str], str]:
    """(headers with the session cookie, CSRF token) of a browser sign-in."""
    answer = await client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "session": "cookie"},
    )
    assert answer.status_code == 200, answer.text
    token = answer.cookies["docflow_session"]
    client.cookies.clear()
    return {"Cookie": f"docflow_session={token}"}, answer.json()["csrf_token"]


async def _failed_delivery(settings: Any) -> tuple[int, str]:
    """(delivery id, document symbol) of a delivery the peer refused for good."""
    await _issue(settings)
    async with running(settings) as runtime:
        await JobRunner(runtime).run_until_idle()
        delivery = await _delivery(runtime)
        async with runtime.session() as session:
            symbol = (await session.exec(select(Document.symbol))).one()
    assert delivery.state == "failed" and delivery.id is not None
    assert symbol
    return delivery.id, symbol


async def test_a_clerk_sees_a_failed_delivery_and_sends_it_again(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with endpoint([(400, PEER_REFUSAL), (503, "busy")]) as peer_http:
        await _add_peer(settings, peer_http.url)
        delivery_id, symbol = await _failed_delivery(settings)
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            clerk, csrf = await browser(client, "stttt.clerk")
            shown = await client.get("/deliveries", headers=clerk)
            assert shown.status_code == 200, shown.text
            assert "text/html" in shown.headers["content-type"]
            html = shown.text
            assert f'data-delivery="{delivery_id}" data-state="failed"' in html
            assert symbol in html and "/documents/" in html and "province-x" in html
            assert "Gửi không thành công" in html  # the state, in Vietnamese
            assert "Hệ thống nhận từ chối gói tin (mã 400)" in html  # the error, in words
            assert "Không có đơn vị nhận 000.00.00.H31" in html  # the peer's own reason
            assert f'name="csrf_token" value="{csrf}"' in html and "Gửi lại" in html
            assert 'href="/deliveries"' in html  # in the clerk's menu

            english = await client.get("/deliveries", headers={**clerk,
                                       "Cookie": clerk["Cookie"] + "; lang=en"})
            assert "Failed" in english.text and "Send again" in english.text

            await _refusals(client, delivery_id)
            forged = await client.post(f"/deliveries/{delivery_id}/retry", headers=clerk,
                                       data={"csrf_token": "not-the-token"})
            assert forged.status_code == 403 and 'class="error-reason"' in forged.text

            sent = await client.post(f"/deliveries/{delivery_id}/retry", headers=clerk,
                                     data={"csrf_token": csrf}, follow_redirects=False)
            assert sent.status_code == 303, sent.text
            assert sent.headers["location"] == f"/deliveries?retried={delivery_id}"
            after = await client.get(sent.headers["location"], headers=clerk)
            assert "Đã đặt gửi lại" in after.text and symbol in after.text
            again = await client.post(f"/deliveries/{delivery_id}/retry", headers=clerk,
                                      data={"csrf_token": csrf}, follow_redirects=False)
            assert again.headers["location"] == f"/deliveries?stale={delivery_id}"
        async with running(settings) as runtime:
            moved = await _delivery(runtime)
            retried = await _actions(runtime, "exchange.delivery_retried")
    assert moved.state == "pending"  # attempted again at most once since: the peer is busy
    assert len(retried) == 1 and retried[0].subject_id == str(delivery_id)
    assert retried[0].actor_user_id is not None


async def _refusals(client: AsyncTestClient, delivery_id: int) -> None:
    leader, _ = await browser(client, "stttt.leader")
    refused = await client.get("/deliveries", headers=leader)
    assert refused.status_code == 403 and 'class="error-reason"' in refused.text
    assert 'href="/deliveries"' not in refused.text

    other, other_csrf = await browser(client, "stc.clerk")
    theirs = await client.get("/deliveries", headers=other)
    assert theirs.status_code == 200 and f'data-delivery="{delivery_id}"' not in theirs.text
    hidden = await client.post(f"/deliveries/{delivery_id}/retry", headers=other,
                               data={"csrf_token": other_csrf})
    assert hidden.status_code == 404 and 'class="error-reason"' in hidden.text

    nobody = await client.post(f"/deliveries/{delivery_id}/retry", follow_redirects=False)
    assert nobody.status_code == 303
    assert nobody.headers["location"].startswith("/sign-in?next=%2Fdeliveries")
