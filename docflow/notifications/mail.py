"""E-mailing notifications through SMTP (``aiosmtplib``) to ``DOCFLOW_SMTP_URL``.

``smtp://host:port`` sends in the clear unless the server offers STARTTLS (then it
is used); ``smtp+starttls://`` requires STARTTLS; ``smtps://`` is TLS from the first
byte. ``user:password@`` logs in; ``?from=docflow@agency.gov.vn`` is the sender
(default ``docflow@`` the host of DOCFLOW_PUBLIC_URL). Unset: no e-mail is sent.

The job (``SendNotificationEmail``) is idempotent: a notification sent already
(``email_sent_at``) is not sent again; a server away raises, and the runner retries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from sqlalchemy import update
from sqlmodel import col, select

from docflow.accounts.models_user import User
from docflow.core.errors import ConfigurationError
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.notifications.inbox import link_of
from docflow.notifications.jobs import SendNotificationEmail
from docflow.notifications.models import Notification
from docflow.notifications.preferences import preferences_of
from docflow.notifications.texts import EMAIL_TEXTS, title

__all__ = ["SmtpTarget", "compose", "queue_unsent", "send_notification_email", "smtp_target"]

logger = logging.getLogger("docflow.notifications")
SCHEMES = {"smtp": (False, None), "smtp+starttls": (False, True), "smtps": (True, False)}
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    use_tls: bool
    #: True: required; None: used when the server offers it; False: never.
    start_tls: bool | None
    username: str | None
    password: str | None
    sender: str


def smtp_target(url: str | None, public_url: str) -> SmtpTarget | None:
    """The server ``url`` names (None when unset); ``ConfigurationError`` if unusable."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ConfigurationError(
            "DOCFLOW_SMTP_URL must look like smtp://host:port, smtp+starttls://… or smtps://…"
        )
    use_tls, start_tls = SCHEMES[parts.scheme]
    query = parse_qs(parts.query)
    default_sender = f"docflow@{urlsplit(public_url).hostname or 'localhost'}"
    return SmtpTarget(
        hostname=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        use_tls=use_tls,
        start_tls=start_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=query.get("from", [default_sender])[0],
    )


def _document_lines(row: Notification, words: dict[str, str]) -> list[str]:
    what = row.symbol or words["no_symbol"]
    lines = [words["document"].format(what=what),
             row.subject if row.subject is not None else words["confidential"]]
    if row.note:
        lines.append(words["note"].format(note=row.note))
    return lines


def compose(
    row: Notification, *, to: str, name: str, lang: str, public_url: str, sender: str
) -> EmailMessage:
    """The e-mail of ``row`` in ``lang``: never a confidential document's subject."""
    words = EMAIL_TEXTS.get(lang, EMAIL_TEXTS["vi"])
    heading = title(row.kind, lang)
    base = public_url.rstrip("/")
    link = base + link_of(row)
    if row.document_id is None:  # about the audit trail: what the check found
        body, opening = [row.subject or ""], words["open_audit"]
    else:
        body, opening = _document_lines(row, words), words["open"]
    lines = [words["greeting"].format(name=name), "", heading + ".", *body, "",
             opening.format(link=link), "",
             words["settings"].format(link=base + "/notifications"), "", words["footer"]]
    message = EmailMessage()
    message["Subject"] = f"[docflow] {heading}" + (f": {row.symbol}" if row.symbol else "")
    message["From"] = formataddr(("docflow", sender))
    message["To"] = formataddr((name, to))
    message["Message-ID"] = make_msgid(idstring=f"notification-{row.id}", domain="docflow")
    message.set_content("\n".join(lines))
    return message


async def send_notification_email(runtime: Runtime, job: SendNotificationEmail) -> None:
    settings = runtime.settings
    target = smtp_target(settings.smtp_url, settings.public_url)
    if target is None:
        return  # no e-mail in this deployment
    async with runtime.session() as session:
        row = await session.get(Notification, job.notification_id)
        if row is None or row.email_sent_at is not None or not row.by_email:
            return
        prefs = await preferences_of(session, row.user_id)
        user = await session.get(User, row.user_id)
    if not prefs.email or user is None or not user.is_active:
        return
    message = compose(row, to=prefs.email, name=user.full_name, lang=prefs.language,
                      public_url=settings.public_url, sender=target.sender)
    await aiosmtplib.send(
        message, hostname=target.hostname, port=target.port, use_tls=target.use_tls,
        start_tls=target.start_tls, username=target.username, password=target.password,
        timeout=30,
    )
    async with runtime.transaction() as session:
        conn = await session.connection()
        await conn.execute(
            update(Notification)
            .where(col(Notification.id) == job.notification_id,
                   col(Notification.email_sent_at).is_(None))
            .values(email_sent_at=utcnow())
        )


async def queue_unsent(runtime: Runtime, *, window: timedelta = timedelta(hours=1)) -> int:
    """Queue the e-mail of each recent notification made without a job queue at hand
    (drafts to sign, documents to issue) whose job was never queued; periodic."""
    if not runtime.settings.smtp_url:
        return 0
    since = utcnow() - window
    queued = 0
    async with runtime.transaction() as session:
        ids = (await session.exec(
            select(Notification.id).where(
                col(Notification.by_email), col(Notification.email_sent_at).is_(None),
                col(Notification.created_at) >= since,
            ).limit(500)
        )).all()
        for ident in ids:
            assert ident is not None
            job = SendNotificationEmail(ident)
            if await runtime.jobs.info(session, job.key) is None:
                await runtime.jobs.enqueue(session, job)
                queued += 1
    return queued
