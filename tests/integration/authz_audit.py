"""The audit page's rows of the authorization matrix (``authz_table`` adds them): the
page and its CSV export answer auditors (their agency's events; a province auditor's,
every agency's) and refuse everyone else, as does the form asking for a whole check of
the trail (auditors: 303 back to the page); which events each one sees:
tests/integration/test_audit_pages.py; the checks: test_audit_verifications.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.integration.authz_table import Entry


def page_rows() -> dict[tuple[str, str], Entry]:
    from tests.integration.authz_table import Call, Entry, page_csrf, role

    def auditors(actor: str, target: str) -> int:
        return 200 if role(actor) == "auditor" else 403

    return {
        ("GET", "/audit"): Entry(lambda w, a, t: Call("GET", "/audit"), auditors),
        ("GET", "/audit.csv"): Entry(
            lambda w, a, t: Call("GET", "/audit.csv"), auditors
        ),
        ("POST", "/audit/verify"): Entry(
            lambda w, a, t: Call("POST", "/audit/verify", form={"csrf_token": page_csrf(w, a)}),
            lambda a, t: 303 if role(a) == "auditor" else 403,
        ),
    }
