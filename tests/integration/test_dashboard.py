"""The operations dashboard on SQLite and PostgreSQL: documents issued and handled through
the real services (``dashboard_support``) give exactly the figures expected on
``GET /api/v1/dashboard``, on the page and in the CSV export; each person sees the
agencies the rule gives them (an agency's leader and clerk theirs, the province all,
others nothing); bad periods are 400 with a sentence that says why."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlmodel import select

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.dashboard.figures import build_dashboard
from docflow.dashboard.period import Period, vn_today
from docflow.documents.models import Document
from tests.integration.dashboard_support import Made, make_scenario
from tests.integration.documents_support import PASSWORD, login, seeded_settings
from tests.integration.test_deliveries_page import PEER_REFUSAL, _failed_delivery
from tests.integration.test_exchange_delivery import _add_peer, endpoint


async def cookie(client: AsyncTestClient, username: str) -> dict[str, str]:
    answer = await client.post("/api/v1/auth/login", json={
        "username": username, "password": PASSWORD, "session": "cookie"})
    assert answer.status_code == 200, answer.text
    token = answer.cookies["docflow_session"]
    client.cookies.clear()
    return {"Cookie": f"docflow_session={token}"}


def _agency(body: dict[str, Any], abbreviation: str) -> dict[str, Any]:
    return next(a for a in body["agencies"] if a["abbreviation"] == abbreviation)


def _check_province_figures(body: dict[str, Any], made: Made) -> None:
    assert body["scope"] == "province"
    assert body["from"] == made.first.isoformat() and body["to"] == made.last.isoformat()
    assert [a["abbreviation"] for a in body["agencies"]] == [
        "UBND", "VP", "STTTT", "STC", "UBNDVT", "UBNDCT"]
    sttt, stc, vt = (_agency(body, x) for x in ("STTTT", "STC", "UBNDVT"))
    assert (sttt["issued"], sttt["received"], stc["issued"]) == (4, 0, 0)
    assert stc["received"] == 4 and vt["received"] == 1
    assert stc["verdicts"] == {"passed": 3, "failed": 1, "indeterminate": 0}
    assert vt["verdicts"] == {"passed": 1, "failed": 0, "indeterminate": 0}
    assert stc["handled_on_time"] == {"on_time": 1, "due": 3, "share": 0.3333}
    assert vt["handled_on_time"] == {"on_time": 0, "due": 1, "share": 0.0}
    assert sttt["handled_on_time"] == {"on_time": 0, "due": 0, "share": None}
    assert (stc["completed"], stc["overdue"], vt["completed"], vt["overdue"]) == (2, 1, 0, 1)
    average = sum(made.handled) / 2
    assert abs(stc["average_handling_seconds"] - average) <= 1, (stc, made.handled)
    assert vt["average_handling_seconds"] is None
    assert stc["delivery_failures"] == {"failed": 0, "retrying": 0}
    totals = body["totals"]
    assert (totals["issued"], totals["received"], totals["overdue"]) == (4, 5, 2)
    assert totals["handled_on_time"] == {"on_time": 1, "due": 4, "share": 0.25}
    assert totals["verdicts"] == {"passed": 4, "failed": 1, "indeterminate": 0}
    assert body["overdue_by_person"] == [
        {"agency_id": made.agencies["STC"], "agency": "STC", "user_id": made.specialist_id,
         "name": "Lý Thị Mỹ Duyên", "department": "Phòng Quản lý ngân sách", "overdue": 1},
        {"agency_id": made.agencies["UBNDVT"], "agency": "UBNDVT", "user_id": None,
         "name": None, "department": "Văn phòng", "overdue": 1},
    ]
    days = {d["day"]: (d["issued"], d["received"]) for d in body["per_day"]}
    assert len(days) == 5 and days[made.first.isoformat()] == (0, 0)
    assert sum(i for i, _ in days.values()) == 4 and sum(r for _, r in days.values()) == 5
    # Only counts and names: no document's symbol or subject anywhere.
    assert "phối hợp" not in str(body) and "/STTTT" not in str(body)


async def test_figures_page_and_export_of_handled_documents(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            made = await make_scenario(runtime, client, tmp_path)
            period = {"from": made.first.isoformat(), "to": made.last.isoformat()}
            province = await login(client, "province.auditor")
            answer = await client.get("/api/v1/dashboard", params=period, headers=province)
            assert answer.status_code == 200, answer.text
            _check_province_figures(answer.json(), made)
            admin = await client.get("/api/v1/dashboard", params=period,
                                     headers=await login(client, "province.admin"))
            assert admin.json()["agencies"] == answer.json()["agencies"]

            page = await client.get("/dashboard", params=period,
                                    headers=await cookie(client, "province.admin"))
            assert page.status_code == 200, page.text
            _check_page(page.text, made)

            exported = await client.get("/dashboard.csv", params=period,
                                        headers=await cookie(client, "province.auditor"))
            _check_csv(exported, made)
        await _counted_in_few_statements(runtime, made)
    finally:
        await runtime.dispose()


async def _counted_in_few_statements(runtime: Any, made: Made) -> None:
    """The database counts: the same seven statements whatever the number of rows (the
    agencies, then six GROUP BY: issued, transfers, deliveries, overdue per person, and
    issued and received per day)."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        async with runtime.session() as session:
            board = await build_dashboard(session, None, Period(made.first, made.last))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert board.totals.received == 5
    assert len(statements) == 7, statements
    assert sum("GROUP BY" in s for s in statements) == 6


def _row(html: str, agency_id: int) -> str:
    found = re.search(rf'<tr data-agency="{agency_id}">(.*?)</tr>', html, re.S)
    assert found, agency_id
    return found.group(1)


def _cell(row: str, figure: str) -> str:
    found = re.search(rf'data-figure="{figure}">(.*?)</td>', row, re.S)
    assert found, figure
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def _check_page(html: str, made: Made) -> None:
    stc, vt = _row(html, made.agencies["STC"]), _row(html, made.agencies["UBNDVT"])
    assert _cell(stc, "received") == "4" and _cell(stc, "overdue") == "1"
    assert _cell(stc, "on_time") == "33,3% (1/3)"
    assert _cell(vt, "on_time") == "0% (0/1)"
    assert _cell(_row(html, made.agencies["STTTT"]), "issued") == "4"
    assert "✓ 3 · ✗ 1 · ? 0" in _cell(stc, "verdicts")
    assert 'data-figure="overdue">2</strong>' in html and 'data-figure="issued">4</strong>' in html
    assert "Lý Thị Mỹ Duyên" in html and "(giao cả phòng, ban)" in html
    for chart in ("chart-daily", "chart-on-time", "chart-verdicts"):
        assert f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart}"' in html
        assert f'aria-labelledby="{chart}-t {chart}-d"' in html
    assert "33,3% (1/3)" in html.split('id="chart-on-time"')[1].split("</svg>")[0]
    assert 'href="/dashboard" aria-current="page"' in html
    assert "phối hợp" not in html and "/STTTT" not in html


def _check_csv(exported: Any, made: Made) -> None:
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    disposition = exported.headers["content-disposition"]
    assert f"dashboard-{made.first.isoformat()}-{made.last.isoformat()}.csv" in disposition
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Cơ quan", "Viết tắt", "Văn bản ban hành", "Văn bản đến"]
    by_abbreviation = {r[1]: r for r in rows[1:-1]}
    assert len(by_abbreviation) == 6 and rows[-1][0] == "Tổng cộng"
    stc = by_abbreviation["STC"]
    assert stc[0] == "Sở Tài chính tỉnh Hậu Giang"
    assert stc[2:8] == ["0", "4", "3", "1", "33", "2"]
    assert stc[9:] == ["1", "0", "0", "3", "1", "0"]
    assert abs(int(stc[8]) - round(sum(made.handled) / 2 / 60)) <= 1
    assert rows[-1][2:8] == ["4", "5", "4", "1", "25", "2"]


async def test_each_person_sees_their_reach_and_bad_periods_are_400(
    database_url: str, tmp_path: Path
) -> None:
    """A document issued over HTTP (specialist, leader, clerk) to STC and to a peer that
    refuses it for good: STTTT's leader and clerk see STTTT only (one issued, one failed
    delivery), STC's leader STC only; the other roles are refused (API, page, CSV)."""
    settings = await seeded_settings(database_url, tmp_path)
    async with endpoint([(400, PEER_REFUSAL)]) as peer_http:
        await _add_peer(settings, peer_http.url)
        await _failed_delivery(settings)
    today = vn_today()
    await _issued_at(settings, Period(today, today).start + timedelta(minutes=30))
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        for username in ("stttt.leader", "stttt.clerk"):
            body = (await client.get("/api/v1/dashboard",
                                     headers=await login(client, username))).json()
            assert body["scope"] == "agency"
            assert [a["abbreviation"] for a in body["agencies"]] == ["STTTT"]
            own = body["agencies"][0]
            assert (own["issued"], own["received"]) == (1, 0)
            assert own["delivery_failures"] == {"failed": 1, "retrying": 0}
            assert body["totals"]["delivery_failures"]["failed"] == 1
            # Issued at 00:30 Vietnam time (the day before in UTC): counted on today.
            days = {d["day"]: d["issued"] for d in body["per_day"] if d["issued"]}
            assert days == {today.isoformat(): 1}
        theirs = (await client.get("/api/v1/dashboard",
                                   headers=await login(client, "stc.leader"))).json()
        assert [a["abbreviation"] for a in theirs["agencies"]] == ["STC"]
        assert theirs["agencies"][0]["received"] == 1
        assert theirs["agencies"][0]["delivery_failures"]["failed"] == 0
        province = (await client.get("/api/v1/dashboard",
                                     headers=await login(client, "province.admin"))).json()
        assert _agency(province, "STTTT")["delivery_failures"]["failed"] == 1
        await _pages_by_reach(client, province)
        await _refused(client)
        await _bad_periods(client)


async def _issued_at(settings: Any, moment: datetime) -> None:
    runtime = build_runtime(settings)
    try:
        async with runtime.transaction() as session:
            document = (await session.exec(select(Document))).one()
            document.issued_at = moment
            session.add(document)
    finally:
        await runtime.dispose()


async def _pages_by_reach(client: AsyncTestClient, province: dict[str, Any]) -> None:
    ids = {a["abbreviation"]: a["id"] for a in province["agencies"]}
    leader = await cookie(client, "stttt.leader")
    html = (await client.get("/dashboard", headers=leader)).text
    assert f'data-agency="{ids["STTTT"]}"' in html and f'data-agency="{ids["STC"]}"' not in html
    assert "Sở Thông tin và Truyền thông tỉnh Hậu Giang" in html
    assert "Sở Tài chính" not in html and 'class="dash-total"' not in html
    assert 'href="/dashboard" aria-current="page"' in html
    english = await client.get("/dashboard", headers={"Cookie": leader["Cookie"] + "; lang=en"})
    assert "Operations dashboard" in english.text and "Failed deliveries" in english.text
    exported = await client.get("/dashboard.csv", headers=leader)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["STTTT"] and rows[1][10] == "1"
    whole = await client.get("/dashboard", headers=await cookie(client, "province.auditor"))
    assert all(f'data-agency="{i}"' in whole.text for i in ids.values())
    assert 'class="dash-total"' in whole.text


async def _refused(client: AsyncTestClient) -> None:
    for username in ("stttt.specialist", "stttt.auditor", "stttt.admin"):
        api = await client.get("/api/v1/dashboard", headers=await login(client, username))
        assert api.status_code == 403, (username, api.text)
        assert "leaders and clerks" in api.json()["detail"]
        browser = await cookie(client, username)
        refused = await client.get("/dashboard", headers=browser)
        assert refused.status_code == 403 and 'class="error-reason"' in refused.text
        assert 'href="/dashboard"' not in (await client.get("/", headers=browser)).text
        assert (await client.get("/dashboard.csv", headers=browser)).status_code == 403
        # Refused before the dates are read.
        bad = await client.get("/api/v1/dashboard", params={"from": "x"},
                               headers=await login(client, username))
        assert bad.status_code == 403


async def _bad_periods(client: AsyncTestClient) -> None:
    api = await login(client, "stc.leader")
    for params, words in (
        ({"from": "2026-13-01"}, "'from' must be a date written YYYY-MM-DD"),
        ({"to": "30/11/2026"}, "'to' must be a date written YYYY-MM-DD"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "'from' (2026-11-30) is after 'to'"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "at most 366 days"),
    ):
        answer = await client.get("/api/v1/dashboard", params=params, headers=api)
        assert answer.status_code == 400, answer.text
        assert words in answer.json()["detail"]
    browser = await cookie(client, "stc.leader")
    page = await client.get("/dashboard", params={"from": "2026-11-30", "to": "2026-11-01"},
                            headers=browser)
    assert page.status_code == 400 and 'id="dash-problem"' in page.text
    assert "Từ ngày (2026-11-30) sau đến ngày (2026-11-01)" in page.text
    assert 'value="2026-11-30"' in page.text and 'id="dash-agencies"' not in page.text
    exported = await client.get("/dashboard.csv", params={"from": "nope"}, headers=browser)
    assert exported.status_code == 400
