"""The menu on a phone, in headless Chromium on a real server: at 375 px the menu is
folded behind one "Danh mục" button that carries the count of work waiting (a draft to
sign makes it 1); pressing it shows the links and the queues, where "Chờ tôi ký" is
listed once, with its count; Escape folds it again. At 1280 px there is no button and
the links show. The bell is drawn (an SVG, not an emoji that Debian's Chromium has no
font for) and keeps its accessible name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from tests.browser.test_touch_and_preview import PHONE, login
from tests.browser.test_web_flow import browser, person, shot  # noqa: F401 - fixture
from tests.browser.web_support import Watch, running_server, text_pdf
from tests.integration.documents_support import upload

pytestmark = pytest.mark.slow


async def _draft_to_sign(origin: str) -> None:
    async with httpx.AsyncClient(base_url=origin, timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        created = await upload(client, specialist,  # type: ignore[arg-type]
                               text_pdf(["DU THAO", "Cho ky"]), subject="Về việc ký thử")
        assert created.status_code == 201, created.text


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("docflow-menu")) as started:
        anyio.run(_draft_to_sign, started)
        yield started


def test_the_menu_folds_on_a_phone_and_shows_what_waits(
    origin: str,
    browser: Any,  # noqa: F811 - the imported fixture
) -> None:
    watch = Watch(origin)
    page = person(browser, watch, "stttt.leader", viewport=PHONE)
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    # one draft to sign: seen as a count, heard as "Danh mục 1 việc đang chờ"
    assert " ".join(toggle.inner_text().split()) == "Danh mục 1 việc đang chờ"
    assert page.inner_text("#menu-todo") == "1"
    assert (toggle.bounding_box() or {}).get("height", 0) >= 44
    assert not page.locator(".menu-body").is_visible()
    header = page.locator("header.top").bounding_box() or {}
    assert header.get("height", 999) < 200, header  # was ~290 px of wrapped links
    shot(page, "menu-folded-375px")

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("a[data-queue=to_sign]").is_visible()
    assert page.locator(".menu-body a", has_text="Chờ tôi ký").count() == 1
    assert page.inner_text("a[data-queue=to_sign] .count").strip() == "1"
    shot(page, "menu-open-375px")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".menu-body").is_visible()

    bell = page.locator("a.bell")
    assert bell.get_attribute("aria-label", timeout=5000).startswith("Thông báo")
    icon = page.locator("a.bell svg").bounding_box() or {}
    assert icon.get("width", 0) >= 16 and icon.get("height", 0) >= 16

    page.set_viewport_size({"width": 1280, "height": 800})
    assert not toggle.is_visible()
    assert page.locator("a[data-queue=to_sign]").is_visible()
    # the home page's tiles carry the same counts as the menu
    assert page.inner_text("a[data-tile-queue=to_sign] .tile-count").strip() == "1"
    page.context.close()
    assert not watch.console_errors, watch.console_errors
