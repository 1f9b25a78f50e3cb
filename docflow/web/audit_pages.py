"""The audit page (``/audit``) and its CSV export (``/audit.csv``), for auditors.

The trail as a person reads it, rendered on the server: the time in Vietnam time, who
(full name and agency), what (the catalogue's words), which document (``số/ký hiệu –
trích yếu``, its summary withheld where the read rule says so), newest first, paged
by cursor; filters by kind of action, person, document number/symbol, dates, and (for
a province auditor) agency. The chain's state heads the page in one sentence.

Which events: ``docflow.audit.events`` (an agency auditor those concerning their
agency, a province auditor every agency's); anyone else gets the refusal page.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from docflow.accounts.agencies import list_directory
from docflow.audit.chain_words import count_text
from docflow.audit.display import displayed
from docflow.audit.event_words import ATTEMPTED_ONLY
from docflow.audit.events import EventFilter, list_events, require_auditor
from docflow.audit.verifications import VerifyAuditTrail, page_summary
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.core.runtime import Runtime
from docflow.web.form_csrf import CSRF_FIELD, csrf_for, posted_form
from docflow.web.i18n import CATALOGUE, VIETNAM, translator
from docflow.web.pages import Viewer, lang_of, page

__all__ = ["AUDIT_PAGES"]

PageRequest = Request[Any, Any, Any]
PAGE_SIZE = 50
#: The most events one CSV file holds (the newest matching ones).
CSV_MAX = 10_000
#: Prefixes offered as "everything of a kind" in the action filter.
GROUPS = ("document.", "transfer.", "auth.", "exchange.", "user.")

Since = Annotated[str | None, QueryParameter(name="from")]
Until = Annotated[str | None, QueryParameter(name="to")]
Cursor = Annotated[int | None, QueryParameter(ge=0, le=2**31 - 1)]
AgencyId = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a date (YYYY-MM-DD).", code="audit_bad_date"
        ) from None


def _filter(asked: dict[str, str], *, cursor: int | None, limit: int) -> EventFilter:
    """The filter the form asked for; dates are whole days in Vietnam time."""
    first, last = _day(asked.get("from")), _day(asked.get("to"))
    return EventFilter(
        action=asked.get("action") or None,
        person_text=asked.get("person") or None,
        document_text=asked.get("document") or None,
        agency_id=int(asked["agency"]) if asked.get("agency") else None,
        since=datetime.combine(first, time(), VIETNAM) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(), VIETNAM) if last else None,
        after=cursor,
        limit=limit,
        newest_first=True,
    )


def _asked(**given: Any) -> dict[str, str]:
    return {k: str(v).strip() for k, v in given.items() if v not in (None, "")}


def _clock(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M:%S %d/%m/%Y")


def _actions(lang: str) -> list[tuple[str, str]]:
    """(value, words) of the action filter: the kinds, then every described action."""
    t = translator(lang)
    kinds = [(g, t("audit.group", name=t(f"audit.group.{g[:-1]}"))) for g in GROUPS]
    known = sorted(
        ((key[6:], text) for key, text in CATALOGUE[lang].items()
         if key.startswith("event.") and key[6:].count(".") == 1
         and key[6:] not in ATTEMPTED_ONLY),
        key=lambda pair: pair[1].lower(),
    )
    return kinds + known


@get("/audit", include_in_schema=False)
async def audit_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    action: FromQuery[str | None] = None,
    person: FromQuery[str | None] = None,
    document: FromQuery[str | None] = None,
    since: Since = None,
    until: Until = None,
    agency: AgencyId = None,
    cursor: Cursor = None,
) -> Template:
    me, lang = viewer.principal, lang_of(request)
    scope = await require_auditor(db_session, me)
    asked = _asked(action=action, person=person, document=document, agency=agency,
                   **{"from": since, "to": until})
    found = await list_events(db_session, me, _filter(asked, cursor=cursor, limit=PAGE_SIZE))
    items = [{**i, "clock": _clock(datetime.fromisoformat(i["occurred_at"]))}
             for i in await displayed(db_session, me, found.events, lang)]
    agencies = await list_directory(db_session) if scope is None else []
    runtime: Runtime = request.app.state.runtime
    await db_session.commit()  # end the read: a first check may be made meanwhile
    summary = await page_summary(runtime, db_session, me.user_id, lang)
    older = (f"/audit?{urlencode({**asked, 'cursor': found.next_cursor})}"
             if found.next_cursor is not None else None)
    return page(
        request, "audit.html", viewer, items=items, asked=asked, summary=summary,
        every=runtime.settings.audit_verify_minutes, csrf=csrf_for(request),
        csrf_field=CSRF_FIELD, province=scope is None, agencies=agencies,
        actions=_actions(lang), older=older,
        newest=f"/audit?{urlencode(asked)}" if cursor is not None else None,
        export=f"/audit.csv?{urlencode(asked)}", csv_max=count_text(CSV_MAX, lang),
    )


def _csv(items: list[dict[str, Any]], lang: str) -> bytes:
    """UTF-8 with a byte order mark (Excel reads the Vietnamese), CRLF line ends."""
    t = translator(lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(f"audit.col.{c}") for c in
                     ("seq", "time", "person", "agency", "action", "symbol", "subject")])
    for i in items:
        doc = i["document"] or {}
        writer.writerow([i["seq"], _clock(datetime.fromisoformat(i["occurred_at"])),
                         i["actor_name"], i["actor_agency_name"] or "", i["description"],
                         doc.get("symbol", ""), doc.get("subject", "")])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


@get("/audit.csv", include_in_schema=False)
async def audit_csv(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    action: FromQuery[str | None] = None,
    person: FromQuery[str | None] = None,
    document: FromQuery[str | None] = None,
    since: Since = None,
    until: Until = None,
    agency: AgencyId = None,
) -> Response[bytes]:
    """The filtered events (every page, newest first, at most ``CSV_MAX``) as a file."""
    me, lang = viewer.principal, lang_of(request)
    asked = _asked(action=action, person=person, document=document, agency=agency,
                   **{"from": since, "to": until})
    items: list[dict[str, Any]] = []
    cursor: int | None = None
    while len(items) < CSV_MAX:
        flt = _filter(asked, cursor=cursor, limit=min(1000, CSV_MAX - len(items)))
        found = await list_events(db_session, me, flt)
        items += await displayed(db_session, me, found.events, lang)
        cursor = found.next_cursor
        if cursor is None:
            break
    stamp = datetime.now(VIETNAM).strftime("%Y%m%d-%H%M")
    return Response(
        _csv(items, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
                 "Cache-Control": "no-store"},
    )


@post("/audit/verify", include_in_schema=False, request_max_body_size=4096)
async def verify_from_page(
    request: PageRequest, db_session: NamedDependency[AsyncSession]
) -> Redirect:
    """Queue a whole check of the trail for this auditor, then back to the page (303),
    which says it is under way until its outcome heads the page."""
    posted = await posted_form(request, "/audit")
    if isinstance(posted, Redirect):
        return posted
    viewer, _form = posted
    await require_auditor(db_session, viewer.principal)
    runtime: Runtime = request.app.state.runtime
    await runtime.jobs.enqueue(db_session, VerifyAuditTrail(viewer.principal.user_id))
    return Redirect("/audit", status_code=303)


AUDIT_PAGES = [audit_page, audit_csv, verify_from_page]
