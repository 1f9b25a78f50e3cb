"""The browser application end to end in headless Chromium (Debian's), on a real server:
a specialist uploads a draft; the leader opens it, enrols a browser key and signs it in
the page; the clerk issues it; the recipient's clerk sees it in the inbox with a passed
check and accepts it; the auditor sees every signature card green.

Along the way: the private key is non-extractable and never sent; no page logs a
console error (a Content-Security-Policy violation included: every page is served
under the strict policy and pdf.js must work with it) or loads anything from
elsewhere; bad input gives a readable message; a double click on Sign/Issue acts once;
a 375 px wide screen works. Screenshots of each step go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.web_support import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    PASSWORD,
    Watch,
    running_server,
    text_pdf,
)
from tests.services import require, require_tool

pytestmark = pytest.mark.slow

SUBJECT = "Về việc triển khai chữ ký số trong cơ quan nhà nước"
STC_NAME = "Sở Tài chính tỉnh Hậu Giang"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("docflow-web")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = require_tool("chromium", "chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright for Python not installed (pip install playwright)")
        raise
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def person(browser: Any, watch: Watch, username: str, **options: Any) -> Any:
    """A fresh browser profile signed in as ``username`` through the sign-in page."""
    context = browser.new_context(locale="vi-VN", **options)
    context.set_default_timeout(30_000)
    page = watch.attach(context.new_page())
    page.goto(f"{watch.origin}/")
    page.wait_for_url(re.compile(r"/sign-in\?next=/"))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{watch.origin}/")
    return page


def test_draft_sign_issue_deliver_accept_audit_in_the_browser(
    origin: str, browser: Any, tmp_path: Path
) -> None:
    watch = Watch(origin)
    draft = tmp_path / "du-thao.pdf"
    draft.write_bytes(text_pdf(["CONG VAN", "Ve viec trien khai chu ky so", "Du thao"]))
    not_pdf = tmp_path / "ghi-chu.pdf"
    not_pdf.write_text("Đây không phải là tệp PDF")

    # -- sign-in page; an expired session comes back to where it was
    context = browser.new_context()
    page = watch.attach(context.new_page())
    context.add_cookies([{"name": "docflow_session", "value": "het-han", "url": origin}])
    page.goto(f"{origin}/drafts")
    page.wait_for_url(re.compile(r"/sign-in\?next=/drafts"))
    assert "Phiên làm việc đã hết hạn" in page.inner_text("main")
    page.fill("#username", "stttt.specialist")
    watch.provoked.add((401, f"{origin}/api/v1/auth/login"))
    page.fill("#password", "sai-mat-khau")
    page.click("button[type=submit]")
    page.wait_for_selector("#sign-in-error:not([hidden])")
    assert "Không đăng nhập được" in page.inner_text("#sign-in-error")
    shot(page, "01-sign-in-failed")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{origin}/drafts")
    context.close()

    # -- specialist: bad input first, then the draft
    page = person(browser, watch, "stttt.specialist")
    page.goto(f"{origin}/upload")
    page.click("#upload-submit")
    assert "Hãy chọn tệp PDF" in page.inner_text("#upload-error")
    page.set_input_files("#file", str(not_pdf))
    page.click("#upload-submit")
    # Locators, not wait_for_function: a string predicate is eval'd, which the CSP forbids.
    page.locator("#upload-error", has_text="PDF.").wait_for()
    assert "không phải PDF" in page.inner_text("#upload-error")
    page.set_input_files("#file", str(draft))
    page.click("#upload-submit")
    page.locator("#upload-error", has_text="trích yếu").wait_for()
    page.select_option("#document_type", "cong_van")
    page.fill("#subject", SUBJECT)
    page.select_option("#urgency", "khan")
    page.select_option("#signer", "stttt.leader")
    page.fill("#drafting_unit", "VP")
    page.check("input[name=recipients][value='000.03.00.H30']")
    shot(page, "02-upload-form")
    assert watch.posts_to("/api/v1/documents") == 0  # nothing was sent for bad input
    page.click("#upload-submit")
    page.wait_for_selector("#done")
    assert "Đã tải lên dự thảo" in page.inner_text("#done")
    page.wait_for_url(re.compile(r"/documents/\d+$"))  # shown once: the flag leaves the address
    doc_url = page.url
    doc_id = int(doc_url.rsplit("/", 1)[1])
    assert watch.posts_to("/api/v1/documents") == 1
    assert SUBJECT in page.inner_text("h1")
    page.wait_for_selector("#pdf-view canvas")
    shot(page, "03-draft-uploaded")
    page.context.close()

    # -- leader: awaiting my signature; the PDF itself; "Ký số" with a browser key
    page = person(browser, watch, "stttt.leader")
    page.goto(f"{origin}/to-sign")
    page.click(f"tr[data-document='{doc_id}'] a")
    page.wait_for_url(doc_url)
    page.wait_for_selector("#pdf-view canvas")
    shot(page, "04-leader-document")
    page.dblclick("#sign-button")
    page.wait_for_selector("#doc-state.s-signed", timeout=90_000)
    assert "Đã ký số văn bản" in page.inner_text("#done")
    assert watch.posts_to("/api/v1/me/certificates") == 1
    assert watch.posts_to(f"/documents/{doc_id}/signatures/prepare") == 1
    assert watch.posts_to(f"/documents/{doc_id}/signatures/complete") == 1
    exported = page.evaluate(
        """async (owner) => {
            const m = await import('/static/js/webkey.js');
            const record = await m.loadKey(owner);
            if (!record || !record.privateKey) return 'no key stored';
            if (record.privateKey.extractable) return 'extractable';
            try { await crypto.subtle.exportKey('pkcs8', record.privateKey); return 'exported'; }
            catch (e) { return 'refused: ' + e.name; }
        }""",
        "stttt.leader",
    )
    assert exported.startswith("refused"), exported
    shot(page, "05-leader-signed")
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "05b-leader-signed-375px")
    page.context.close()

    # -- clerk: issue (a double click issues once), outbox shows the recipient
    page = person(browser, watch, "stttt.clerk")
    page.goto(f"{origin}/drafts")
    assert "Đã ký, chờ ban hành" in page.inner_text(f"tr[data-document='{doc_id}']")
    page.goto(doc_url)
    page.dblclick("#issue-button")
    page.wait_for_selector("#doc-state.s-issued", timeout=90_000)
    assert "Đã ban hành văn bản số" in page.inner_text("#done")
    assert watch.posts_to(f"/documents/{doc_id}/issue") == 1
    symbol = page.inner_text("h1").split(" — ")[0].strip()
    assert re.fullmatch(r"\d{2,}/STTTT-VP", symbol), symbol
    shot(page, "06-clerk-issued")
    page.goto(f"{origin}/outbox")
    row = page.inner_text(f"#outbox tr[data-document='{doc_id}']")
    assert symbol in row and "STC" in row
    page.goto(f"{origin}/registers")
    assert symbol in page.inner_text("#outgoing-register")
    shot(page, "07-registers")
    page.context.close()

    # -- the recipient's clerk, on a phone-sized screen: inbox, verdict, accept
    page = person(browser, watch, "stc.clerk", viewport={"width": 375, "height": 812})
    page.goto(f"{origin}/inbox")
    line = page.locator("#inbox tr", has_text=symbol)
    line.locator(".v-passed").wait_for()
    assert "Khẩn" in line.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "08-inbox-375px")
    line.locator("a").click()
    page.wait_for_url(re.compile(r"/transfers/\d+$"))
    page.wait_for_selector("#signature-cards .sig")
    page.dblclick("#accept-button")
    page.wait_for_selector("#incoming-number")
    assert page.inner_text("#incoming-number").strip() == "1"
    assert watch.posts_to("/accept") == 1
    shot(page, "09-transfer-accepted-375px")
    page.context.close()

    # -- the auditor: every signature card green; trail; any PDF's report; refusals say why
    page = person(browser, watch, "stttt.auditor")
    page.goto(doc_url)
    page.wait_for_selector("#signature-cards .sig", timeout=90_000)
    cards = page.locator("#signature-cards .sig")
    assert cards.count() >= 2
    assert page.locator("#signature-cards .sig-passed").count() == cards.count()
    assert "Nguyễn" in page.inner_text("#signature-cards") or "Lãnh đạo" in page.inner_text(
        "#signature-cards"
    )
    page.wait_for_selector("#events li")
    trail = page.inner_text("#events")
    assert "Tạo dự thảo" in trail and "document.created" not in trail, trail  # in words
    assert "Indication" not in page.inner_text("#signature-cards")  # "Chỉ báo ETSI"
    page.wait_for_selector("#chain-status.v-passed")
    shot(page, "10-auditor-signatures")
    with page.expect_download() as etsi:
        page.click("#etsi-button")
    assert etsi.value.suggested_filename == f"etsi-report-document-{doc_id}.xml"
    assert b"ValidationReport" in Path(etsi.value.path()).read_bytes()
    with page.expect_download() as bundle:
        page.click("a[href$='/evidence']")
    assert bundle.value.suggested_filename == f"evidence-document-{doc_id}.zip"
    assert Path(bundle.value.path()).read_bytes()[:2] == b"PK"
    signed = page.context.request.get(f"{origin}/api/v1/documents/{doc_id}/file")
    issued_pdf = tmp_path / "issued.pdf"
    issued_pdf.write_bytes(signed.body())
    page.goto(f"{origin}/verify")
    page.set_input_files("#verify-file", str(not_pdf))
    page.click("#verify-form button")
    page.wait_for_selector("#verify-error:not([hidden])")
    assert "không phải PDF" in page.inner_text("#verify-error")
    page.set_input_files("#verify-file", str(draft))  # an unsigned PDF: no signature at all
    page.click("#verify-form button")
    page.wait_for_selector("#overall-verdict[data-verdict=NONE]", timeout=90_000)
    assert "Không có chữ ký số" in page.inner_text("#overall-verdict")
    assert "INDETERMINATE" not in page.inner_text("#signature-cards")
    assert "no signatures" not in page.inner_text("#signature-cards")
    page.set_input_files("#verify-file", str(issued_pdf))
    page.click("#verify-form button")
    page.wait_for_selector("#overall-verdict.v-passed", timeout=90_000)
    shot(page, "11-verify-upload")
    watch.provoked.add((403, f"{origin}/upload"))
    page.goto(f"{origin}/upload")
    assert "Bạn không có quyền" in page.inner_text("h1")
    assert "Chỉ chuyên viên" in page.inner_text(".error-reason")  # the catalogue's text
    assert page.locator("#sign-out").count() == 1  # the refusal keeps the site's frame
    page.click("a[lang=en]")
    assert "You are not allowed" in page.inner_text("h1")
    assert "Only specialists" in page.inner_text(".error-reason")
    shot(page, "12-refused-english")
    page.context.close()

    assert not watch.console_errors, "\n".join(watch.console_errors)  # CSP violations too
    assert not watch.pages_without_csp, watch.pages_without_csp
    assert not watch.outside(), watch.outside()
    assert not watch.key_material(), watch.key_material()
