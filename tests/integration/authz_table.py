"""The authorization matrix: for every route, the call to make and the answer each
role must get, for its own agency and for another one. ``test_authz_matrix`` walks it.
"""

from __future__ import annotations

import uuid

# The rows' building blocks, also imported from here by the features' own row files.
from tests.integration.authz_support import (  # noqa: F401
    ANONYMOUS,
    MISSING_DOCUMENT,
    OTHER,
    OWN,
    Call,
    Entry,
    _page_refusal,
    agency_id,
    all_ok,
    hand_in_package,
    manage,
    new_user_body,
    p256_csr,
    page_csrf,
    province,
    read_departments,
    read_people,
    read_person,
    role,
    staff_of,
    unique_abbrev,
    unique_code,
)
from tests.integration.authz_world import OTHER_AGENCY, PASSWORD, World  # noqa: F401

MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", "/api/v1/me"): Entry(lambda w, a, t: Call("GET", "/api/v1/me"), all_ok(200)),
    ("POST", "/api/v1/auth/logout"): Entry(
        lambda w, a, t: Call("POST", "/api/v1/auth/logout"), all_ok(200), consumes_token=True
    ),
    # Everyone may change their own password, with the current one (wrong here: 403).
    ("POST", "/api/v1/me/password"): Entry(
        lambda w, a, t: Call(
            "POST",
            "/api/v1/me/password",
            {"current_password": "not-the-password", "new_password": "a-valid-new-secret"},
        ),
        all_ok(403),
    ),
    ("GET", "/api/v1/agencies"): Entry(
        lambda w, a, t: Call("GET", "/api/v1/agencies"), all_ok(200)
    ),
    ("POST", "/api/v1/agencies"): Entry(
        lambda w, a, t: Call(
            "POST",
            "/api/v1/agencies",
            {
                "name": "Sở Thử nghiệm",
                "abbreviation": unique_abbrev(),
                "codes": [unique_code()],
                "parent": "UBND",
            },
        ),
        lambda a, t: 201 if a == "province.admin" else 403,
    ),
    ("GET", "/api/v1/agencies/{agency_id:int}/departments"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/agencies/{agency_id(w, a, t)}/departments"),
        read_departments,
        targeted=True,
    ),
    ("POST", "/api/v1/agencies/{agency_id:int}/departments"): Entry(
        lambda w, a, t: Call(
            "POST",
            f"/api/v1/agencies/{agency_id(w, a, t)}/departments",
            {"name": f"Phòng {uuid.uuid4().hex[:6]}"},
        ),
        manage(201),
        targeted=True,
    ),
    ("GET", "/api/v1/users"): Entry(
        lambda w, a, t: Call("GET", "/api/v1/users", params={"agency_id": agency_id(w, a, t)}),
        read_people,
        targeted=True,
    ),
    ("POST", "/api/v1/users"): Entry(
        lambda w, a, t: Call("POST", "/api/v1/users", new_user_body(w, a, t)),
        manage(201),
        targeted=True,
    ),
    ("GET", "/api/v1/users/{user_id:int}"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/users/{staff_of(w, a, t)}"),
        read_person,
        targeted=True,
    ),
    ("GET", "/api/v1/me/certificates"): Entry(
        lambda w, a, t: Call("GET", "/api/v1/me/certificates"), all_ok(200)
    ),
    ("POST", "/api/v1/me/certificates"): Entry(
        lambda w, a, t: Call("POST", "/api/v1/me/certificates", {"csr": p256_csr()}),
        lambda a, t: 403 if role(a) == "auditor" else 201,
    ),
    # Outgoing documents. Routes on a document are called on one that does not
    # exist (404 for everyone signed in); the real rules on real documents are pinned by
    # tests/integration/test_documents_*.py.
    ("POST", "/api/v1/documents"): Entry(
        lambda w, a, t: Call("POST", "/api/v1/documents", {"not": "multipart"}),
        lambda a, t: 403 if role(a) == "auditor" else 422,
    ),
    ("GET", "/api/v1/documents/{document_id:int}"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/documents/{MISSING_DOCUMENT}"), all_ok(404)
    ),
    ("GET", "/api/v1/documents/{document_id:int}/file"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/documents/{MISSING_DOCUMENT}/file"), all_ok(404)
    ),
    # edXML export: the issuing side's read rule, on real documents in
    # authz_content.CONTENT_ROUTES.
    ("GET", "/api/v1/documents/{document_id:int}/edxml"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/documents/{MISSING_DOCUMENT}/edxml"), all_ok(404)
    ),
    # Outgoing deliveries to peers: the agency's clerks see their own (another agency's
    # are not listed: pinned by tests/integration/test_exchange_delivery.py); a delivery
    # that does not exist is 404 for everyone.
    ("GET", "/api/v1/exchange/deliveries"): Entry(
        lambda w, a, t: Call("GET", "/api/v1/exchange/deliveries"),
        lambda a, t: 200 if role(a) == "clerk" else 403,
    ),
    ("POST", "/api/v1/exchange/deliveries/{delivery_id:int}/retry"): Entry(
        lambda w, a, t: Call("POST", f"/api/v1/exchange/deliveries/{MISSING_DOCUMENT}/retry"),
        all_ok(404),
    ),
    # Receiving an edXML package: a peer's token or a clerk/administrator (the package's
    # To agencies are checked once it is read; see test_edxml_import).
    ("POST", "/api/v1/exchange/packages"): Entry(
        lambda w, a, t: Call("POST", "/api/v1/exchange/packages", {}), hand_in_package
    ),
    # This system's own agencies for a peer (its token; see test_exchange_directory), or
    # for anyone signed in: the directory every clerk addresses documents with.
    ("GET", "/api/v1/exchange/directory"): Entry(
        lambda w, a, t: Call("GET", "/api/v1/exchange/directory"), all_ok(200)
    ),
    ("GET", "/api/v1/documents/{document_id:int}/attachments/{position:int}/file"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/documents/{MISSING_DOCUMENT}/attachments/1/file"),
        all_ok(404),
    ),
    ("POST", "/api/v1/documents/{document_id:int}/signatures/prepare"): Entry(
        lambda w, a, t: Call(
            "POST",
            f"/api/v1/documents/{MISSING_DOCUMENT}/signatures/prepare",
            {"certificate_id": 1},
        ),
        all_ok(404),
    ),
    ("POST", "/api/v1/documents/{document_id:int}/signatures/complete"): Entry(
        lambda w, a, t: Call(
            "POST",
            f"/api/v1/documents/{MISSING_DOCUMENT}/signatures/complete",
            {"session_id": "00000000-0000-0000-0000-000000000000", "signature": "AA=="},
        ),
        all_ok(404),
    ),
    ("POST", "/api/v1/documents/{document_id:int}/issue"): Entry(
        lambda w, a, t: Call("POST", f"/api/v1/documents/{MISSING_DOCUMENT}/issue"),
        all_ok(404),
    ),
    ("GET", "/api/v1/registers/outgoing"): Entry(
        lambda w, a, t: Call(
            "GET",
            "/api/v1/registers/outgoing",
            params={"year": 2026, "agency_id": agency_id(w, a, t)},
        ),
        lambda a, t: 200 if t == OWN or a == "province.auditor" else 403,
        targeted=True,
    ),
    # Routing between agencies. Routes on a transfer or document are called on
    # one that does not exist (404 for everyone signed in); the rules on real transfers
    # are pinned by tests/integration/test_routing_*.py.
    ("GET", "/api/v1/inbox"): Entry(lambda w, a, t: Call("GET", "/api/v1/inbox"), all_ok(200)),
    ("GET", "/api/v1/transfers/{transfer_id:int}"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/transfers/{MISSING_DOCUMENT}"), all_ok(404)
    ),
    ("GET", "/api/v1/transfers/{transfer_id:int}/verification"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/transfers/{MISSING_DOCUMENT}/verification"),
        all_ok(404),
    ),
    ("GET", "/api/v1/transfers/{transfer_id:int}/file"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/transfers/{MISSING_DOCUMENT}/file"), all_ok(404)
    ),
    ("POST", "/api/v1/transfers/{transfer_id:int}/accept"): Entry(
        lambda w, a, t: Call("POST", f"/api/v1/transfers/{MISSING_DOCUMENT}/accept"),
        all_ok(404),
    ),
    ("POST", "/api/v1/transfers/{transfer_id:int}/reject"): Entry(
        lambda w, a, t: Call(
            "POST", f"/api/v1/transfers/{MISSING_DOCUMENT}/reject", {"reason": "Gửi nhầm"}
        ),
        all_ok(404),
    ),
    ("POST", "/api/v1/transfers/{transfer_id:int}/assign"): Entry(
        lambda w, a, t: Call(
            "POST", f"/api/v1/transfers/{MISSING_DOCUMENT}/assign", {"user_id": 1}
        ),
        all_ok(404),
    ),
    ("POST", "/api/v1/transfers/{transfer_id:int}/start"): Entry(
        lambda w, a, t: Call("POST", f"/api/v1/transfers/{MISSING_DOCUMENT}/start"),
        all_ok(404),
    ),
    ("POST", "/api/v1/transfers/{transfer_id:int}/complete"): Entry(
        lambda w, a, t: Call("POST", f"/api/v1/transfers/{MISSING_DOCUMENT}/complete"),
        all_ok(404),
    ),
    ("POST", "/api/v1/transfers/{transfer_id:int}/recall/accept"): Entry(
        lambda w, a, t: Call("POST", f"/api/v1/transfers/{MISSING_DOCUMENT}/recall/accept"),
        all_ok(404),
    ),
    ("POST", "/api/v1/transfers/{transfer_id:int}/recall/refuse"): Entry(
        lambda w, a, t: Call(
            "POST", f"/api/v1/transfers/{MISSING_DOCUMENT}/recall/refuse", {"reason": "Không"}
        ),
        all_ok(404),
    ),
    ("GET", "/api/v1/documents/{document_id:int}/transfers"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/documents/{MISSING_DOCUMENT}/transfers"),
        all_ok(404),
    ),
    ("POST", "/api/v1/documents/{document_id:int}/correction"): Entry(
        lambda w, a, t: Call(
            "POST",
            f"/api/v1/documents/{MISSING_DOCUMENT}/correction",
            {"corrects_document_id": 1, "business_type": "replace"},
        ),
        all_ok(404),
    ),
    ("POST", "/api/v1/documents/{document_id:int}/dispatch"): Entry(
        lambda w, a, t: Call("POST", f"/api/v1/documents/{MISSING_DOCUMENT}/dispatch"),
        all_ok(404),
    ),
    ("POST", "/api/v1/documents/{document_id:int}/recall"): Entry(
        lambda w, a, t: Call(
            "POST", f"/api/v1/documents/{MISSING_DOCUMENT}/recall", {"reason": "Sai sót"}
        ),
        all_ok(404),
    ),
    ("GET", "/api/v1/registers/incoming"): Entry(
        lambda w, a, t: Call(
            "GET",
            "/api/v1/registers/incoming",
            params={"year": 2026, "agency_id": agency_id(w, a, t)},
        ),
        lambda a, t: 200 if t == OWN or a == "province.auditor" else 403,
        targeted=True,
    ),
    # Audit trail and verification. Chain status and checkpoints: auditors and
    # admins; events: auditors (scoped to their agency unless province-level); reports and
    # evidence of a document follow the document's read rule (pinned by test_audit_*.py).
    ("GET", "/api/v1/audit/verify"): Entry(
        lambda w, a, t: Call("GET", "/api/v1/audit/verify"),
        lambda a, t: 200 if role(a) in ("auditor", "admin") else 403,
    ),
    ("POST", "/api/v1/audit/checkpoints"): Entry(
        lambda w, a, t: Call("POST", "/api/v1/audit/checkpoints"),
        lambda a, t: 201 if role(a) in ("auditor", "admin") else 403,
    ),
    ("GET", "/api/v1/audit/events"): Entry(
        lambda w, a, t: Call("GET", "/api/v1/audit/events", params={"limit": 5}),
        lambda a, t: 200 if role(a) == "auditor" else 403,
    ),
    ("POST", "/api/v1/verify"): Entry(
        lambda w, a, t: Call("POST", "/api/v1/verify", {"not": "multipart"}), all_ok(422)
    ),
    ("GET", "/api/v1/documents/{document_id:int}/verification"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/documents/{MISSING_DOCUMENT}/verification"),
        all_ok(404),
    ),
    ("GET", "/api/v1/documents/{document_id:int}/evidence"): Entry(
        lambda w, a, t: Call("GET", f"/api/v1/documents/{MISSING_DOCUMENT}/evidence"),
        all_ok(404),
    ),
}

# The operations dashboard's rows live in their own table (it uses the helpers above).
from tests.integration.authz_dashboard_table import DASHBOARD_MATRIX, DASHBOARD_PAGES  # noqa: E402

MATRIX.update(DASHBOARD_MATRIX)

#: Routes anyone may call without signing in, with a call that must not answer 401/403.
PUBLIC: dict[tuple[str, str], Call] = {
    ("GET", "/health"): Call("GET", "/health"),
    ("POST", "/api/v1/auth/login"): Call(
        "POST", "/api/v1/auth/login", {"username": "stc.clerk", "password": PASSWORD}
    ),
    ("GET", "/dev-pki/haugiang/crls/{label:str}/latest.crl"): Call(
        "GET", "/dev-pki/haugiang/crls/stttt/latest.crl"
    ),
    ("POST", "/dev-pki/haugiang/ocsp/{label:str}"): Call("POST", "/dev-pki/haugiang/ocsp/stttt"),
    ("POST", "/dev-pki/haugiang/tsa/{label:str}"): Call("POST", "/dev-pki/haugiang/tsa/tsa"),
    ("GET", "/dev-pki/haugiang/ocsp/{label:str}/{encoded:path}"): Call(
        "GET", "/dev-pki/haugiang/ocsp/stttt/bm90LWRlcg%3D%3D"
    ),
    # The browser application: sign-in page, language switch, static assets.
    ("GET", "/sign-in"): Call("GET", "/sign-in"),
    ("GET", "/lang/{code:str}"): Call("GET", "/lang/en"),
    ("GET", "/static/{file_path:path}"): Call("GET", "/static/css/app.css"),
    ("GET", "/dev-pki/haugiang/certs/{label:str}/ca.crt"): Call(
        "GET", "/dev-pki/haugiang/certs/stttt/ca.crt"
    ),
    ("GET", "/dev-pki/haugiang/certs/{label:str}/ca.cert.pem"): Call(
        "GET", "/dev-pki/haugiang/certs/stttt/ca.cert.pem"
    ),
    # The trust anchors and how to import them: for readers outside docflow too.
    ("GET", "/api/v1/trust/anchors"): Call("GET", "/api/v1/trust/anchors"),
    ("GET", "/trust"): Call("GET", "/trust"),
}

#: The browser's pages: without a live session they send the browser to the
#: sign-in page (303, then back); signed in, they answer as the API underneath them.
PAGES: dict[tuple[str, str], Entry] = {
    **DASHBOARD_PAGES,
    ("GET", "/"): Entry(lambda w, a, t: Call("GET", "/"), all_ok(200)),
    ("GET", "/inbox"): Entry(lambda w, a, t: Call("GET", "/inbox"), all_ok(200)),
    ("GET", "/outbox"): Entry(lambda w, a, t: Call("GET", "/outbox"), all_ok(200)),
    ("GET", "/drafts"): Entry(lambda w, a, t: Call("GET", "/drafts"), all_ok(200)),
    ("GET", "/to-sign"): Entry(lambda w, a, t: Call("GET", "/to-sign"), all_ok(200)),
    ("GET", "/upload"): Entry(
        lambda w, a, t: Call("GET", "/upload"), _page_refusal(("auditor", "admin"))
    ),
    ("GET", "/documents/{document_id:int}"): Entry(
        lambda w, a, t: Call("GET", f"/documents/{MISSING_DOCUMENT}"), all_ok(404)
    ),
    ("GET", "/transfers/{transfer_id:int}"): Entry(
        lambda w, a, t: Call("GET", f"/transfers/{MISSING_DOCUMENT}"), all_ok(404)
    ),
    ("GET", "/registers"): Entry(lambda w, a, t: Call("GET", "/registers"), all_ok(200)),
    ("GET", "/verify"): Entry(lambda w, a, t: Call("GET", "/verify"), all_ok(200)),
    # Outgoing deliveries: the clerks of the sending agency (as the API underneath); the
    # form that sends a failed one again, on one that does not exist (404 for everyone;
    # real deliveries and other agencies: tests/integration/test_deliveries_page.py).
    ("GET", "/deliveries"): Entry(
        lambda w, a, t: Call("GET", "/deliveries"),
        lambda a, t: 200 if role(a) == "clerk" else 403,
    ),
    ("POST", "/deliveries/{delivery_id:int}/retry"): Entry(
        lambda w, a, t: Call(
            "POST", f"/deliveries/{MISSING_DOCUMENT}/retry", form={"csrf_token": page_csrf(w, a)}
        ),
        all_ok(404),
    ),
    # Background jobs are the deployment's: province administrators only. Retrying a job
    # that does not exist: 404 for them; real failed jobs (and one no longer failed):
    # tests/integration/test_jobs_queue.py.
    ("GET", "/admin/jobs"): Entry(
        lambda w, a, t: Call("GET", "/admin/jobs"),
        lambda a, t: 200 if a == "province.admin" else 403,
    ),
    ("POST", "/admin/jobs/retry"): Entry(
        lambda w, a, t: Call(
            "POST", "/admin/jobs/retry", form={"csrf_token": page_csrf(w, a), "ref": "none:0"}
        ),
        lambda a, t: 404 if a == "province.admin" else 403,
    ),
}

#: The OpenAPI documents and viewers Litestar mounts under /schema: public by design.
PUBLIC_PREFIXES = ("/schema",)

# The administration pages' rows live in their own table (it uses the helpers above).
from tests.integration.authz_admin_table import ADMIN_PAGES, ADMIN_ROUTES  # noqa: E402

PAGES.update(ADMIN_PAGES)
MATRIX.update(ADMIN_ROUTES)

# Search and the work queues (issue 16) keep their rows beside their tests.
from tests.integration.authz_search import SEARCH_MATRIX, SEARCH_PAGES  # noqa: E402

MATRIX.update(SEARCH_MATRIX)
PAGES.update(SEARCH_PAGES)

# The features added since keep their rows beside their own tests.
from tests.integration.authz_features import FEATURE_MATRIX, FEATURE_PAGES  # noqa: E402

MATRIX.update(FEATURE_MATRIX)
PAGES.update(FEATURE_PAGES)
