"""The authorization matrix's rows for search and the work queues (issue 16), merged
into ``authz_table.MATRIX`` and ``PAGES``. Who finds what (the read rule): see
tests/integration/test_search.py; the bulk accept of real transfers:
tests/integration/test_queues.py."""

from __future__ import annotations

from tests.integration.authz_table import MISSING_DOCUMENT, Call, Entry, all_ok, page_csrf

__all__ = ["SEARCH_MATRIX", "SEARCH_PAGES"]

SEARCH_MATRIX = {
    # Everyone signed in searches; the answer holds only what they may read.
    ("GET", "/api/v1/search"): Entry(
        lambda w, a, t: Call("GET", "/api/v1/search", params={"q": "nguyen"}), all_ok(200)
    ),
    ("GET", "/api/v1/queues"): Entry(lambda w, a, t: Call("GET", "/api/v1/queues"), all_ok(200)),
}

SEARCH_PAGES = {
    ("GET", "/search"): Entry(lambda w, a, t: Call("GET", "/search?q=nguyen"), all_ok(200)),
    # Naming a transfer nobody may see: the same 404 as for a missing one.
    ("GET", "/inbox/accept"): Entry(
        lambda w, a, t: Call("GET", f"/inbox/accept?t={MISSING_DOCUMENT}"), all_ok(404)
    ),
    # The form reports each document: this one "not accepted" (it does not exist).
    ("POST", "/inbox/accept"): Entry(
        lambda w, a, t: Call("POST", "/inbox/accept",
                             form={"csrf_token": page_csrf(w, a), "t": str(MISSING_DOCUMENT)}),
        all_ok(200),
    ),
}
