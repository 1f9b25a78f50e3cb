"""The operations dashboard page (``/dashboard?from=&to=``) and its CSV export
(``/dashboard.csv?from=&to=``): the figures of ``GET /api/v1/dashboard`` with three
charts drawn on the server (``web.charts``), a table per agency and the overdue
documents per person.

Who sees what is the API's rule (``dashboard.figures.reach_of``): an agency's leaders
and clerks their agency, the province's administrators and auditors every agency,
anyone else the refusal page. A bad period keeps the form and says what is wrong (400).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from docflow.core.db import AsyncSession
from docflow.dashboard.figures import build_dashboard, reach_of
from docflow.dashboard.period import BadPeriod, parse_period
from docflow.web import dashboard_view as view
from docflow.web.i18n import CATALOGUE, translator, vn_datetime
from docflow.web.i18n_dashboard import DASHBOARD_STRINGS
from docflow.web.pages import Viewer, lang_of, page

__all__ = ["DASHBOARD_PAGES"]

PageRequest = Request[Any, Any, Any]
#: Rows of the per-person table on the page (the CSV and the API have them all).
PEOPLE_SHOWN = 50

# The dashboard's strings live beside it (as the jobs page's do).
for _lang, _strings in DASHBOARD_STRINGS.items():
    CATALOGUE[_lang].update(_strings)

Since = Annotated[str | None, QueryParameter(name="from")]
Until = Annotated[str | None, QueryParameter(name="to")]


@get("/dashboard", include_in_schema=False)
async def dashboard_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    since: Since = None,
    until: Until = None,
) -> Template:
    reach = await reach_of(db_session, viewer.principal)
    lang = lang_of(request)
    t = translator(lang)
    form = {"from": since or "", "to": until or ""}
    try:
        period = parse_period(since, until)
    except BadPeriod as error:
        return page(request, "dashboard.html", viewer, status_code=400, board=None,
                    problem=view.period_problem(error, t), form=form)
    board = await build_dashboard(db_session, reach, period)
    form = {"from": period.first.isoformat(), "to": period.last.isoformat()}
    scope_line = (t("dash.scope.province") if board.scope == "province" else
                  t("dash.scope.agency").format(name=viewer.me.agency_name))
    lead = t("dash.lead").format(first=period.first.strftime("%d/%m/%Y"),
                                 last=period.last.strftime("%d/%m/%Y"),
                                 now=vn_datetime(board.generated_at))
    return page(
        request, "dashboard.html", viewer, board=board, form=form, problem=None,
        scope_line=scope_line, lead=lead, export=f"/dashboard.csv?from={form['from']}"
        f"&to={form['to']}",
        daily=view.daily_chart(board, t), daily_title=view.daily_title(board, t),
        on_time=view.on_time_chart(board, t, lang),
        verdicts=view.verdict_chart(board, t), people=board.overdue_by_person[:PEOPLE_SHOWN],
        more_people=len(board.overdue_by_person) > PEOPLE_SHOWN, people_shown=PEOPLE_SHOWN,
        chart_rows=view.CHART_ROWS, percent=lambda a: view.percent(a.on_time, a.due, lang),
        duration=lambda seconds: view.duration(seconds, t),
    )


@get("/dashboard.csv", include_in_schema=False)
async def dashboard_csv(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    since: Since = None,
    until: Until = None,
) -> Response[bytes]:
    """The per-agency table as a file (UTF-8 with BOM); a bad period is the 400 page."""
    reach = await reach_of(db_session, viewer.principal)
    period = parse_period(since, until)
    board = await build_dashboard(db_session, reach, period)
    name = f"dashboard-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        view.csv_bytes(board, translator(lang_of(request))),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )


DASHBOARD_PAGES = [dashboard_page, dashboard_csv]
