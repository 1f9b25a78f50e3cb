"""Phones and the PDF viewer, in headless Chromium on a real server.

Touch targets: on a 375 px wide screen every visible link, button and form control of
the home, inbox, document, transfer and upload pages is at least 44 px tall. The rule:
the box measured is the control's own (a checkbox or radio button wrapped in a label:
the label's, which is what a finger presses); the one exception is a link inside a
sentence (an inline link whose paragraph, list item or cell holds other words too).

PDF viewer: a two-page document opens on "Trang 1/2"; "Trang sau" shows page 2;
"Phóng to" widens the canvas, "Vừa chiều rộng" brings it back; at 375 px the toolbar
fits the screen.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from pypdf import PdfReader, PdfWriter

from tests.browser.test_web_flow import browser, person, shot  # noqa: F401 - fixture
from tests.browser.web_support import PASSWORD, Watch, running_server, text_pdf
from tests.integration.documents_support import enrol, p256_key, sign, upload

pytestmark = pytest.mark.slow

STC = "000.03.00.H30"
SUBJECT = "Về việc xem văn bản trên điện thoại"
PHONE = {"width": 375, "height": 812}

#: Controls under 44 px, each described; a link inside a sentence is left out.
SMALL_TARGETS = """() => {
  const inSentence = (e) => {
    if (e.tagName !== 'A' || getComputedStyle(e).display !== 'inline') return false;
    const parent = e.parentElement;
    if (!['P', 'LI', 'DD', 'TD', 'SPAN', 'SMALL'].includes(parent.tagName)) return false;
    const own = e.textContent.replace(/\\s+/g, ' ').trim();
    const all = parent.textContent.replace(/\\s+/g, ' ').trim();
    return all.length > own.length + 2;
  };
  const small = [];
  for (const e of document.querySelectorAll('a[href], button, input, select, textarea')) {
    if (e.type === 'hidden' || e.closest('[hidden]')) continue;
    const target = (e.type === 'checkbox' || e.type === 'radio') && e.closest('label')
      ? e.closest('label') : e;
    const box = target.getBoundingClientRect();
    const style = getComputedStyle(target);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (inSentence(e)) continue;
    if (box.height < 43.5) {
      const name = (e.getAttribute('aria-label') || e.textContent || e.name || '').trim();
      small.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} "${name.slice(0, 40)}"`
        + ` ${box.height.toFixed(1)} px`);
    }
  }
  return small;
}"""


def two_page_pdf() -> bytes:
    out = PdfWriter()
    for text in (["TRANG MOT", "Noi dung trang 1"], ["TRANG HAI", "Noi dung trang 2"]):
        out.add_page(PdfReader(io.BytesIO(text_pdf(text))).pages[0])
    buffer = io.BytesIO()
    out.write(buffer)
    return buffer.getvalue()


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def _issued_to_stc(origin: str) -> int:
    """Upload (specialist), sign (leader, a P-256 key as a browser holds), issue (clerk)."""
    async with httpx.AsyncClient(base_url=origin, timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        leader = await login(client, "stttt.leader")
        clerk = await login(client, "stttt.clerk")
        created = await upload(client, specialist, two_page_pdf(),  # type: ignore[arg-type]
                               recipients=[STC], subject=SUBJECT, document_type="cong_van")
        assert created.status_code == 201, created.text
        doc_id = int(created.json()["id"])
        key = p256_key()
        cert_id = await enrol(client, leader, key)  # type: ignore[arg-type]
        signed = await sign(client, leader, doc_id, key, cert_id)  # type: ignore[arg-type]
        assert signed.status_code == 200, signed.text
        issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
        assert issued.status_code == 200, issued.text
        return doc_id


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    with running_server(tmp_path_factory.mktemp("docflow-touch")) as origin:
        yield origin, anyio.run(_issued_to_stc, origin)


def _no_small_targets(page: Any, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    small = page.evaluate(SMALL_TARGETS)
    shot(page, f"t-{name}-375px")
    assert not small, f"{name}: controls under 44 px on a phone:\n" + "\n".join(small)


def test_every_control_is_a_44px_target_on_a_phone(
    world: tuple[str, int],
    browser: Any,  # noqa: F811 - the imported fixture
) -> None:
    origin, doc_id = world
    watch = Watch(origin)
    page = person(browser, watch, "stttt.specialist", viewport=PHONE)
    _no_small_targets(page, "home")
    page.goto(f"{origin}/upload")
    _no_small_targets(page, "upload")
    page.goto(f"{origin}/documents/{doc_id}")
    page.wait_for_selector("#pdf-view canvas")
    _no_small_targets(page, "document")
    page.context.close()

    page = person(browser, watch, "stc.clerk", viewport=PHONE)
    page.goto(f"{origin}/inbox")
    page.locator("#inbox tr", has_text=SUBJECT).wait_for()
    _no_small_targets(page, "inbox")
    page.locator("#inbox tr", has_text=SUBJECT).locator("a").first.click()
    page.wait_for_url(re.compile(r"/transfers/\d+$"))
    page.wait_for_selector("#pdf-view canvas")
    _no_small_targets(page, "transfer")
    page.context.close()
    assert not watch.console_errors, watch.console_errors


def _canvas_width(page: Any) -> float:
    return float(page.eval_on_selector("#pdf-view canvas", "c => c.getBoundingClientRect().width"))


def test_pdf_viewer_turns_pages_and_zooms(
    world: tuple[str, int],
    browser: Any,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    origin, doc_id = world
    watch = Watch(origin)
    page = person(browser, watch, "stttt.specialist", viewport=PHONE)
    page.goto(f"{origin}/documents/{doc_id}")
    page.locator(".pdf-page", has_text="Trang 1/2").wait_for()
    assert page.is_disabled("[data-pdf=prev]") and page.is_enabled("[data-pdf=next]")
    first = page.eval_on_selector("#pdf-view canvas", "c => c.toDataURL()")
    fit = _canvas_width(page)
    assert 0 < fit <= PHONE["width"]

    page.click("button[aria-label='Trang sau']")
    page.locator(".pdf-page", has_text="Trang 2/2").wait_for()
    assert page.get_attribute("#pdf-view", "data-page") == "2"
    assert page.get_attribute("#pdf-view canvas", "aria-label") == "Trang 2/2"
    page.wait_for_timeout(300)  # the page is drawn
    assert page.eval_on_selector("#pdf-view canvas", "c => c.toDataURL()") != first
    assert page.is_disabled("[data-pdf=next]")

    page.click("button[aria-label='Phóng to']")
    page.wait_for_selector("#pdf-view[data-zoom='1.25']")
    assert _canvas_width(page) > fit * 1.2
    # Zoomed in, the page scrolls inside its frame: the screen itself does not widen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("button[aria-label='Thu nhỏ']")
    page.wait_for_selector("#pdf-view[data-zoom='1']")
    page.click("button[aria-label='Thu nhỏ']")
    page.wait_for_selector("#pdf-view[data-zoom='0.8']")
    assert _canvas_width(page) < fit
    page.click("button[aria-label='Vừa chiều rộng']")
    page.wait_for_selector("#pdf-view[data-zoom='1']")
    assert abs(_canvas_width(page) - fit) < 1
    shot(page, "t-pdf-viewer-375px")
    box = page.locator(".pdf-bar").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    page.click("a[lang=en]")
    page.locator(".pdf-page", has_text="Page 1/2").wait_for()
    assert page.locator("button[aria-label='Next page']").count() == 1
    page.context.close()
    assert not watch.console_errors, watch.console_errors
