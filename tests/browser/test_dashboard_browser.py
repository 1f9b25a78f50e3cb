"""The operations dashboard in headless Chromium on a real server: documents issued
between demo agencies and handled over the API (accept, assign with a deadline,
complete) show on the page as the province administrator sees them (every agency) and
as STC's leader sees them (STC only), at 1280 px and 375 px, with no horizontal scroll
on the phone, no console error and no English on the Vietnamese page. Screenshots go
to ``test-artifacts/browser/dashboard-*.png``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from docflow.bootstrap import build_runtime
from docflow.core.settings import Settings
from docflow.dashboard.period import vn_today
from docflow.documents.models import Document
from docflow.transfers.models import Transfer
from docflow.transfers.routing import dispatch_document
from tests.browser.test_web_flow import browser, shot  # noqa: F401 - the shared fixture
from tests.browser.web_support import PASSWORD, Watch, running_server
from tests.integration.routing_support import STC, STTTT, UBNDVT, issue_directly

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("docflow-dashboard")
    with running_server(data_dir) as url:
        yield url, data_dir


async def _issue_and_spread(data_dir: Path) -> dict[str, list[int]]:
    """Seven documents between three agencies, issued (and arrived) over the last days
    (moved back in time for the picture); the transfers each recipient got."""
    runtime = build_runtime(Settings.from_env({"DOCFLOW_DATA_DIR": str(data_dir)}))
    plan = [("STTTT", [STC, UBNDVT], 0), ("STTTT", [STC], 1), ("STTTT", [STC], 3),
            ("UBNDVT", [STC], 3), ("STC", [STTTT], 5), ("STTTT", [STC], 8),
            ("UBNDVT", [STTTT, STC], 10)]
    got: dict[str, list[int]] = {}
    try:
        for number, (sender, recipients, days_ago) in enumerate(plan, start=1):
            doc = await issue_directly(runtime, sender, recipients, number=number,
                                       signed_file=data_dir / f"seal-{sender}-b.pdf")
            await dispatch_document(runtime, doc)
            async with runtime.transaction() as session:
                document = await session.get(Document, doc)
                assert document is not None and document.issued_at is not None
                document.issued_at -= timedelta(days=days_ago)
                session.add(document)
                arrivals = (await session.exec(
                    select(Transfer).where(Transfer.document_id == doc))).all()
                for transfer in arrivals:
                    transfer.arrived_at -= timedelta(days=days_ago)
                    session.add(transfer)
                    got.setdefault(transfer.recipient_code, []).append(transfer.id or 0)
    finally:
        await runtime.dispose()
    return got


def _handle(origin: str, transfers: list[int]) -> None:
    """At STC: accept all; assign with deadlines; complete two (one late); leave two open
    and overdue."""
    today = vn_today()
    with httpx.Client(base_url=origin, timeout=120) as http:
        def who(username: str) -> dict[str, str]:
            answer = http.post("/api/v1/auth/login",
                               json={"username": username, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            return {"Authorization": f"Bearer {answer.json()['token']}"}

        clerk, leader, specialist = who("stc.clerk"), who("stc.leader"), who("stc.specialist")
        me = http.get("/api/v1/me", headers=specialist).json()
        deadlines = [1, -1, -2, -3, 2]
        for transfer, offset in zip(transfers, deadlines, strict=False):
            assert http.post(f"/api/v1/transfers/{transfer}/accept",
                             headers=clerk).status_code == 200
            deadline = (today + timedelta(days=offset)).isoformat()
            assigned = http.post(f"/api/v1/transfers/{transfer}/assign", headers=leader,
                                 json={"user_id": me["user"]["id"], "deadline": deadline})
            assert assigned.status_code == 200, assigned.text
        for transfer in transfers[:2]:
            done = http.post(f"/api/v1/transfers/{transfer}/complete", headers=specialist)
            assert done.status_code == 200, done.text


def _person(browser: Any, watch: Watch, username: str, width: int) -> Any:  # noqa: F811
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    context.set_default_timeout(30_000)
    page = watch.attach(context.new_page())
    page.goto(f"{watch.origin}/dashboard")
    page.wait_for_url(re.compile(r"/sign-in\?next=/dashboard"))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{watch.origin}/dashboard")
    return page


def test_dashboard_pictures_at_both_widths(served: tuple[str, Path], browser: Any) -> None:  # noqa: F811
    origin, data_dir = served
    # Playwright's sync API runs a loop in this thread: the services run in their own.
    with ThreadPoolExecutor(1) as pool:
        transfers = pool.submit(asyncio.run, _issue_and_spread(data_dir)).result()
    _handle(origin, transfers[STC])
    watch = Watch(origin)
    # To the day after tomorrow: the deadlines of tomorrow and the day after fall in it.
    first, last = (vn_today() - timedelta(days=11)).isoformat(), (
        vn_today() + timedelta(days=2)).isoformat()
    for username, width in (("province.admin", 1280), ("province.admin", 375),
                            ("stc.leader", 1280), ("stc.leader", 375)):
        page = _person(browser, watch, username, width)
        page.goto(f"{origin}/dashboard?from={first}&to={last}")
        assert page.locator("#chart-daily").count() == 1, page.content()[:3000]
        main = page.inner_text("main")
        assert "Bảng điều hành văn bản" in main
        if username == "stc.leader":
            assert page.locator("#dash-agencies tbody tr").count() == 1
            assert page.inner_text('#dash-totals [data-figure="received"]') == "6"
            assert page.inner_text('#dash-totals [data-figure="on_time"]') == "25%"
            assert page.inner_text('#dash-totals [data-figure="overdue"]') == "2"
            assert "Lý Thị Mỹ Duyên" in page.inner_text("#dash-people")
        else:
            assert page.locator("#dash-agencies tbody tr").count() == 7  # six and the total
        for english in ("Dashboard", "Overdue", "Handled on time", "Total"):
            assert english not in main, english
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"dashboard-{username.split('.')[0]}-{width}px")
        page.context.close()
    assert not watch.console_errors, "\n".join(watch.console_errors)
    assert not watch.pages_without_csp, watch.pages_without_csp
