"""How the dashboard's figures read: numbers and durations in the reader's language,
the three charts, the CSV table. Pure functions of a ``Dashboard`` and a translator."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from markupsafe import Markup

from docflow.dashboard.figures import VERDICTS, AgencyFigures, Dashboard
from docflow.dashboard.period import BadPeriod
from docflow.web import charts

__all__ = ["CHART_ROWS", "csv_bytes", "daily_chart", "daily_title", "duration", "on_time_chart",
           "percent", "period_problem", "verdict_chart"]

Translate = Callable[[str], str]
#: At most this many agencies in a chart (the table has them all).
CHART_ROWS = 15
#: A longer period is charted per month.
DAILY_UP_TO = 62


def _say(t: Translate, key: str, **facts: object) -> str:
    return t(key).format(**facts)


def _vn(day: date | str) -> str:
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return value.strftime("%d/%m/%Y")


def percent(part: int, whole: int, lang: str) -> str:
    """``75%``, ``66,7%`` (a comma in Vietnamese); empty when there is no whole."""
    if not whole:
        return ""
    value = round(100 * part / whole, 1)
    text = f"{value:g}" if value == int(value) else f"{value:.1f}"
    return (text.replace(".", ",") if lang == "vi" else text) + "%"


def duration(seconds: int | None, t: Translate) -> str:
    if seconds is None:
        return t("dash.none")
    minutes = round(seconds / 60)
    if minutes >= 48 * 60:
        return _say(t, "dash.duration.days", days=minutes // 1440, hours=minutes % 1440 // 60)
    if minutes >= 60 and minutes % 60 == 0:
        return _say(t, "dash.duration.whole_hours", hours=minutes // 60)
    if minutes >= 60:
        return _say(t, "dash.duration.hours", hours=minutes // 60, minutes=minutes % 60)
    return _say(t, "dash.duration.minutes", minutes=minutes)


def period_problem(error: BadPeriod, t: Translate) -> str:
    """The period's refusal in the reader's language."""
    facts = dict(error.facts)
    if "name" in facts:
        facts["name"] = t("dash.from" if facts["name"] == "from" else "dash.to")
    return _say(t, f"dash.err.{error.problem}", **facts)


def _buckets(board: Dashboard) -> tuple[list[str], list[str], list[int], list[int], bool]:
    """(labels, tooltips, issued, received, monthly): per day, or per month if long."""
    monthly = len(board.per_day) > DAILY_UP_TO
    labels: list[str] = []
    tips: list[str] = []
    issued: list[int] = []
    received: list[int] = []
    for day, i, r in board.per_day:
        label = f"{day[5:7]}/{day[:4]}" if monthly else f"{day[8:10]}/{day[5:7]}"
        if not labels or labels[-1] != label:
            labels.append(label)
            tips.append(label if monthly else _vn(day))
            issued.append(0)
            received.append(0)
        issued[-1] += i
        received[-1] += r
    return labels, tips, issued, received, monthly


def daily_title(board: Dashboard, t: Translate) -> str:
    return t("dash.chart.monthly" if len(board.per_day) > DAILY_UP_TO else "dash.chart.daily")


def daily_chart(board: Dashboard, t: Translate) -> Markup:
    labels, tips, issued, received, _monthly = _buckets(board)
    busiest = max(range(len(labels)), key=lambda n: issued[n] + received[n], default=None)
    peak = (f"{tips[busiest]} ({issued[busiest] + received[busiest]})"
            if busiest is not None and issued[busiest] + received[busiest] else t("dash.none"))
    desc = _say(t, "dash.chart.daily.desc", first=_vn(board.period.first),
                last=_vn(board.period.last), issued=sum(issued), received=sum(received),
                peak=peak)
    return charts.grouped_bars(
        "chart-daily", daily_title(board, t), desc, labels,
        [(t("dash.issued"), issued), (t("dash.received"), received)], tips,
    )


def _ranked(agencies: list[AgencyFigures], key: Callable[[AgencyFigures], Any],
            keep: Callable[[AgencyFigures], bool]) -> list[AgencyFigures]:
    return sorted((a for a in agencies if keep(a)), key=key)[:CHART_ROWS]


def on_time_chart(board: Dashboard, t: Translate, lang: str) -> Markup | None:
    """Worst first; None when nothing was due."""
    rows = _ranked(board.agencies, lambda a: (a.on_time_share, -a.due), lambda a: a.due > 0)
    if not rows:
        return None
    bars = [(a.abbreviation, a.on_time_share, f"{percent(a.on_time, a.due, lang)} "
             f"({a.on_time}/{a.due})") for a in rows]
    return charts.share_bars("chart-on-time", t("dash.chart.on_time"),
                             t("dash.chart.on_time.desc"), bars)


def verdict_chart(board: Dashboard, t: Translate) -> Markup | None:
    """The total first, then the agencies with most arrivals; None when nothing arrived."""
    rows = _ranked(board.agencies, lambda a: -a.received, lambda a: a.received > 0)
    if not rows:
        return None
    lines = [(a.abbreviation, [a.verdicts[v] for v in VERDICTS]) for a in rows]
    if len(board.agencies) > 1:
        lines.insert(0, (t("dash.total"), [board.totals.verdicts[v] for v in VERDICTS]))
    return charts.stacked_bars("chart-verdicts", t("dash.chart.verdicts"),
                               t("dash.chart.verdicts.desc"),
                               [t(f"dash.verdict.{v}") for v in VERDICTS], lines)


def _csv_row(a: AgencyFigures, name: str, abbreviation: str) -> list[object]:
    share = a.on_time_share
    average = a.average_handling_seconds
    return [
        name, abbreviation, a.issued, a.received, a.due, a.on_time,
        "" if share is None else round(100 * share), a.completed,
        "" if average is None else round(average / 60), a.overdue,
        a.deliveries_failed, a.deliveries_retrying, *(a.verdicts[v] for v in VERDICTS),
    ]


def csv_bytes(board: Dashboard, t: Translate) -> bytes:
    """The per-agency table and its total as CSV: UTF-8 with a byte order mark (so Excel
    reads the Vietnamese), CRLF line ends, a header row in the reader's language."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([
        t("dash.agency"), t("dash.abbreviation"), t("dash.issued"), t("dash.received"),
        t("dash.csv.due"), t("dash.csv.on_time"), t("dash.csv.share"), t("dash.completed"),
        t("dash.csv.average"), t("dash.overdue"), t("dash.failed"), t("dash.retrying"),
        *(t(f"dash.verdict.{v}") for v in VERDICTS),
    ])
    for a in board.agencies:
        writer.writerow(_csv_row(a, a.name, a.abbreviation))
    if len(board.agencies) > 1:
        writer.writerow(_csv_row(board.totals, t("dash.total"), ""))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
