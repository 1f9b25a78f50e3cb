"""What a clerk and a leader see on the registers and transfer pages, on SQLite and
PostgreSQL, after a real upload → sign → issue → delivery:

- the registers page names the recipients and the sender by name (the code stays in
  the cell's title and, as before, in the CSV export);
- with DOCFLOW_WARM_UP on (``docflow serve``'s default), the app answers ``/health`` at
  once while its signing workers (both lanes) and the dev PKI's certificates are made
  ready in the background; off (the default elsewhere, as in these tests) nothing starts;
- a transfer's assignee list offers only active clerks, leaders and specialists of the
  agency (no auditor, no admin-only account, no deactivated person), and the API refuses
  the others with a sentence; completing before anyone is assigned is a 409 saying so;
  after the assignment the form is gone and the page says "Đã giao cho X, hạn Y", and
  "Hoàn thành" is offered to the assignee and clerks only.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import anyio
from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from docflow.accounts.models_user import User
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings
from docflow.core.warm_up import _tasks as warm_up_tasks
from docflow.transfers.models import Transfer
from docflow.web.i18n import VIETNAM
from tests.integration.admin_support import browser
from tests.integration.documents_support import login, seeded_settings
from tests.integration.routing_support import STC, issue_over_http, user_id

STC_NAME = "Sở Tài chính tỉnh Hậu Giang"
SUBJECT = "Về việc kiểm tra sổ đăng ký và giao xử lý"


async def _transfer_to_stc(runtime: Runtime, doc_id: int) -> int:
    async with runtime.session() as session:
        found = (
            await session.exec(select(Transfer.id).where(Transfer.document_id == doc_id))
        ).all()
    assert len(found) == 1
    return found[0]  # type: ignore[return-value]


async def _deactivate(runtime: Runtime, username: str) -> None:
    async with runtime.transaction() as session:
        user = (await session.exec(select(User).where(User.username == username))).one()
        user.is_active = False
        session.add(user)


async def _stc_names(runtime: Runtime) -> dict[str, str]:
    async with runtime.session() as session:
        users = (await session.exec(select(User).where(col(User.username).like("stc.%")))).all()
    return {u.username: u.full_name for u in users}


def _options(html: str) -> list[str]:
    select_html = re.search(r'<select id="assignee".*?</select>', html, re.S)
    assert select_html, "the assign form's list is missing"
    return re.findall(r'<option value="\d+">([^<]+)</option>', select_html.group(0))


async def test_registers_name_agencies_and_transfer_assignment_rules(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        await _scenario(settings, runtime)
    finally:
        await runtime.dispose()


async def _scenario(settings: Settings, runtime: Runtime) -> None:
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        doc_id = await issue_over_http(client, [STC], SUBJECT)
        transfer_id = await _transfer_to_stc(runtime, doc_id)

        # -- registers: names on the page, codes kept in the title and the CSV
        sender_clerk = await browser(client, "stttt.clerk")
        page = (await sender_clerk.get("/registers")).text
        outgoing = page.split('id="outgoing-register"')[1].split("</table>")[0]
        assert f'title="{STC}">{STC_NAME}</td>' in outgoing, outgoing
        csv = await client.get(
            "/api/v1/registers/outgoing",
            params={"format": "csv", "year": datetime.now(VIETNAM).year},
            headers=await login(client, "stttt.clerk"),
        )
        assert STC in csv.text

        clerk = await login(client, "stc.clerk")
        assert (await client.post(f"/api/v1/transfers/{transfer_id}/accept",
                                  headers=clerk)).status_code == 200
        incoming = (await (await browser(client, "stc.clerk")).get("/registers")).text
        incoming = incoming.split('id="incoming-register"')[1].split("</table>")[0]
        assert "Sở Thông tin và Truyền thông" in incoming, incoming
        assert 'title="000.02.00.H30"' in incoming

        await _assignment(client, runtime, transfer_id)


async def _assignment(client: AsyncTestClient, runtime: Runtime, transfer_id: int) -> None:
    clerk = await login(client, "stc.clerk")
    leader = await login(client, "stc.leader")
    # -- completing before anyone is assigned: refused, saying why
    early = await client.post(f"/api/v1/transfers/{transfer_id}/complete", headers=clerk)
    assert early.status_code == 409, early.text
    assert early.json()["code"] == "not_assigned"
    assert "assigns it first" in early.json()["detail"]

    # -- the assignee list: active handlers only
    await _deactivate(runtime, "stc.clerk")
    leader_page = await browser(client, "stc.leader")
    html = (await leader_page.get(f"/transfers/{transfer_id}")).text
    offered = _options(html)
    assert offered, html
    names = await _stc_names(runtime)
    assert names["stc.clerk"] not in offered  # deactivated
    assert names["stc.auditor"] not in offered and names["stc.admin"] not in offered
    assert names["stc.specialist"] in offered and names["stc.leader"] in offered
    assert 'id="complete-button"' not in html

    for refused in ("stc.auditor", "stc.admin", "stc.clerk"):
        answer = await client.post(
            f"/api/v1/transfers/{transfer_id}/assign",
            json={"user_id": await user_id(runtime, refused)},
            headers=leader,
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "assignee_not_handler"

    # -- assigned: the form gives way to who and by when; "Hoàn thành" for the assignee
    assigned = await client.post(
        f"/api/v1/transfers/{transfer_id}/assign",
        json={"user_id": await user_id(runtime, "stc.specialist"),
              "deadline": "2030-01-15"},
        headers=leader,
    )
    assert assigned.status_code == 200, assigned.text
    html = (await leader_page.get(f"/transfers/{transfer_id}")).text
    assert 'id="assign-form"' not in html
    assert f"Đã giao cho {names['stc.specialist']}, hạn 15/01/2030" in html
    assert 'id="complete-button"' not in html  # the leader is not the assignee
    specialist_html = (
        await (await browser(client, "stc.specialist")).get(f"/transfers/{transfer_id}")
    ).text
    assert 'id="complete-button"' in specialist_html
    assert 'class="status st-04"' in specialist_html


async def _health_now_and_warm_later(client: AsyncTestClient) -> float:
    started = time.perf_counter()
    health = await client.get("/health")
    answered = time.perf_counter() - started
    assert health.status_code == 200, health.text
    assert warm_up_tasks, "the warm-up was not started"
    deadline = time.monotonic() + 240
    while warm_up_tasks:
        assert time.monotonic() < deadline, "the warm-up did not finish in 240 s"
        await anyio.sleep(0.2)
    return answered


async def test_warm_up_prepares_signing_in_the_background_only_when_asked(
    database_url: str, tmp_path: Path
) -> None:
    cold = await seeded_settings(database_url, tmp_path / "cold")
    assert not cold.warm_up  # the app's default: tests and scripts start nothing extra
    app = create_app(cold)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/health")).status_code == 200
        assert not warm_up_tasks and not app.state.runtime.signing_pool._executors

    settings = await seeded_settings(database_url, tmp_path / "warm", DOCFLOW_WARM_UP="on")
    app = create_app(settings)
    async with AsyncTestClient(app=app, timeout=240) as client:
        answered = await _health_now_and_warm_later(client)
        assert answered < 5, f"/health waited {answered:.1f} s for the warm-up"
        # Both lanes' workers run, and enrolment finds the dev CAs' certificates derived.
        pool = app.state.runtime.signing_pool
        assert set(pool._executors) == {"general", "locked"}
        # Every worker of both lanes started (and rehearsed): a seal for a second agency
        # issuing at once does not wait for a cold worker.
        for lane, executor in pool._executors.items():
            assert len(executor._processes) == pool.workers, lane
        cached = {p.name for p in (Path(settings.data_dir) / "dev-pki-cache").rglob("*.der")}
        assert {"root.der", "ca-stc.der", "stttt-seal.der", "tsa.der"} <= cached, cached
        clerk = await login(client, "stttt.clerk")
        assert (await client.get("/api/v1/me", headers=clerk)).status_code == 200
