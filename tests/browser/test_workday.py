"""Every role's working day in headless Chromium (Debian's) on a real server, as the demo
seed's people, the issue's "done when":

1. STTTT's specialist uploads a draft (a decision with the customary header) through the
   upload page, with a due date and STC as recipient;
2. STTTT's leader sees 1 in the "to sign" queue of the menu, opens it and signs in the
   browser (a WebCrypto key enrolled on the way);
3. STTTT's clerk sees 1 in "to issue" and issues; the issued PDF, downloaded and drawn
   by poppler, carries "Số: <number>" in its field on the band the draft left blank,
   and every line of the body text is drawn as in the draft;
4. STC's specialist gives an e-mail address and asks for "due soon" by e-mail;
5. STC's clerk sees 1 in "to receive" and accepts through the bulk accept page;
6. STC's leader assigns it to the specialist, due today: the "assigned" e-mail and,
   once the periodic deadline reminders run, the "due soon" e-mail reach a real SMTP
   server (aiosmtpd);
7. the specialist sees 1 in "assigned to me" and completes it;
8. the dashboard shows 1 issued (STTTT) and 1 received, handled on time (STC);
9. STTTT's admin creates a person who then signs in (``test_admin_flow``'s steps).

Every page is checked at 1280 px and at 375 px: no console error or CSP violation, no
English sentence on the Vietnamese page, no horizontal scrolling on the phone, and a
screenshot ``test-artifacts/browser/day-<role>-<page>-<width>.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import ImageChops

from docflow.dashboard.period import vn_today
from tests.browser.test_admin_flow import WIDTHS, _refuse_then_create, sign_in_as
from tests.browser.test_web_flow import browser  # noqa: F401 - the shared fixture
from tests.browser.web_support import Watch, running_server
from tests.browser.workday_support import (
    Day,
    check_number_on_page,
    lines_drawn_over,
    queue_count,
    render,
    run_deadline_reminders,
    smtp_server,
    wait_for_mail,
)
from tests.integration.test_notification_email import Mailbox
from tests.official_pdf import official_draft

pytestmark = pytest.mark.slow

SUBJECT = "Về việc ban hành Quy chế quản lý văn bản điện tử"
STC = "000.03.00.H30"
SPECIALIST_MAIL = "duyen.ly@stc.haugiang.gov.vn"
STC_SPECIALIST = "Lý Thị Mỹ Duyên"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Mailbox]]:
    data_dir = tmp_path_factory.mktemp("docflow-workday")
    with smtp_server() as (mailbox, port), running_server(
        data_dir,
        DOCFLOW_SMTP_URL=f"smtp://127.0.0.1:{port}?from=docflow@haugiang.gov.vn",
        DOCFLOW_JOB_POLL_SECONDS="0.5",
    ) as origin:
        yield origin, data_dir, mailbox


def test_a_working_day_of_every_role(
    served: tuple[str, Path, Mailbox], browser: Any, tmp_path: Path  # noqa: F811
) -> None:
    origin, data_dir, mailbox = served
    day = Day(browser, Watch(origin))
    draft = official_draft().pdf
    doc_id = specialist_uploads(day, draft, tmp_path)
    return_and_resubmit(day, doc_id, draft, tmp_path)
    leader_signs(day, doc_id)
    symbol, issued = clerk_issues(day, doc_id)
    landed = check_number_on_page(issued, draft, symbol, tmp_path)
    assert day.placed is not None and max(
        abs(a - b) for a, b in zip(landed, day.placed, strict=True)) <= 1.0, (landed, day.placed)
    recipient_specialist_asks_for_mail(day)
    transfer_id = recipient_clerk_accepts(day, doc_id)
    recipient_leader_assigns(day, transfer_id)
    received_stamp_clear_of_text(day, transfer_id, issued, tmp_path)
    wait_for_mail(mailbox, SPECIALIST_MAIL, f"Văn bản được phân công xử lý: {symbol}")
    reminded(day, data_dir, mailbox, symbol, transfer_id)
    specialist_completes(day, transfer_id)
    dashboards(day)
    admin_creates_a_person(day)

    assert not day.watch.console_errors, "\n".join(day.watch.console_errors)
    assert not day.watch.pages_without_csp, day.watch.pages_without_csp
    assert not day.watch.outside(), day.watch.outside()
    assert not day.watch.key_material(), day.watch.key_material()
    assert len(day.seen) >= 20, day.seen
    assert not day.defects, "the product got these wrong:\n" + "\n".join(day.defects)


def return_and_resubmit(day: Day, doc_id: int, draft: bytes, tmp_path: Path) -> None:
    """STTTT's leader returns the draft from "to sign" with a comment; the specialist
    reads it on the draft's page, replaces the file with the corrected one and
    resubmits; "to sign" counts 1 again and ``leader_signs`` signs the new version."""
    comment = "Đề nghị sửa căn cứ pháp lý ở đoạn hai rồi trình lại."
    page = day.sign_in("stttt.leader")
    assert queue_count(page, "to_sign") == 1
    day.go(page, f"/documents/{doc_id}")
    page.fill("#return-comment", comment)
    submit(page, "#return-form", "Đã trả lại dự thảo")
    assert queue_count(page, "to_sign") == 0
    day.look(page, "leader", "returned", again=False)
    page.context.close()

    corrected = tmp_path / "du-thao-da-sua.pdf"
    corrected.write_bytes(draft)
    page = day.sign_in("stttt.specialist")
    day.go(page, "/drafts")
    page.click(f"tr[data-document='{doc_id}'] a")
    page.wait_for_url(f"{day.origin}/documents/{doc_id}")
    assert comment in page.inner_text("#comment-list")
    day.look(page, "specialist", "draft-returned")
    page.click("#replace-file summary")
    page.set_input_files("#new-file", str(corrected))
    submit(page, "#file-form", "Đã thay tệp dự thảo")
    assert page.locator("#version-list tr[data-source=replacement]").count() == 1
    page.fill("#resubmit-comment", "Đã sửa theo ý kiến.")
    submit(page, "#resubmit-form", "Đã trình ký lại dự thảo")
    day.look(page, "specialist", "resubmitted", again=False)
    page.context.close()


def submit(page: Any, form: str, confirmation: str) -> None:
    """Send a draft form of the document page; its confirmation shows after the reload
    (the page then drops ``?done=`` from the address, so the text is what is awaited)."""
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"main :text('{confirmation}')")


def specialist_uploads(day: Day, draft: bytes, tmp_path: Path) -> int:
    """STTTT's specialist: the upload page, with a due date and STC; the draft's id."""
    pdf = tmp_path / "du-thao-quyet-dinh.pdf"
    pdf.write_bytes(draft)
    page = day.sign_in("stttt.specialist")
    day.look(page, "specialist", "home")
    day.go(page, "/upload")
    page.set_input_files("#file", str(pdf))
    page.select_option("#document_type", "quyet_dinh")
    page.fill("#subject", SUBJECT)
    page.select_option("#urgency", "khan")
    page.select_option("#signer", "stttt.leader")
    page.fill("#drafting_unit", "VP")
    page.fill("#due_date", (vn_today() + timedelta(days=7)).isoformat())
    page.check(f"input[name=recipients][value='{STC}']")
    # The number's box moved 20 pt down on the page preview, by keyboard (Shift+arrow:
    # 10 pt); the issued PDF must carry the number there (check_number_on_page).
    page.wait_for_selector("#placement:not([hidden])")
    page.focus(".field-box[data-field=number_box]")
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowDown")
    raw = page.get_attribute(".field-box[data-field=number_box]", "data-box")
    day.placed = tuple(float(v) for v in raw.split(","))
    day.look(page, "specialist", "upload", again=False)
    page.click("#upload-submit")
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    assert "Đã tải lên dự thảo" in page.inner_text("#done")
    doc_id = int(page.url.rsplit("/", 1)[1])
    day.look(page, "specialist", "draft")
    day.go(page, "/drafts")
    assert SUBJECT in page.inner_text(f"tr[data-document='{doc_id}']")
    day.look(page, "specialist", "drafts")
    page.context.close()
    return doc_id


def leader_signs(day: Day, doc_id: int) -> None:
    """STTTT's leader: "to sign" counts 1; the draft opened from it, signed in the page."""
    page = day.sign_in("stttt.leader")
    assert queue_count(page, "to_sign") == 1
    day.look(page, "leader", "home")
    page.click("a[data-queue=to_sign]")
    page.wait_for_url(f"{day.origin}/to-sign")
    day.look(page, "leader", "to-sign")
    page.click(f"tr[data-document='{doc_id}'] a")
    page.wait_for_url(f"{day.origin}/documents/{doc_id}")
    day.look(page, "leader", "document")
    page.click("#sign-button")
    page.wait_for_selector("#doc-state.s-signed", timeout=90_000)
    assert "Đã ký số văn bản" in page.inner_text("#done")
    assert day.watch.posts_to("/api/v1/me/certificates") == 1  # the key, enrolled once
    assert queue_count(page, "to_sign") == 0
    day.look(page, "leader", "signed")
    page.context.close()


def clerk_issues(day: Day, doc_id: int) -> tuple[str, bytes]:
    """STTTT's clerk: "to issue" counts 1; issued; the PDF downloaded from the page."""
    page = day.sign_in("stttt.clerk")
    assert queue_count(page, "to_issue") == 1
    day.look(page, "clerk", "home")
    page.click("a[data-queue=to_issue]")
    page.wait_for_url(re.compile(r"/drafts\?queue=to_issue$"))
    day.look(page, "clerk", "to-issue")
    page.click(f"tr[data-document='{doc_id}'] a")
    page.wait_for_url(f"{day.origin}/documents/{doc_id}")
    page.click("#issue-button")
    # its two steps show while they run: numbering and sealing, then sending
    page.wait_for_selector("ol.sign-steps li[data-step=seal]")
    page.wait_for_selector("#doc-state.s-issued", timeout=90_000)
    assert day.watch.posts_to(f"/api/v1/documents/{doc_id}/issue") == 1
    assert day.watch.posts_to(f"/api/v1/documents/{doc_id}/dispatch") == 1
    assert "Đã ban hành văn bản số" in page.inner_text("#done")
    symbol = page.inner_text("h1").split(" — ")[0].strip()
    assert re.fullmatch(r"\d{2,}/QĐ-STTTT", symbol), symbol
    assert queue_count(page, "to_issue") == 0
    assert queue_count(page, "waiting") == 1  # STC has not accepted it yet
    day.look(page, "clerk", "issued")
    with page.expect_download() as download:
        page.click(f"a[download][href='/api/v1/documents/{doc_id}/file']")
    issued = Path(download.value.path()).read_bytes()
    day.go(page, "/outbox")
    assert "STC" in page.inner_text(f"#outbox tr[data-document='{doc_id}']")
    day.look(page, "clerk", "outbox")
    day.go(page, "/registers")
    assert symbol in page.inner_text("#outgoing-register")
    day.look(page, "clerk", "registers")
    page.context.close()
    return symbol, issued


def recipient_specialist_asks_for_mail(day: Day) -> None:
    """STC's specialist gives an address and wants "due soon" by e-mail too."""
    page = day.sign_in("stc.specialist")
    day.go(page, "/notifications")
    page.fill("#email", SPECIALIST_MAIL)
    page.check("#email-due_soon")
    page.click("#preferences button[type=submit]")
    page.wait_for_selector("#prefs-saved")
    assert page.input_value("#email") == SPECIALIST_MAIL
    assert page.is_checked("#email-due_soon") and page.is_checked("#email-assigned")
    day.look(page, "stc-specialist", "notifications")
    page.context.close()


def recipient_clerk_accepts(day: Day, doc_id: int) -> int:
    """STC's clerk: "to receive" counts 1; accepted through the bulk accept page."""
    page = day.sign_in("stc.clerk")
    assert queue_count(page, "to_receive") == 1
    day.look(page, "stc-clerk", "home")
    page.click("a[data-queue=to_receive]")
    page.wait_for_url(re.compile(r"/inbox\?queue=to_receive$"))
    row = page.locator(f"#inbox tr[data-document='{doc_id}']")
    row.locator(".v-passed").wait_for(timeout=90_000)
    transfer_id = int(row.get_attribute("data-transfer") or 0)
    assert "Khẩn" in row.inner_text()
    day.look(page, "stc-clerk", "to-receive")
    row.locator("input[name=t]").check()
    page.click("#bulk-accept button[type=submit]")
    page.wait_for_url(re.compile(r"/inbox/accept\?"))
    assert page.locator(f"#bulk-confirm li[data-transfer='{transfer_id}']").count() == 1
    day.look(page, "stc-clerk", "accept-confirm")
    page.click("#bulk-confirm button[type=submit]")
    page.wait_for_selector(f"#bulk-results li[data-transfer='{transfer_id}'].ok")
    day.look(page, "stc-clerk", "accepted", again=False)
    day.expect(queue_count(page, "to_receive") == 0,
               "the bulk accept results page's menu still counts the accepted document in "
               "'Chờ tiếp nhận' (day-stc-clerk-accepted-*.png)")
    day.go(page, f"/transfers/{transfer_id}")
    assert queue_count(page, "to_receive") == 0
    assert page.inner_text("#incoming-number").strip() == "1"
    day.look(page, "stc-clerk", "transfer", ready="#signature-cards .sig")
    page.context.close()
    return transfer_id


def recipient_leader_assigns(day: Day, transfer_id: int) -> None:
    """STC's leader assigns the document to the specialist, due today."""
    page = day.sign_in("stc.leader")
    day.look(page, "stc-leader", "home")
    day.go(page, "/inbox")
    day.look(page, "stc-leader", "inbox")
    page.click(f"#inbox tr[data-transfer='{transfer_id}'] a")
    page.wait_for_url(f"{day.origin}/transfers/{transfer_id}")
    page.select_option("#assignee", label=STC_SPECIALIST)
    page.fill("#instructions", "Đề nghị đồng chí nghiên cứu, tham mưu trong ngày.")
    page.fill("#deadline", vn_today().isoformat())
    day.look(page, "stc-leader", "assign", ready="#signature-cards .sig", again=False)
    page.click("#assign-form button[type=submit]")
    page.wait_for_selector("#transfer[data-status='04']")
    assert page.locator("#assign-form").count() == 0
    day.expect(queue_count(page, "overdue") == 0,
               "a document assigned 'due today' is overdue at once: the menu counts it in "
               "'Quá hạn' (day-stc-leader-assigned-*.png)")
    day.look(page, "stc-leader", "assigned", ready="#signature-cards .sig")
    page.context.close()


def specialist_completes(day: Day, transfer_id: int) -> None:
    """STC's specialist: "assigned to me" counts 1; the notices; completed."""
    page = day.sign_in("stc.specialist")
    assert queue_count(page, "assigned") == 1
    day.look(page, "stc-specialist", "home")
    day.go(page, "/notifications")
    kinds = page.locator("#notifications tr").evaluate_all(
        "rows => rows.map((r) => r.dataset.kind)")
    assert "assigned" in kinds and ("due_soon" in kinds or "overdue" in kinds), kinds
    day.look(page, "stc-specialist", "notices")
    page.click("a[data-queue=assigned]")
    page.wait_for_url(re.compile(r"/inbox\?queue=assigned$"))
    day.look(page, "stc-specialist", "assigned")
    page.click(f"#inbox tr[data-transfer='{transfer_id}'] a")
    page.wait_for_url(f"{day.origin}/transfers/{transfer_id}")
    day.look(page, "stc-specialist", "transfer", ready="#signature-cards .sig")
    page.click("#complete-button")
    page.wait_for_selector("#transfer[data-status='06']")
    assert queue_count(page, "assigned") == 0
    day.look(page, "stc-specialist", "completed", ready="#signature-cards .sig")
    page.context.close()


def dashboards(day: Day) -> None:
    """Each agency's leader sees this day's figures: STTTT issued 1, STC received 1 and
    handled it on time, nothing overdue."""
    page = day.sign_in("stttt.leader")
    day.go(page, "/dashboard")
    assert page.inner_text('#dash-totals [data-figure="issued"]') == "1"
    day.look(page, "leader", "dashboard")
    page.context.close()
    page = day.sign_in("stc.leader")
    day.go(page, "/dashboard")
    assert page.inner_text('#dash-totals [data-figure="received"]') == "1"
    overdue = page.inner_text('#dash-totals [data-figure="overdue"]')
    day.expect(overdue == "0", f"the dashboard counts {overdue} overdue: the document was "
               "completed on its deadline day (day-stc-leader-dashboard-*.png)")
    on_time = page.inner_text('#dash-totals [data-figure="on_time"]')
    day.expect(on_time.startswith("100"), f"the dashboard says {on_time!r} handled on time "
               "for a document completed on its deadline day (day-stc-leader-dashboard-*.png)")
    assert page.locator("#dash-people-none").count() == 1  # nobody has anything overdue
    day.look(page, "stc-leader", "dashboard")
    page.context.close()


def received_stamp_clear_of_text(day: Day, transfer_id: int, issued: bytes,
                                 tmp_path: Path) -> None:
    """STC's copy carries the incoming stamp ("ĐẾN", number, date): on no line of the
    document's text."""
    page = day.sign_in("stc.clerk")
    answer = page.context.request.get(f"{day.origin}/api/v1/transfers/{transfer_id}/file")
    assert answer.ok, answer.status
    received = answer.body()
    new = render(received, "stc-clerk-received-pdf", tmp_path)
    old = render(issued, "clerk-issued-pdf", tmp_path)
    day.expect(ImageChops.difference(new, old).getbbox() is not None,
               "the received PDF carries no incoming stamp")
    over = lines_drawn_over(old, new)
    day.expect(not over, f"the incoming stamp is drawn over the document's text lines {over} "
               "(day-stc-clerk-received-pdf.png)")
    page.context.close()


def reminded(day: Day, data_dir: Path, mailbox: Mailbox, symbol: str, transfer_id: int) -> None:
    """The periodic deadline reminders run: the specialist, due today, is e-mailed that
    the deadline is near (not that it has passed), with the link to the document."""
    run_deadline_reminders(data_dir)
    mail = wait_for_mail(mailbox, SPECIALIST_MAIL, f"Văn bản sắp đến hạn xử lý: {symbol}",
                         f"Văn bản quá hạn xử lý: {symbol}")
    assert f"{day.origin}/transfers/{transfer_id}" in mail.get_content()
    day.expect("sắp đến hạn" in str(mail["Subject"]),
               f"the reminder of a document due at the end of today says {mail['Subject']!r}: "
               "a date deadline is read as the day's start (00:00), not its end")


def admin_creates_a_person(day: Day) -> None:
    """STTTT's admin creates an account (test_admin_flow's steps); its person signs in."""
    page = day.sign_in("stttt.admin")
    day.look(page, "admin", "home")
    day.go(page, "/admin/users")
    day.look(page, "admin", "users")
    secret = _refuse_then_create(page, day.watch)
    day.look(page, "admin", "user-created", again=False)
    newcomer = sign_in_as(day.browser, day.watch, "stttt.nhung", secret)
    newcomer.set_viewport_size(WIDTHS["1280"])
    day.look(newcomer, "newcomer", "home")
    newcomer.context.close()
    page.context.close()
