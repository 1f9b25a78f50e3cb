"""The operations dashboard (the province's operations centre): per agency and period,
documents issued and received, the share of handling done on time, what is overdue
now (by agency and by person), the average handling time, failed deliveries and the
signature verdicts of arrivals.

Who sees which agencies is ``accounts.permissions.dashboard_reach``. The figures are
counts and names of agencies and people, never a document's number, subject or file,
so no figure reveals what a document says (confidential ones included).

Definitions (times in Vietnam time, the period's days included):
- issued: documents of the agency whose issue time is in the period;
- received: transfers to the agency that arrived in the period; their verdicts are the
  signature check made on arrival (passed, failed, indeterminate);
- handled on time: of the transfers whose handling deadline falls in the period and that
  were completed or are past it, the share completed no later than the deadline;
- completed and average handling time: transfers completed in the period, arrival to
  completion;
- overdue now: open transfers (not completed, refused or recalled) past their deadline,
  whatever the period;
- delivery failures: outgoing edXML deliveries made in the period that gave up
  (``failed``) or are being retried after a failed attempt (``retrying``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from docflow.accounts.access import deny
from docflow.accounts.permissions import Principal, dashboard_reach
from docflow.core.db import AsyncSession
from docflow.core.models_base import utcnow
from docflow.dashboard import queries
from docflow.dashboard.period import Period

__all__ = ["AgencyFigures", "Dashboard", "PersonOverdue", "build_dashboard", "reach_of"]

VERDICTS = ("passed", "failed", "indeterminate")


@dataclass
class AgencyFigures:
    """One agency's figures for the period (or the sum of several: ``totals``)."""

    agency_id: int | None
    name: str
    abbreviation: str
    issued: int = 0
    received: int = 0
    due: int = 0
    on_time: int = 0
    completed: int = 0
    handling_seconds: float = 0.0
    overdue: int = 0
    deliveries_failed: int = 0
    deliveries_retrying: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def average_handling_seconds(self) -> int | None:
        return round(self.handling_seconds / self.completed) if self.completed else None

    def add(self, other: AgencyFigures) -> None:
        for name in ("issued", "received", "due", "on_time", "completed", "handling_seconds",
                     "overdue", "deliveries_failed", "deliveries_retrying"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for verdict in VERDICTS:
            self.verdicts[verdict] += other.verdicts[verdict]

    def to_json(self) -> dict[str, Any]:
        share = self.on_time_share
        return {
            **({"id": self.agency_id, "name": self.name, "abbreviation": self.abbreviation}
               if self.agency_id is not None else {}),
            "issued": self.issued,
            "received": self.received,
            "handled_on_time": {"on_time": self.on_time, "due": self.due,
                                "share": None if share is None else round(share, 4)},
            "completed": self.completed,
            "average_handling_seconds": self.average_handling_seconds,
            "overdue": self.overdue,
            "delivery_failures": {"failed": self.deliveries_failed,
                                  "retrying": self.deliveries_retrying},
            "verdicts": dict(self.verdicts),
        }


@dataclass(frozen=True)
class PersonOverdue:
    """Open transfers past their deadline assigned to one person (or, with no person,
    to one department only)."""

    agency_id: int
    agency: str
    user_id: int | None
    name: str | None
    department: str | None
    overdue: int

    def to_json(self) -> dict[str, Any]:
        return {"agency_id": self.agency_id, "agency": self.agency, "user_id": self.user_id,
                "name": self.name, "department": self.department, "overdue": self.overdue}


@dataclass(frozen=True)
class Dashboard:
    period: Period
    generated_at: datetime
    #: ``province`` (every agency) or ``agency`` (the viewer's own).
    scope: str
    agencies: list[AgencyFigures]
    totals: AgencyFigures
    overdue_by_person: list[PersonOverdue]
    #: Every day of the period: (``YYYY-MM-DD``, issued, received).
    per_day: list[tuple[str, int, int]]

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            "time_zone": "+07:00",
            "generated_at": self.generated_at.isoformat(),
            "scope": self.scope,
            "agencies": [a.to_json() for a in self.agencies],
            "totals": self.totals.to_json(),
            "overdue_by_person": [p.to_json() for p in self.overdue_by_person],
            "per_day": [{"day": d, "issued": i, "received": r} for d, i, r in self.per_day],
        }


async def reach_of(session: AsyncSession, principal: Principal) -> frozenset[int] | None:
    """The agencies ``principal`` sees on the dashboard; refused (403, recorded) if none."""
    reach = dashboard_reach(principal)
    if reach is not None and not reach:
        await deny(session, principal, action="dashboard.read", subject_type="agency",
                   subject_id=principal.agency_id,
                   message="The operations dashboard is for an agency's leaders and clerks "
                   "and for the province's administrators and auditors.")
    return reach


def _agency(row: Any, issued: dict[int, int], transfers: dict[int, dict[str, float]],
            deliveries: dict[int, dict[str, int]]) -> AgencyFigures:
    agency_id, name, abbreviation = row
    figures = AgencyFigures(agency_id, name, abbreviation, issued=issued.get(agency_id, 0))
    got = transfers.get(agency_id)
    if got:
        for key in ("received", "due", "on_time", "completed", "overdue"):
            setattr(figures, key, int(got[key]))
        figures.handling_seconds = got["handling_seconds"]
        figures.verdicts = {v: int(got[v]) for v in VERDICTS}
    sent = deliveries.get(agency_id, {})
    figures.deliveries_failed = sent.get("failed", 0)
    figures.deliveries_retrying = sent.get("retrying", 0)
    return figures


async def build_dashboard(
    session: AsyncSession, reach: frozenset[int] | None, period: Period,
    now: datetime | None = None,
) -> Dashboard:
    """The figures of the agencies in ``reach`` (None: every agency; see ``reach_of``)
    for ``period``."""
    now = now or utcnow()
    scope: Collection[int] | None = reach
    rows = await queries.agencies_in(session, scope)
    issued = await queries.issued_by_agency(session, period, scope)
    transfers = await queries.transfer_figures(session, period, now, scope)
    deliveries = await queries.delivery_problems(session, period, scope)
    agencies = [_agency(row, issued, transfers, deliveries) for row in rows]
    totals = AgencyFigures(None, "", "")
    for figures in agencies:
        totals.add(figures)
    names = {a.agency_id: a.abbreviation for a in agencies}
    people = [
        PersonOverdue(agency, names.get(agency, ""), user, name, department, int(n))
        for agency, user, name, department, n in await queries.overdue_by_person(
            session, now, scope)
        if agency in names
    ]
    days = await queries.per_day(session, period, scope)
    per_day = [
        (d, days.get(d, {}).get("issued", 0), days.get(d, {}).get("received", 0))
        for d in (day.isoformat() for day in period.days)
    ]
    return Dashboard(period, now, "province" if reach is None else "agency", agencies,
                     totals, people, per_day)
