"""The draft life's rows of the authorization matrix (``authz_table`` adds them): on a
document that does not exist every route answers 404 to everyone signed in, as every
document route does (existence does not leak). Who may act on a real draft (the
drafter edits, replaces, resubmits, withdraws; the signer or a pending approver
returns; auditors comment nowhere; another agency's clerk, leader and auditor get 404;
the wrong person of the agency 403; a signed draft 409) is pinned on real documents by
tests/integration/test_draft_life.py; the read routes (comments, versions) are in the
read rule's matrix (``authz_content.CONTENT_ROUTES``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.integration.authz_table import Entry

_COMMENT = {"comment": "Đề nghị sửa lại trích yếu."}


def api_rows() -> dict[tuple[str, str], Entry]:
    from tests.integration.authz_table import MISSING_DOCUMENT, Call, Entry, all_ok

    base = "/api/v1/documents/{document_id:int}"
    real = f"/api/v1/documents/{MISSING_DOCUMENT}"
    rows = {
        ("POST", f"{base}/return"): Call("POST", f"{real}/return", _COMMENT),
        ("POST", f"{base}/resubmit"): Call("POST", f"{real}/resubmit", {}),
        ("POST", f"{base}/withdraw"): Call("POST", f"{real}/withdraw", {}),
        ("PATCH", f"{base}/details"): Call("PATCH", f"{real}/details", {"subject": "Khác"}),
        # a body that is not multipart: the document is looked up first (404)
        ("POST", f"{base}/file"): Call("POST", f"{real}/file", {"not": "multipart"}),
        ("GET", f"{base}/comments"): Call("GET", f"{real}/comments"),
        ("POST", f"{base}/comments"): Call("POST", f"{real}/comments", _COMMENT),
        ("GET", f"{base}/versions"): Call("GET", f"{real}/versions"),
    }
    return {key: Entry(lambda w, a, t, c=call: c, all_ok(404)) for key, call in rows.items()}


def page_rows() -> dict[tuple[str, str], Entry]:
    from tests.integration.authz_table import MISSING_DOCUMENT, Call, Entry, all_ok, page_csrf

    rows: dict[tuple[str, str], Entry] = {}
    for action in ("return", "resubmit", "withdraw", "details", "file", "comments"):
        def build(w, a, t, action=action):  # type: ignore[no-untyped-def]
            return Call("POST", f"/documents/{MISSING_DOCUMENT}/{action}",
                        form={"csrf_token": page_csrf(w, a), "comment": "Ý kiến"})
        rows[("POST", f"/documents/{{document_id:int}}/{action}")] = Entry(build, all_ok(404))
    return rows
