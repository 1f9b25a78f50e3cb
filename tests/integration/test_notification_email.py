"""Reminder e-mails reach a real local SMTP server (``aiosmtpd``) through the job queue,
on SQLite and PostgreSQL: Vietnamese subject and body with the link to the document's
page, English for a person who chose it, no subject of a confidential document, and
sent once however often the job runs."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from docflow.audit.verifications import record_verification
from docflow.bootstrap import build_runtime
from docflow.core.jobs.runner import JobRunner, run_now
from docflow.documents.models import Document
from docflow.notifications.jobs import SendNotificationEmail
from docflow.notifications.models import Notification
from docflow.notifications.preferences import save_preferences
from docflow.transfers.models import Transfer
from docflow.transfers.reminders import remind
from docflow.transfers.routing import dispatch_document
from tests.integration.audit_support import add_events, as_owner
from tests.integration.documents_support import seeded_settings
from tests.integration.routing_support import STC, UBNDVT, issue_directly, user_id

PUBLIC_URL = "http://docflow.test:8000"
DEADLINE = datetime(2099, 12, 2, 10, 0, tzinfo=UTC)
LATER = datetime(2099, 12, 2, 11, 0, tzinfo=UTC)


class Mailbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


async def _deadline(runtime: Any, document_id: int) -> Transfer:
    async with runtime.transaction() as session:
        transfer = (await session.exec(
            select(Transfer).where(Transfer.document_id == document_id))).one()
        transfer.deadline = DEADLINE
        session.add(transfer)
    return transfer


async def test_the_reminder_email_reaches_the_smtp_server(
    database_url: str, tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    settings = await seeded_settings(
        database_url, tmp_path, DOCFLOW_PUBLIC_URL=PUBLIC_URL,
        DOCFLOW_SMTP_URL=f"smtp://127.0.0.1:{port}?from=docflow@haugiang.example.vn",
    )
    runtime = build_runtime(settings)
    try:
        plain = await issue_directly(runtime, "STTTT", [STC], subject="Về việc báo cáo quý IV")
        secret = await issue_directly(runtime, "STTTT", [UBNDVT], subject="Kế hoạch mật",
                                      number=2)
        async with runtime.transaction() as session:
            document = await session.get(Document, secret)
            assert document is not None
            document.confidentiality = "mat"
            session.add(document)
            stc_clerk = await user_id(runtime, "stc.clerk")
            vt_clerk = await user_id(runtime, "ubndvt.clerk")
            await save_preferences(session, stc_clerk, email="van.thu@stc.example.vn",
                                   language="vi", page_kinds=["overdue"], email_kinds=["overdue"])
            await save_preferences(session, vt_clerk, email="clerk@vt.example.vn",
                                   language="en", page_kinds=[], email_kinds=["overdue"])
        for doc in (plain, secret):
            await dispatch_document(runtime, doc)
        stc = await _deadline(runtime, plain)
        vt = await _deadline(runtime, secret)

        assert await remind(runtime, now=LATER) == 2
        async with runtime.session() as session:
            rows = (await session.exec(
                select(Notification).where(Notification.kind == "overdue"))).all()
        for row in rows:
            assert row.id is not None
            assert await run_now(runtime, SendNotificationEmail(row.id))
            await run_now(runtime, SendNotificationEmail(row.id))  # once sent, never again
        assert len(mailbox.messages) == 2
        sent = {to[0]: message for to, message in mailbox.messages}

        vi = sent["van.thu@stc.example.vn"]
        assert vi["Subject"] == "[docflow] Văn bản quá hạn xử lý: 01/STTTT"
        assert vi["From"] == "docflow <docflow@haugiang.example.vn>"
        body = vi.get_content()
        assert f"{PUBLIC_URL}/transfers/{stc.id}" in body
        assert "Về việc báo cáo quý IV" in body and "Kính gửi" in body

        en = sent["clerk@vt.example.vn"]
        assert en["Subject"] == "[docflow] Handling deadline passed: 02/STTTT"
        body = en.get_content()
        assert "Kế hoạch mật" not in body and "confidential document" in body
        assert f"{PUBLIC_URL}/transfers/{vt.id}" in body

        async with runtime.session() as session:
            rows = (await session.exec(
                select(Notification).where(Notification.kind == "overdue"))).all()
        assert all(r.email_sent_at is not None for r in rows)
    finally:
        await runtime.dispose()


async def test_a_broken_audit_trail_is_e_mailed_to_auditors(
    database_url: str, tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    """The whole check that finds the trail edited e-mails the auditors (by default once
    they give an address): what broke and the link to the trail, no document lines."""
    mailbox, port = smtp
    settings = await seeded_settings(
        database_url, tmp_path, DOCFLOW_PUBLIC_URL=PUBLIC_URL,
        DOCFLOW_SMTP_URL=f"smtp://127.0.0.1:{port}?from=docflow@haugiang.example.vn",
    )
    runtime = build_runtime(settings)
    try:
        await add_events(runtime, 3)  # chained, as the sequencer does
        async with runtime.transaction() as session:
            auditor = await user_id(runtime, "stttt.auditor")
            await save_preferences(session, auditor, email="kiem.soat@stttt.example.vn",
                                   language="vi", page_kinds=["audit_broken"],
                                   email_kinds=["audit_broken"])
        await as_owner(runtime.engine, ["UPDATE audit_event SET action = 'forged' WHERE seq = 2"])
        check = await record_verification(runtime, "interval")
        assert not check.ok
        await JobRunner(runtime).run_until_idle()
        sent = {to[0]: message for to, message in mailbox.messages}
        message = sent["kiem.soat@stttt.example.vn"]
        assert message["Subject"] == "[docflow] Nhật ký kiểm tra bị phá vỡ"
        body = message.get_content()
        assert "Chuỗi nhật ký bị phá vỡ từ sự kiện thứ 2" in body
        assert f"Xem nhật ký kiểm tra: {PUBLIC_URL}/audit" in body
        assert "Văn bản:" not in body and "Xem văn bản" not in body
        # A clerk is never told about the trail, whatever they chose.
        assert not [to for to in sent if "stc" in to]
    finally:
        await runtime.dispose()
