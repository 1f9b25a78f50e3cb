"""Signing several drafts at once in headless Chromium on a real server, on a 375 px
phone: a leader with three uploaded drafts ticks them on the "to sign" list, confirms on
the page that names them (one opened in the inline preview); meanwhile the drafter
withdraws one; a double click signs each in turn with the browser's own key (enrolled
once): each document shows its steps (Chuẩn bị → Ký bằng khóa trên máy → Hoàn tất),
the withdrawn one fails with its reason and the others go on, the summary says two
signed and one not (why), and the two documents' pages say signed. No console error,
no horizontal scrolling.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.test_admin_flow import WIDTHS, fits
from tests.browser.test_web_flow import browser, origin, person, shot  # noqa: F401
from tests.browser.web_support import Watch, text_pdf

pytestmark = pytest.mark.slow

SUBJECTS = ("Về việc kiểm kê tài sản cuối năm", "Về việc cử cán bộ dự tập huấn")
WITHDRAWN = "Về việc rút lại sau khi xác nhận"

UPLOAD = """async ([pdf, subject]) => {
  const { api } = await import('/static/js/api.js');
  const bytes = Uint8Array.from(atob(pdf), (c) => c.charCodeAt(0));
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/pdf' }), 'du-thao.pdf');
  form.append('metadata', JSON.stringify({
    document_type: 'cong_van', subject, urgency: 'normal', confidentiality: 'none',
    signer: 'stttt.leader', recipients: ['000.03.00.H30'], place: 'Hậu Giang',
    drafting_unit: 'VP',
  }));
  return (await api('POST', '/api/v1/documents', form)).id;
}"""

# Every state each document's steps went through, in order (watched as they change).
RECORD_STEPS = """() => {
  window.seenSteps = {};
  new MutationObserver((changes) => {
    for (const c of changes) {
      const li = c.target;
      if (!li.dataset || !li.dataset.step) continue;
      const doc = li.closest('[data-document]').dataset.document;
      (window.seenSteps[doc] ||= []).push(`${li.dataset.step}:${li.dataset.state}`);
    }
  }).observe(document.getElementById('sign-many-list'),
    { subtree: true, attributes: true, attributeFilter: ['data-state'] });
}"""


@pytest.fixture()
def watch(origin: str) -> Iterator[Watch]:  # noqa: F811
    found = Watch(origin)
    yield found
    assert not found.console_errors, found.console_errors
    assert not found.pages_without_csp, found.pages_without_csp


WITHDRAW = """async (id) => {
  const { api } = await import('/static/js/api.js');
  return (await api('POST', `/api/v1/documents/${id}/withdraw`, {})).state;
}"""


def _upload(browser: Any, watch: Watch) -> tuple[Any, list[int]]:  # noqa: F811
    """The drafter's page and three drafts for stttt.leader (the middle one to withdraw)."""
    page = person(browser, watch, "stttt.specialist")
    pdf = base64.b64encode(text_pdf(["CONG VAN", "Du thao"])).decode()
    subjects = (SUBJECTS[0], WITHDRAWN, SUBJECTS[1])
    return page, [int(page.evaluate(UPLOAD, [pdf, subject])) for subject in subjects]


def _confirm(page: Any, origin: str, ids: list[int]) -> None:  # noqa: F811
    page.goto(f"{origin}/to-sign")
    for doc_id in ids:
        page.check(f"input[name=d][value='{doc_id}']")
    page.click("#sign-many-pick button[type=submit]")
    page.wait_for_url(re.compile(r"/to-sign/confirm\?d=\d+&d=\d+&d=\d+$"))
    label = page.inner_text("#sign-many-button")
    assert label.startswith("Ký số 3 văn bản: ")
    assert all(subject in label for subject in (*SUBJECTS, WITHDRAWN))
    first = page.locator(f"li[data-document='{ids[0]}']")
    first.locator("button[data-preview]").click()
    first.locator(".sign-many-preview canvas").wait_for()
    assert fits(page), "the confirmation page scrolls sideways at 375 px"
    shot(page, "sign-many-1-confirm-375")


def test_a_leader_signs_two_drafts_at_once(origin: str, browser: Any, watch: Watch) -> None:  # noqa: F811
    drafter, all_ids = _upload(browser, watch)
    page = person(browser, watch, "stttt.leader", viewport=WIDTHS["375"])
    _confirm(page, origin, all_ids)
    # meanwhile the drafter withdraws the middle one: it fails, the others go on
    gone = all_ids[1]
    assert drafter.evaluate(WITHDRAW, gone) == "withdrawn"
    drafter.context.close()
    watch.provoked.add((409, f"{origin}/api/v1/documents/{gone}/signatures/prepare"))
    ids = [all_ids[0], all_ids[2]]

    page.evaluate(RECORD_STEPS)
    page.dblclick("#sign-many-button")
    page.wait_for_selector("#sign-many-summary:not([hidden])", timeout=120_000)
    summary = page.inner_text("#sign-many-summary")
    assert "Đã ký 2 văn bản; 1 văn bản không ký được." in summary
    assert WITHDRAWN in summary and "đã rút" in summary  # the reason, in Vietnamese
    assert page.is_disabled("#sign-many-button")  # done once: no second round
    failed = page.locator(f"li[data-document='{gone}']")
    assert failed.get_attribute("data-result") == "failed"
    assert "Chuẩn bị — Lỗi: " in failed.locator(".sign-steps li[data-state=failed]").inner_text()
    seen = page.evaluate("() => window.seenSteps")
    for doc_id in ids:
        item = page.locator(f"li[data-document='{doc_id}']")
        assert item.get_attribute("data-result") == "signed"
        steps = item.locator(".sign-steps li")
        assert steps.all_inner_texts() == ["Chuẩn bị", "Ký bằng khóa trên máy", "Hoàn tất"]
        assert [steps.nth(i).get_attribute("data-state") for i in range(3)] == ["done"] * 3
        went = seen[str(doc_id)]
        for step in ("prepare:active", "sign:active", "complete:active", "complete:done"):
            assert step in went, (doc_id, went)
        # each signed once, though the button was double-clicked
        assert watch.posts_to(f"/documents/{doc_id}/signatures/prepare") == 1
        assert watch.posts_to(f"/documents/{doc_id}/signatures/complete") == 1
    assert watch.posts_to("/api/v1/me/certificates") == 1  # one key, enrolled once
    assert not watch.key_material() and not watch.outside()
    assert fits(page)
    shot(page, "sign-many-2-done-375")

    for doc_id in ids:
        page.goto(f"{origin}/documents/{doc_id}")
        page.wait_for_selector("#doc-state.s-signed")
    page.goto(f"{origin}/to-sign")
    assert all(page.locator(f"input[name=d][value='{i}']").count() == 0 for i in ids)
    page.context.close()
