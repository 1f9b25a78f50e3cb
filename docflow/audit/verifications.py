"""Whole checks of the audit trail, kept (``audit_verification``), and what the audit
page says about them.

``verify_trail`` reads every event, every checkpoint and its copies: about 10 s for a
million events, and a province writes that many in a week or two. The audit page ran it
on every view; it now shows the newest check on record, with when it ran and how many
events came after it. Checks run every ``DOCFLOW_AUDIT_VERIFY_MINUTES`` (once across
the deployment: periodic work), when an auditor asks on the page (a ``VerifyAuditTrail``
job: the request answers at once), and on the page's first view when none is on record.
A check that finds the trail broken tells every auditor (``Kind.AUDIT_BROKEN``, in the
page and by e-mail unless they choose otherwise), once per break.
``GET /api/v1/audit/verify`` still checks everything there and then, and keeps its
outcome too; ``docflow audit verify`` checks and keeps nothing (it may read an export).
The table is insert-only: a check that found the chain broken stays on record. One check
runs at a time per process: callers meanwhile share its outcome.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import and_, func
from sqlmodel import col, select

from docflow.audit.chain import ChainStatus, CheckpointStatus
from docflow.audit.chain_words import chain_sentence, count_text, vn_time, word
from docflow.audit.tail import Pending
from docflow.audit.verify import verify_trail
from docflow.core.audit_digest import ChainBreak
from docflow.core.audit_models import AuditEvent, AuditVerification
from docflow.core.db import AsyncSession
from docflow.core.jobs.types import Job
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.notifications.notify import notify_trail_broken

__all__ = [
    "PageSummary",
    "VerifyAuditTrail",
    "latest_verification",
    "page_summary",
    "record_verification",
    "run_requested",
    "stored_status",
]

logger = logging.getLogger("docflow.audit")


@dataclass(frozen=True)
class VerifyAuditTrail(Job):
    """A whole check asked for by the person ``requested_by`` (one pending per person)."""

    kind: ClassVar[str] = "audit.verify"
    max_attempts: ClassVar[int] = 3
    requested_by: int


async def _newest(session: AsyncSession) -> tuple[int, datetime | None]:
    query = select(AuditEvent.seq, AuditEvent.occurred_at).order_by(
        col(AuditEvent.seq).desc()).limit(1)
    row = (await session.exec(query)).first()
    return (int(row[0]), row[1]) if row else (0, None)


#: The whole check running in this process, per runtime: callers meanwhile share it
#: rather than start another beside it (each costs seconds of CPU per million events),
#: so however often auditors ask, one check at a time runs here.
_running: dict[int, asyncio.Task[AuditVerification]] = {}


async def record_verification(
    runtime: Runtime, trigger: str, requested_by: int | None = None
) -> AuditVerification:
    """Check the whole trail now (``verify_trail``) and keep the outcome; while a check
    runs in this process, its outcome (a caller who gives up does not stop it)."""
    key = id(runtime)
    task = _running.get(key)
    if task is None:
        task = asyncio.ensure_future(_check_and_keep(runtime, trigger, requested_by))
        _running[key] = task
        task.add_done_callback(lambda _done: _running.pop(key, None))
    return await asyncio.shield(task)


async def _check_and_keep(
    runtime: Runtime, trigger: str, requested_by: int | None
) -> AuditVerification:
    started = utcnow()
    async with runtime.session() as session:
        newest_seq, newest_at = await _newest(session)
    status = await verify_trail(runtime)
    row = AuditVerification(
        started_at=started, finished_at=utcnow(), trigger=trigger,
        requested_by_id=requested_by, ok=status.ok, newest_seq=newest_seq,
        newest_event_at=newest_at, result=status.to_dict(),
    )
    async with runtime.transaction() as session:
        session.add(row)
        if not status.ok:
            # Every auditor is told, once per break however many checks find it.
            await notify_trail_broken(session, chain_sentence(status, newest_at, "vi"),
                                      _where_broken(status), jobs=runtime.jobs)
    if not status.ok:
        logger.error("the audit trail check found it broken: %s",
                     chain_sentence(status, newest_at, "en"))
    return row


def _where_broken(status: ChainStatus) -> str:
    """A name for the break that stays the same from one check to the next: the first
    bad event, else the checkpoint problems (their words name sizes, not times)."""
    if status.first_broken is not None:
        return f"event-{status.first_broken.seq}"
    checkpoint = status.last_checkpoint
    words = [*status.problems, *(checkpoint.problems if checkpoint else ())]
    if checkpoint is not None and checkpoint.signature_valid is False:
        words.append(f"signature of checkpoint {checkpoint.seq}")
    return "checkpoint-" + hashlib.sha256("\n".join(words).encode()).hexdigest()[:16]


async def run_requested(runtime: Runtime, job: VerifyAuditTrail) -> None:
    """The job's handler."""
    await record_verification(runtime, "requested", job.requested_by)


async def latest_verification(session: AsyncSession) -> AuditVerification | None:
    query = select(AuditVerification).order_by(col(AuditVerification.id).desc()).limit(1)
    return (await session.exec(query)).first()


def stored_status(result: dict[str, Any]) -> ChainStatus:
    """The ``ChainStatus`` a stored ``to_dict()`` came from (as far as sentences need)."""
    broken, cp = result.get("first_broken"), result.get("last_checkpoint")
    checkpoint = None
    if cp:
        checkpoint = CheckpointStatus(
            seq=int(cp["size"]), root=cp.get("root"), chain=cp.get("chain"),
            signed_at=datetime.fromisoformat(cp["signed_at"]),
            signature_valid=cp.get("signature_valid"), source=cp.get("source", "database"),
            problems=tuple(cp.get("problems") or ()),
        )
    return ChainStatus(
        events_checked=int(result.get("events_checked", 0)),
        first_broken=ChainBreak(int(broken["seq"]), str(broken["problem"])) if broken else None,
        last_checkpoint=checkpoint,
        log_size=int(result.get("log_size", 0)),
        problems=tuple(result.get("problems") or ()),
        warnings=tuple(result.get("warnings") or ()),
        checkpoints=dict(result.get("checkpoints") or {}),
        pending=Pending(count=int(result.get("unsequenced") or 0)),
    )


#: The page counts the events after the check among this many numbers ("100.000+").
SINCE_CAP = 100_000


async def _events_after(session: AsyncSession, seq: int) -> tuple[int, bool]:
    """How many events came after ``seq``, among the next ``SINCE_CAP`` numbers, and
    whether there are more. A range with both ends: with ``seq > :n`` alone PostgreSQL
    planned a scan of the whole table while its statistics lagged a bulk of new events
    (120 ms per million events, on every view)."""
    window = and_(col(AuditEvent.seq) > seq, col(AuditEvent.seq) <= seq + SINCE_CAP)
    count = (await session.exec(select(func.count()).select_from(AuditEvent).where(window)))
    newest = (await session.exec(select(func.max(AuditEvent.seq)))).one()
    return int(count.one()), newest is not None and int(newest) > seq + SINCE_CAP


@dataclass(frozen=True)
class PageSummary:
    """What heads the audit page: the newest check's verdict and its sentences."""

    ok: bool
    sentence: str
    #: When the check ran and how many events came after it.
    checked: str
    #: The viewer's own request for a check, still waiting or running.
    asked: bool


async def page_summary(
    runtime: Runtime, session: AsyncSession, viewer_id: int, lang: str
) -> PageSummary:
    """The newest check on record (one is made first if there is none), read through
    ``session`` (the page's own)."""
    last = await latest_verification(session)
    if last is None:
        last = await record_verification(runtime, "first_view", viewer_id)
    since, more = await _events_after(session, last.newest_seq)
    info = await runtime.jobs.info(session, VerifyAuditTrail(viewer_id).key)
    status = stored_status(last.result)
    checked = word(lang, "chain.checked", at=vn_time(last.finished_at))
    if since:
        counted = count_text(since, lang) + ("+" if more else "")
        checked += " " + word(lang, "chain.since", count=counted)
    asked = info is not None and info.state in ("pending", "running")
    return PageSummary(last.ok, chain_sentence(status, last.newest_event_at, lang), checked,
                       asked)
