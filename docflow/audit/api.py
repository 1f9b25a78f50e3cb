"""The audit trail over HTTP: chain status, checkpoints, the events (auditors)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from docflow.accounts.access import deny
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal
from docflow.audit.chain_words import chain_sentence
from docflow.audit.checkpoint_sign import parse_statement
from docflow.audit.checkpoints import create_checkpoint
from docflow.audit.display import displayed
from docflow.audit.events import DEFAULT_LIMIT, EventFilter, list_events
from docflow.audit.verifications import record_verification, stored_status
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.core.http.bounds import QueryId
from docflow.core.runtime import Runtime

__all__ = ["AUDIT_HANDLERS", "asked_lang"]

#: The languages the display fields are given in (the pages' ``lang`` cookie names one).
LANGS = ("vi", "en")


def asked_lang(request: Request[Any, Any, Any], lang: str | None) -> str:
    """``?lang=`` if given, else the pages' ``lang`` cookie, else Vietnamese."""
    chosen = lang or request.cookies.get("lang") or "vi"
    return chosen if chosen in LANGS else "vi"


async def _auditor_or_admin(session: AsyncSession, principal: Principal, action: str) -> None:
    if not (principal.has(Role.AUDITOR) or principal.has(Role.ADMIN)):
        await deny(
            session,
            principal,
            action=action,
            subject_type="audit_trail",
            subject_id=None,
            message="Only auditors and administrators verify or checkpoint the audit trail.",
        )


def _time(name: str, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be an ISO 8601 date or time.") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} must carry a time zone (e.g. 2026-11-26T08:00:00+07:00).")
    return moment


@get(
    "/api/v1/audit/verify",
    tags=["audit"],
    summary="Check every audit event, the checkpoints and their copies outside the database",
)
async def verify_audit_chain(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
    lang: FromQuery[str | None] = None,
) -> dict[str, Any]:
    """The check's facts, and ``summary``: its state in one sentence (``?lang=vi|en``)."""
    await _auditor_or_admin(db_session, principal, "audit.verify")
    await db_session.commit()  # end the request's read: the check takes its own session
    check = await record_verification(runtime, "api", principal.user_id)
    summary = chain_sentence(stored_status(check.result), check.newest_event_at,
                             asked_lang(request, lang))
    return {**check.result, "summary": summary}


@post(
    "/api/v1/audit/checkpoints",
    tags=["audit"],
    summary="Sign and timestamp the log's head now",
    status_code=201,
)
async def make_checkpoint(
    principal: NamedDependency[Principal],
    runtime: NamedDependency[Runtime],
    db_session: NamedDependency[AsyncSession],
) -> dict[str, Any]:
    await _auditor_or_admin(db_session, principal, "audit.checkpoint")
    await db_session.commit()
    cp = await create_checkpoint(runtime, actor=principal, reason="on_demand")
    claims = parse_statement(cp.statement)
    return {
        "size": cp.size,
        "seq": cp.size,
        "root": claims.root,
        "chain": claims.chain,
        "signed_at": cp.created_at.isoformat(),
        "timestamp_time": cp.timestamp_time.isoformat(),
    }


@get(
    "/api/v1/audit/events",
    tags=["audit"],
    summary="Audit events concerning the auditor's agency (every agency for a province "
    "auditor; ?agency_id= narrows to one), with who did it and what it means in words "
    "(?lang=vi|en); ?cursor= to page",
)
async def audit_events(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    document_id: QueryId = None,
    user_id: QueryId = None,
    agency_id: QueryId = None,
    action: FromQuery[str | None] = None,
    since: Annotated[str | None, QueryParameter(name="from")] = None,
    until: Annotated[str | None, QueryParameter(name="to")] = None,
    cursor: Annotated[int | None, QueryParameter(ge=0, le=2**31 - 1)] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
    document: FromQuery[str | None] = None,
    lang: FromQuery[str | None] = None,
) -> dict[str, Any]:
    flt = EventFilter(
        document_id=document_id,
        user_id=user_id,
        agency_id=agency_id,
        action=action,
        since=_time("from", since),
        until=_time("to", until),
        after=cursor,
        limit=limit,
        document_text=document or None,
    )
    page = await list_events(db_session, principal, flt)
    items = await displayed(db_session, principal, page.events, asked_lang(request, lang))
    return {"items": items, "next_cursor": page.next_cursor}


AUDIT_HANDLERS = [verify_audit_chain, make_checkpoint, audit_events]
