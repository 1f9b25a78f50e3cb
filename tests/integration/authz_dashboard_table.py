"""The authorization matrix's rows for the operations dashboard (``authz_table`` merges
them): the API, its page and the CSV export answer an agency's leaders and clerks (their
own agency's figures) and the province's administrators and auditors (every agency's);
everyone else is refused. Which agencies each one sees: tests/integration/test_dashboard.py.
"""

from __future__ import annotations

from tests.integration.authz_table import Call, Entry, province, role


def sees_dashboard(actor: str, target: str) -> int:
    if role(actor) in ("leader", "clerk") or province(actor):
        return 200
    return 403


DASHBOARD_MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", "/api/v1/dashboard"): Entry(
        lambda w, a, t: Call("GET", "/api/v1/dashboard"), sees_dashboard
    ),
}

DASHBOARD_PAGES: dict[tuple[str, str], Entry] = {
    ("GET", "/dashboard"): Entry(lambda w, a, t: Call("GET", "/dashboard"), sees_dashboard),
    ("GET", "/dashboard.csv"): Entry(
        lambda w, a, t: Call("GET", "/dashboard.csv"), sees_dashboard
    ),
}
