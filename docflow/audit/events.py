"""Reading the audit trail: filtered, scoped to what the auditor may see, keyset-paged.

An agency auditor sees the events their agency's people caused; a province auditor sees
every event. Pages run in ``seq`` order; ``next_cursor`` is the last ``seq`` given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal, readable_agency_ids
from docflow.core.audit_models import AuditEvent
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.transfers.models import Transfer

__all__ = [
    "DEFAULT_LIMIT",
    "EventFilter",
    "EventPage",
    "document_event_clause",
    "event_view",
    "list_events",
]

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


@dataclass(frozen=True)
class EventFilter:
    document_id: int | None = None
    user_id: int | None = None
    agency_id: int | None = None
    #: Exact action, or a prefix ending in ``.`` (``transfer.``).
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class EventPage:
    items: list[dict[str, Any]]
    next_cursor: int | None


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


async def list_events(session: AsyncSession, principal: Principal, flt: EventFilter) -> EventPage:
    """A page of events ``principal`` may audit; 403 (recorded) for non-auditors."""
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
    if not 1 <= flt.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.")
    query = select(AuditEvent)
    if scope is not None:
        query = query.where(col(AuditEvent.actor_agency_id).in_(sorted(scope)))
    if flt.document_id is not None:
        query = query.where(await document_event_clause(session, flt.document_id))
    if flt.user_id is not None:
        query = query.where(AuditEvent.actor_user_id == flt.user_id)
    if flt.agency_id is not None:
        query = query.where(AuditEvent.actor_agency_id == flt.agency_id)
    if flt.action:
        if flt.action.endswith("."):
            query = query.where(col(AuditEvent.action).startswith(flt.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == flt.action)
    if flt.since is not None:
        query = query.where(col(AuditEvent.occurred_at) >= flt.since)
    if flt.until is not None:
        query = query.where(col(AuditEvent.occurred_at) < flt.until)
    if flt.after is not None:
        query = query.where(col(AuditEvent.seq) > flt.after)
    rows = (await session.exec(query.order_by(col(AuditEvent.seq)).limit(flt.limit + 1))).all()
    more = len(rows) > flt.limit
    rows = rows[: flt.limit]
    return EventPage(
        items=[event_view(e) for e in rows], next_cursor=rows[-1].seq if more and rows else None
    )
