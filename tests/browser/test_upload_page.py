"""The upload page in headless Chromium, on a server whose upload limit is 1 MB:

- a double click on "Tải lên" sends one request and makes one draft, whose page then
  confirms it (and only once: the confirmation's flag leaves the address);
- a file over the limit is refused before anything is sent, the message states the
  limit, and the progress bar stays empty; a refusal by the server empties it too;
- a draft without recipients is refused (however often "Tải lên" is pressed) until
  "Văn bản nội bộ" is ticked, and then its page says it has none.

Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_web_flow import browser, person, shot  # noqa: F401 - fixture
from tests.browser.web_support import Watch, running_server, text_pdf

pytestmark = pytest.mark.slow

SUBJECT = "Về việc thử tải lên hai lần"
STC = "000.03.00.H30"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("docflow-upload")
    with running_server(data, DOCFLOW_MAX_UPLOAD_MB="1") as url:
        yield url


def fill(page: Any, pdf: Path, subject: str, recipients: bool = True) -> None:
    page.set_input_files("#file", str(pdf))
    page.fill("#subject", subject)
    page.select_option("#signer", "stttt.leader")
    if recipients:
        page.check(f"input[name=recipients][value='{STC}']")


def drafts_named(page: Any, origin: str, subject: str) -> int:
    page.goto(f"{origin}/drafts")
    return int(page.locator("tr", has_text=subject).count())


def test_double_click_uploads_once_and_confirms(
    origin: str,
    browser: Any,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    watch = Watch(origin)
    draft = tmp_path / "du-thao.pdf"
    draft.write_bytes(text_pdf(["QUYET DINH", "Ve viec thu tai len hai lan"]))
    page = person(browser, watch, "stttt.specialist")
    page.goto(f"{origin}/upload")
    assert "1 MB" in page.inner_text("#file-limit")
    fill(page, draft, SUBJECT)
    page.dblclick("#upload-submit")
    page.wait_for_selector("#done")
    assert f"Đã tải lên dự thảo “{SUBJECT}”" in page.inner_text("#done")
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    shot(page, "u1-uploaded-confirmed")
    assert watch.posts_to("/api/v1/documents") == 1
    page.reload()
    assert page.locator("#done").count() == 0  # confirmed once, not on every reload
    assert page.locator("#no-recipients").count() == 0
    assert drafts_named(page, origin, SUBJECT) == 1

    # The same form sent twice by a script (what a double click did before): one draft.
    page.goto(f"{origin}/upload")
    fill(page, draft, SUBJECT + " (2)")
    page.evaluate(
        "() => { const f = document.getElementById('upload-form');"
        " f.requestSubmit(); f.requestSubmit(); }"
    )
    page.wait_for_selector("#done")
    assert watch.posts_to("/api/v1/documents") == 2
    assert drafts_named(page, origin, SUBJECT + " (2)") == 1
    page.context.close()
    assert not watch.console_errors, watch.console_errors


def test_too_large_is_refused_before_sending(
    origin: str,
    browser: Any,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    watch = Watch(origin)
    big = tmp_path / "qua-lon.pdf"
    with big.open("wb") as out:  # 2 MB: over this server's 1 MB limit
        out.write(text_pdf(["QUA LON"]))
        out.write(b"%" + b"0" * (2 * 1024 * 1024))
    page = person(browser, watch, "stttt.specialist")
    page.goto(f"{origin}/upload")
    fill(page, big, "Về việc tệp quá lớn")
    page.click("#upload-submit")
    page.locator("#upload-error", has_text="1 MB").wait_for()
    message = page.inner_text("#upload-error")
    assert "vượt giới hạn 1 MB" in message and "2,0 MB" in message, message
    assert watch.posts_to("/api/v1/documents") == 0  # nothing was sent
    assert page.eval_on_selector("#progress", "p => p.value") == 0
    assert page.is_enabled("#upload-submit")
    shot(page, "u2-too-large")

    # The server refuses (not a readable PDF behind its header): the bar empties again.
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"x" * 50_000)
    watch.provoked.add((422, f"{origin}/api/v1/documents"))
    page.set_input_files("#file", str(broken))
    page.click("#upload-submit")
    page.wait_for_selector("#upload-error:not([hidden])")
    page.locator("#upload-error", has_text="Không thực hiện được").wait_for()
    refusal = page.inner_text("#upload-error")
    assert "PDF" in refusal and "The " not in refusal, refusal  # the catalogue's, in Vietnamese
    assert watch.posts_to("/api/v1/documents") == 1
    assert page.eval_on_selector("#progress", "p => p.value") == 0
    page.context.close()
    assert not watch.console_errors, watch.console_errors


def test_no_recipients_is_refused_until_marked_internal(
    origin: str,
    browser: Any,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    watch = Watch(origin)
    draft = tmp_path / "noi-bo.pdf"
    draft.write_bytes(text_pdf(["THONG BAO NOI BO"]))
    page = person(browser, watch, "stttt.specialist")
    page.goto(f"{origin}/upload")
    assert page.locator("#internal-choice").is_hidden()
    fill(page, draft, "Về việc thông báo nội bộ", recipients=False)
    page.dblclick("#upload-submit")  # a double click does not get past the refusal
    page.wait_for_selector("#no-recipients:not([hidden])")
    assert "Chưa chọn nơi nhận" in page.inner_text("#no-recipients")
    assert "chưa được tải lên" in page.inner_text("#no-recipients")
    page.wait_for_timeout(900)
    page.click("#upload-submit")  # pressed again, later: still refused (it used to upload)
    page.wait_for_timeout(500)
    assert watch.posts_to("/api/v1/documents") == 0
    shot(page, "u3-no-recipients-refused")
    page.check("#internal_only")  # said explicitly: an internal document
    page.click("#upload-submit")
    page.wait_for_selector("#done")
    assert "chưa có nơi nhận" in page.inner_text("#no-recipients")
    assert watch.posts_to("/api/v1/documents") == 1
    shot(page, "u4-draft-without-recipients")
    page.context.close()
    assert not watch.console_errors, watch.console_errors
