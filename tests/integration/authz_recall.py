"""Recall and correction pages' rows of the authorization matrix (``authz_table`` adds
them): on a document or transfer that does not exist every route answers 404 to
everyone signed in (existence does not leak). Who may act on a real issued document
or transfer (the issuing agency's clerk and leader recall and mark corrections, the
receiving agency's clerk and leader answer; a specialist 403, another agency 404 or 403
as the services say) is pinned on real documents by
tests/integration/test_recall_pages.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.integration.authz_table import Entry

_REASON = "Văn bản ban hành nhầm đối tượng."


def page_rows() -> dict[tuple[str, str], Entry]:
    from tests.integration.authz_table import MISSING_DOCUMENT, Call, Entry, all_ok, page_csrf

    doc = "/documents/{document_id:int}"
    tr = "/transfers/{transfer_id:int}"
    missing_doc = f"/documents/{MISSING_DOCUMENT}"
    missing_tr = f"/transfers/{MISSING_DOCUMENT}"
    rows: dict[tuple[str, str], Entry] = {
        ("GET", f"{doc}/recall"): Entry(
            lambda w, a, t: Call("GET", f"{missing_doc}/recall"), all_ok(404)),
        ("GET", f"{doc}/correction"): Entry(
            lambda w, a, t: Call("GET", f"{missing_doc}/correction"), all_ok(404)),
        ("GET", f"{tr}/recall"): Entry(
            lambda w, a, t: Call("GET", f"{missing_tr}/recall"), all_ok(404)),
    }
    posts = {
        f"{doc}/recall": f"{missing_doc}/recall",
        f"{doc}/correction": f"{missing_doc}/correction",
        f"{tr}/recall/accept": f"{missing_tr}/recall/accept",
        f"{tr}/recall/refuse": f"{missing_tr}/recall/refuse",
    }
    for route, path in posts.items():
        def build(w, a, t, path=path):  # type: ignore[no-untyped-def]
            return Call("POST", path, form={"csrf_token": page_csrf(w, a), "reason": _REASON,
                                            "draft": "1", "business_type": "update"})
        rows[("POST", route)] = Entry(build, all_ok(404))
    return rows
