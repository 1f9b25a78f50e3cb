"""Deadline reminders (periodic, ``bootstrap.periodic_work``): for each open transfer
with a handling deadline, "due soon" once its last working day has begun and
"overdue" once the deadline passed, each given once per transfer and person (the
notification's ``once_key``) to whoever handles it (``notices.handlers_of``)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, exists
from sqlmodel import col, select

from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.documents.models import Document
from docflow.documents.notices import VIETNAM
from docflow.notifications.kinds import Kind
from docflow.notifications.models import Notification
from docflow.notifications.notify import notify
from docflow.transfers import notices
from docflow.transfers.models import Transfer
from docflow.transfers.statuses import TransferStatus as S

__all__ = ["OPEN", "due_soon_from", "remind"]

logger = logging.getLogger("docflow.transfers")

#: Statuses in which the receiving agency still has to handle the document.
OPEN = (S.ARRIVED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.RECALL_REFUSED)
#: The furthest a deadline can be from the start of its last working day (Mon 23:59 →
#: Fri 00:00) and a bound on how many transfers one run reads.
HORIZON = timedelta(days=4)
BATCH = 500


def due_soon_from(deadline: datetime) -> datetime:
    """When "due soon" starts: one working day (Monday to Friday, Vietnam time) before
    ``deadline`` (public holidays are not known here)."""
    local = deadline.astimezone(VIETNAM)
    day = local - timedelta(days=1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day -= timedelta(days=1)
    return day


def _unreminded(kind: Kind) -> object:
    return ~exists().where(and_(col(Notification.transfer_id) == col(Transfer.id),
                                col(Notification.kind) == kind.value))


async def remind(runtime: Runtime, now: datetime | None = None) -> int:
    """Give the reminders due at ``now``; how many notifications were made."""
    now = now or utcnow()
    made = 0
    async with runtime.transaction() as session:
        rows = (await session.exec(
            select(Transfer, Document)
            .join(Document, col(Document.id) == col(Transfer.document_id))
            .where(col(Transfer.active), col(Transfer.status).in_([s.value for s in OPEN]),
                   col(Transfer.deadline).is_not(None), col(Transfer.deadline) <= now + HORIZON,
                   _unreminded(Kind.OVERDUE))  # type: ignore[arg-type]
            .order_by(col(Transfer.deadline)).limit(BATCH)
        )).all()
        for transfer, document in rows:
            assert transfer.deadline is not None
            if transfer.deadline <= now:
                kind = Kind.OVERDUE
            elif now >= due_soon_from(transfer.deadline):
                kind = Kind.DUE_SOON
            else:
                continue
            about = notices.about_transfer(transfer, document, as_recipient=True)
            people = await notices.handlers_of(session, transfer)
            made += len(await notify(session, kind, people, about, jobs=runtime.jobs, once=True))
    if made:
        logger.info("gave %d deadline reminder(s)", made)
    return made
