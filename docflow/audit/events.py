"""Reading the audit trail: filtered, scoped to what the auditor may see, keyset-paged.

An agency auditor sees every event that concerns their agency (``docflow.audit.scope``:
what its people did, and what happened to its documents and to the documents it
received, deliveries and the recipients' receipts and status reports included); a
province auditor sees every event, and may narrow to the events concerning one agency.
Pages run in ``seq`` order (oldest first, or newest first for the audit page);
``next_cursor`` is the last ``seq`` given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_user import Role, User
from docflow.accounts.permissions import Principal, readable_agency_ids
from docflow.audit.scope import concerning, documents_clause
from docflow.core.audit_models import AuditEvent
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.documents.models import Document
from docflow.transfers.models import Transfer

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "EventFilter",
    "EventPage",
    "document_event_clause",
    "event_view",
    "list_events",
    "require_auditor",
]

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
#: Longest text a filter takes (a number/symbol, a name).
MAX_TEXT = 64


@dataclass(frozen=True)
class EventFilter:
    document_id: int | None = None
    user_id: int | None = None
    #: Events concerning this agency (``docflow.audit.scope``).
    agency_id: int | None = None
    #: Exact action, or a prefix ending in ``.`` (``transfer.``).
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int | None = None
    limit: int = DEFAULT_LIMIT
    #: Part of a document's number/symbol (``07/QĐ``), any case.
    document_text: str | None = None
    #: Part of the acting person's full name or username, any case.
    person_text: str | None = None
    #: Newest first (``after`` then means: older than that ``seq``).
    newest_first: bool = False


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    next_cursor: int | None

    @property
    def items(self) -> list[dict[str, Any]]:
        return [event_view(e) for e in self.events]


def event_view(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_user_id": event.actor_user_id,
        "actor_agency_id": event.actor_agency_id,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "request_id": event.request_id,
        "details": event.details,
        "digest": event.digest,
    }


async def document_event_clause(session: AsyncSession, document_id: int) -> Any:
    """Events about a document: on it, or on one of its transfers."""
    transfer_ids = (
        await session.exec(select(Transfer.id).where(Transfer.document_id == document_id))
    ).all()
    on_document = and_(
        col(AuditEvent.subject_type) == "document", col(AuditEvent.subject_id) == str(document_id)
    )
    if not transfer_ids:
        return on_document
    on_transfers = and_(
        col(AuditEvent.subject_type) == "transfer",
        col(AuditEvent.subject_id).in_([str(t) for t in transfer_ids]),
    )
    return or_(on_document, on_transfers)


async def require_auditor(session: AsyncSession, principal: Principal) -> frozenset[int] | None:
    """The agencies ``principal`` audits (None: every one); 403, recorded, for others."""
    scope = readable_agency_ids(principal, Role.AUDITOR)
    if scope is not None and not scope:
        await deny(
            session,
            principal,
            action="audit.events",
            subject_type="audit_trail",
            subject_id=None,
            message="Only auditors read the audit trail.",
        )
    return scope


def _check(flt: EventFilter) -> None:
    if not 1 <= flt.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", code="audit_limit")
    for text in (flt.document_text, flt.person_text, flt.action):
        if text is not None and len(text) > MAX_TEXT:
            raise InvalidInput(
                f"A filter is longer than {MAX_TEXT} characters.", code="audit_filter_long"
            )
        if text is not None and any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise InvalidInput("A filter holds control characters.", code="audit_filter_chars")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def _filtered(session: AsyncSession, query: Any, flt: EventFilter) -> Any:
    if flt.document_id is not None:
        query = query.where(await document_event_clause(session, flt.document_id))
    if flt.document_text:
        ids = select(Document.id).where(
            col(Document.symbol).ilike(_like(flt.document_text.strip()), escape="\\")
        )
        query = query.where(documents_clause(ids))
    if flt.user_id is not None:
        query = query.where(AuditEvent.actor_user_id == flt.user_id)
    if flt.person_text:
        pattern = _like(flt.person_text.strip())
        people = select(User.id).where(or_(col(User.full_name).ilike(pattern, escape="\\"),
                                            col(User.username).ilike(pattern, escape="\\")))
        query = query.where(col(AuditEvent.actor_user_id).in_(people))
    if flt.agency_id is not None:
        query = query.where(concerning([flt.agency_id]))
    if flt.action:
        if flt.action.endswith("."):
            query = query.where(col(AuditEvent.action).startswith(flt.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == flt.action)
    if flt.since is not None:
        query = query.where(col(AuditEvent.occurred_at) >= flt.since)
    if flt.until is not None:
        query = query.where(col(AuditEvent.occurred_at) < flt.until)
    return query


async def list_events(session: AsyncSession, principal: Principal, flt: EventFilter) -> EventPage:
    """A page of events ``principal`` may audit; 403 (recorded) for non-auditors."""
    scope = await require_auditor(session, principal)
    _check(flt)
    query = select(AuditEvent)
    if scope is not None:
        query = query.where(concerning(scope))
    query = await _filtered(session, query, flt)
    seq = col(AuditEvent.seq)
    if flt.after is not None:
        query = query.where(seq < flt.after if flt.newest_first else seq > flt.after)
    order = seq.desc() if flt.newest_first else seq
    rows = list((await session.exec(query.order_by(order).limit(flt.limit + 1))).all())
    more = len(rows) > flt.limit
    rows = rows[: flt.limit]
    return EventPage(events=rows, next_cursor=rows[-1].seq if more and rows else None)
