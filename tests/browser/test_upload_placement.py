"""The upload form's approvers, attachments, named readers and field placement, in
headless Chromium:

- choosing the PDF shows its page 1 with the "Số/ký hiệu", "Ngày tháng" and "Chữ ký"
  boxes at their customary places; "Đặt lại vị trí mặc định" brings a moved box back;
- the specialist ticks one approver, adds an attachment (phụ lục), drags the number
  box to a new place and nudges it with an arrow key: the created draft lists the
  approver and the attachment, and its stored layout has the number box where it was
  dropped (within a point) while the untouched boxes are left to the server;
- the named readers appear only once a confidentiality level is chosen;
- an attachment that is not a PDF is refused before anything is sent.

Screenshots at 1280 and 375 px: ``test-artifacts/browser/upload-placement-*.png``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_web_flow import browser, person, shot  # noqa: F401 - fixture
from tests.browser.web_support import Watch, running_server, text_pdf

pytestmark = pytest.mark.slow

STC = "000.03.00.H30"
A4_WIDTH = 595.0
NUMBER_DEFAULT = [60.0, 742.0, 280.0, 760.0]
DATE_DEFAULT = [300.0, 742.0, 560.0, 760.0]
LEADER_DEFAULT = [330.0, 120.0, 530.0, 200.0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("docflow-placement")
    with running_server(data) as url:
        yield url, data


def box_of(page: Any, field: str) -> list[float]:
    raw = page.get_attribute(f".field-box[data-field={field}]", "data-box")
    return [float(v) for v in raw.split(",")]


def near(a: list[float], b: list[float], tolerance: float = 1.0) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def drag(page: Any, field: str, dx: float, dy: float) -> None:
    """Drags a box by (dx, dy) CSS pixels with the mouse (pointer events)."""
    node = page.locator(f".field-box[data-field={field}]")
    node.scroll_into_view_if_needed()
    where = node.bounding_box()
    x, y = where["x"] + where["width"] / 2, where["y"] + where["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=8)
    page.mouse.up()


def touch_drag(page: Any, field: str, dx: float, dy: float) -> None:
    """Drags a box by (dx, dy) CSS pixels with a finger (touch events, as a phone's)."""
    node = page.locator(f".field-box[data-field={field}]")
    node.scroll_into_view_if_needed()
    where = node.bounding_box()
    x, y = where["x"] + where["width"] / 2, where["y"] + where["height"] / 2
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 9):
        point = {"x": x + dx * step / 8, "y": y + dy * step / 8}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def stored_layout(data: Path, document_id: int) -> dict[str, Any]:
    with sqlite3.connect(data / "docflow.db") as db:
        row = db.execute("SELECT layout FROM document WHERE id = ?", (document_id,)).fetchone()
    layout: dict[str, Any] = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return layout


def test_approver_attachment_and_dragged_number_box_reach_the_draft(
    server: tuple[str, Path],
    browser: Any,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    origin, data = server
    watch = Watch(origin)
    draft = tmp_path / "du-thao.pdf"
    draft.write_bytes(text_pdf(["QUYET DINH", "Ve viec dat vi tri so va chu ky"]))
    annex = tmp_path / "phu-luc-1.pdf"
    annex.write_bytes(text_pdf(["PHU LUC I", "Danh sach don vi"]))
    not_pdf = tmp_path / "ghi-chu.pdf"
    not_pdf.write_text("Không phải PDF")
    page = person(browser, watch, "stttt.specialist", viewport={"width": 1280, "height": 900})
    page.goto(f"{origin}/upload")
    assert page.locator("#placement").is_hidden()
    page.set_input_files("#file", str(draft))
    page.wait_for_selector("#placement:not([hidden])")
    assert near(box_of(page, "number_box"), NUMBER_DEFAULT)
    assert near(box_of(page, "date_box"), DATE_DEFAULT)
    assert near(box_of(page, "leader_box"), LEADER_DEFAULT)

    # Moved, then reset: back at the customary place.
    drag(page, "date_box", -40, 60)
    assert not near(box_of(page, "date_box"), DATE_DEFAULT)
    page.click("#placement-reset")
    assert near(box_of(page, "date_box"), DATE_DEFAULT)

    # The number box: dragged down and right, then one arrow key to the right.
    scale = page.eval_on_selector("#placement-canvas", "c => c.clientWidth") / A4_WIDTH
    drag(page, "number_box", 100, 250)
    page.focus(".field-box[data-field=number_box]")
    page.keyboard.press("ArrowRight")
    dropped = box_of(page, "number_box")
    expected = [60 + 100 / scale + 1, 742 - 250 / scale, 280 + 100 / scale + 1, 760 - 250 / scale]
    assert near(dropped, expected, 2.0), (dropped, expected)

    page.fill("#subject", "Về việc đặt vị trí số và chữ ký")
    page.select_option("#signer", "stttt.leader")
    page.check("input[name=approvers][value='stttt.clerk']")
    assert page.locator("input[name=approvers][value='stttt.auditor']").count() == 0
    clerk = page.locator("#approver-list label", has_text="stttt.clerk")
    assert clerk.locator(".approver-order").inner_text() == "1."
    page.check(f"input[name=recipients][value='{STC}']")
    assert page.locator("#reader-list").is_hidden()

    # Not a PDF among the attachments: refused before sending.
    page.set_input_files("#attachments", [str(annex), str(not_pdf)])
    page.click("#upload-submit")
    page.locator("#upload-error", has_text="ghi-chu.pdf").wait_for()
    assert "không phải tệp PDF" in page.inner_text("#upload-error")
    assert watch.posts_to("/api/v1/documents") == 0
    page.set_input_files("#attachments", str(annex))
    assert page.locator("#upload-error").is_hidden()  # chosen again: the refusal is gone
    shot(page, "upload-placement-1280")

    page.click("#upload-submit")
    page.wait_for_url(re.compile(r"/documents/\d+"))
    document_id = int(re.search(r"/documents/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    answer = page.request.get(f"{origin}/api/v1/documents/{document_id}").json()
    assert answer["approvers"] == ["stttt.clerk"]
    assert [a["filename"] for a in answer["attachments"]] == ["phu-luc-1.pdf"]
    layout = stored_layout(data, document_id)
    assert near(layout["number_box"], dropped, 0.2), (layout, dropped)
    assert "date_box" not in layout and "leader_box" not in layout  # the server's defaults
    assert layout["page"] == 0
    page.context.close()
    assert not watch.console_errors, watch.console_errors


def test_phone_shows_the_page_boxes_and_readers_of_a_confidential_draft(
    server: tuple[str, Path],
    browser: Any,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    origin, _data = server
    watch = Watch(origin)
    draft = tmp_path / "mat.pdf"
    draft.write_bytes(text_pdf(["CONG VAN MAT"]))
    page = person(
        browser, watch, "stttt.specialist", viewport={"width": 375, "height": 812},
        has_touch=True, is_mobile=True,
    )
    page.goto(f"{origin}/upload")
    page.set_input_files("#file", str(draft))
    page.wait_for_selector("#placement:not([hidden])")
    assert near(box_of(page, "number_box"), NUMBER_DEFAULT)
    right = page.eval_on_selector("#placement-canvas", "c => c.getBoundingClientRect().right")
    assert right <= 375
    # A finger drags the signature box up and left; "Đặt lại vị trí mặc định" undoes it.
    scale = page.eval_on_selector("#placement-canvas", "c => c.clientWidth") / A4_WIDTH
    touch_drag(page, "leader_box", -60, -80)
    moved = box_of(page, "leader_box")
    expected = [330 - 60 / scale, 120 + 80 / scale, 530 - 60 / scale, 200 + 80 / scale]
    assert near(moved, expected, 3.0), (moved, expected)
    page.click("#placement-reset")
    assert near(box_of(page, "leader_box"), LEADER_DEFAULT)
    page.select_option("#confidentiality", "mat")
    page.wait_for_selector("#reader-list:not([hidden])")
    assert page.locator("input[name=readers][value='stttt.leader']").count() == 1
    shot(page, "upload-placement-375")
    page.select_option("#confidentiality", "none")
    assert page.locator("#reader-list").is_hidden()
    page.context.close()
    assert not watch.console_errors, watch.console_errors
