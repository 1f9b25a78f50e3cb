"""Every API route, every role, own agency and another one: the answer the rules promise.

The routes are read from the application itself: a new route without an entry in
``MATRIX`` (or ``PUBLIC``) fails ``test_every_route_has_a_matrix_entry``. Runs on SQLite
and PostgreSQL, with one seeded database per module and sessions opened directly
through the auth service (no argon2 per request).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar.testing import AsyncTestClient
from sqlmodel import func, select

from docflow.app import create_app
from docflow.models import AuditEvent
from tests.integration.authz_world import ACTORS, OTHER_AGENCY, PASSWORD, World, world  # noqa: F401

ANONYMOUS = "anonymous"
MISSING_DOCUMENT = 987654
OWN, OTHER = "own", "other"


def role(actor: str) -> str:
    return actor.split(".", 1)[1]


def province(actor: str) -> bool:
    return actor.startswith("province.")


def p256_csr() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def unique_abbrev() -> str:
    return "T" + uuid.uuid4().hex[:8].upper()


def unique_code() -> str:
    n = uuid.uuid4().int
    return f"{n % 1000:03d}.{n // 1000 % 100:02d}.{n // 100000 % 100:02d}.Z{n // 10**7 % 100:02d}"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None


@dataclass(frozen=True)
class Entry:
    """How to call a route for (actor, target) and what it must answer."""

    build: Callable[[World, str, str], Call]
    expect: Callable[[str, str], int]
    #: Whether own/other agency changes anything for this route.
    targeted: bool = False
    #: The call ends the session: use a fresh token.
    consumes_token: bool = False


def agency_id(w: World, actor: str, target: str) -> int:
    return w.agency_ids[w.agency_of[actor] if target == OWN else OTHER_AGENCY]


def staff_of(w: World, actor: str, target: str) -> int:
    # someone of the target agency who is not the actor (and not an actor at all)
    abbrev = (w.agency_of[actor] if target == OWN else OTHER_AGENCY).lower()
    return w.user_ids[f"{abbrev}.clerk" if abbrev != "stttt" else "stttt.staff"]


def new_user_body(w: World, actor: str, target: str) -> dict[str, Any]:
    return {
        "username": f"u{uuid.uuid4().hex[:10]}",
        "full_name": "Nguyễn Văn Thử",
        "password": "a-long-password",
        "roles": ["specialist"],
        "agency_id": agency_id(w, actor, target),
    }


def all_ok(status: int) -> Callable[[str, str], int]:
    return lambda actor, target: status


def manage(created: int) -> Callable[[str, str], int]:
    """Admin of the agency, or a province admin."""

    def expect(actor: str, target: str) -> int:
        if role(actor) == "admin" and (target == OWN or province(actor)):
            return created
        return 403

    return expect


def read_people(actor: str, target: str) -> int:
    if role(actor) in ("admin", "auditor") and (target == OWN or province(actor)):
        return 200
    return 403


def read_person(actor: str, target: str) -> int:
    if role(actor) in ("admin", "auditor") and (target == OWN or province(actor)):
        return 200
    return 403 if target == OWN else 404  # another agency's people: not even "exists"


def read_departments(actor: str, target: str) -> int:
    if target == OWN:
        return 200
    return 200 if province(actor) and role(actor) in ("admin", "auditor") else 403


MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", "/api/v1/me"): Entry(lambda w, a, t: Call("GET", "/api/v1/me"), all_ok(200)),
    ("POST", "/api/v1/auth/logout"): Entry(
        lambda w, a, t: Call("POST", "/api/v1/auth/logout"), all_ok(200), consumes_token=True
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
    # Outgoing documents (issue #5). Routes on a document are called on one that does not
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
    # Routing between agencies (issue #6). Routes on a transfer or document are called on
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
    # Audit trail and verification (issue #7). Chain status and checkpoints: auditors and
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
    # The browser application (issue #8): sign-in page, language switch, static assets.
    ("GET", "/sign-in"): Call("GET", "/sign-in"),
    ("GET", "/lang/{code:str}"): Call("GET", "/lang/en"),
    ("GET", "/static/{file_path:path}"): Call("GET", "/static/css/app.css"),
    ("GET", "/dev-pki/haugiang/certs/{label:str}/ca.crt"): Call(
        "GET", "/dev-pki/haugiang/certs/stttt/ca.crt"
    ),
    ("GET", "/dev-pki/haugiang/certs/{label:str}/ca.cert.pem"): Call(
        "GET", "/dev-pki/haugiang/certs/stttt/ca.cert.pem"
    ),
}

def _page_refusal(forbidden: tuple[str, ...]) -> Callable[[str, str], int]:
    return lambda actor, target: 403 if role(actor) in forbidden else 200


#: The browser's pages (issue #8): without a live session they send the browser to the
#: sign-in page (303, then back); signed in, they answer as the API underneath them.
PAGES: dict[tuple[str, str], Entry] = {
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
}

#: The OpenAPI documents and viewers Litestar mounts under /schema: public by design.
PUBLIC_PREFIXES = ("/schema",)


def registered_routes() -> set[tuple[str, str]]:
    app = create_app()
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        for method in getattr(route, "methods", ()):
            if method not in ("OPTIONS", "HEAD"):
                found.add((method, route.path))
    return found


def test_every_route_has_a_matrix_entry() -> None:
    routes = {r for r in registered_routes() if not r[1].startswith(PUBLIC_PREFIXES)}
    missing = routes - set(MATRIX) - set(PUBLIC) - set(PAGES)
    assert not missing, f"routes without an authorization-matrix entry: {sorted(missing)}"
    stale = (set(MATRIX) | set(PUBLIC) | set(PAGES)) - routes
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


async def _send(client: AsyncTestClient, call: Call, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.request(
        call.method, call.path, json=call.json, params=call.params, headers=headers
    )


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
async def test_route_answers_as_the_matrix_says(world: World, route: tuple[str, str]) -> None:  # noqa: F811
    entry = MATRIX[route]
    mismatches: list[str] = []
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        for actor in (*ACTORS, ANONYMOUS):
            for target in (OWN, OTHER) if entry.targeted else (OWN,):
                if actor == ANONYMOUS:
                    call = entry.build(world, "stttt.clerk", target)
                    expected, token = 401, None
                else:
                    call = entry.build(world, actor, target)
                    expected = entry.expect(actor, target)
                    token = (
                        (await world.new_token(actor))[0]
                        if entry.consumes_token
                        else world.tokens[actor]
                    )
                response = await _send(client, call, token)
                if response.status_code != expected:
                    mismatches.append(
                        f"{actor} on {target}: {response.status_code} (expected {expected}) "
                        f"{response.text[:160]}"
                    )
                elif expected >= 400:
                    body = response.json()
                    assert set(body) >= {"status_code", "detail"} and body["detail"], body
                    if expected == 404:
                        # Nothing of the other agency's person shows in the answer.
                        assert "clerk" not in response.text and "staff" not in response.text
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("route", sorted(PAGES), ids=lambda r: f"{r[0]} {r[1]}")
async def test_page_answers_as_the_matrix_says(world: World, route: tuple[str, str]) -> None:  # noqa: F811
    entry = PAGES[route]
    mismatches: list[str] = []
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        for actor in (*ACTORS, ANONYMOUS):
            call = entry.build(world, "stttt.clerk" if actor == ANONYMOUS else actor, OWN)
            token = None if actor == ANONYMOUS else world.tokens[actor]
            headers = {"Cookie": f"docflow_session={token}"} if token else {}
            response = await client.get(call.path, headers=headers, follow_redirects=False)
            expected = 303 if actor == ANONYMOUS else entry.expect(actor, OWN)
            if response.status_code != expected:
                mismatches.append(f"{actor}: {response.status_code} (expected {expected})")
            elif expected == 303:
                assert response.headers["location"].startswith("/sign-in?next="), response.headers
            elif expected >= 400:
                # A refusal is a page that says why, not a bare status.
                assert "text/html" in response.headers["content-type"]
                assert 'class="error-reason"' in response.text, response.text[:300]
    assert not mismatches, "\n".join(mismatches)


async def test_public_routes_need_no_sign_in(world: World) -> None:  # noqa: F811
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        for route, call in PUBLIC.items():
            response = await _send(client, call, None)
            assert response.status_code not in (401, 403), (route, response.text)
            assert response.status_code < 500, (route, response.text)


async def test_cross_agency_refusals_are_in_the_audit_trail(world: World) -> None:  # noqa: F811
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        other_person = world.user_ids["stc.clerk"]
        token = world.tokens["stttt.admin"]
        before = await _count_denied(world)
        response = await _send(client, Call("GET", f"/api/v1/users/{other_person}"), token)
        assert response.status_code == 404
        response = await _send(
            client,
            Call("GET", "/api/v1/users", params={"agency_id": world.agency_ids[OTHER_AGENCY]}),
            token,
        )
        assert response.status_code == 403
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            events = (
                await session.exec(
                    select(AuditEvent)
                    .where(AuditEvent.action == "access.denied")
                    .order_by(AuditEvent.seq.desc())  # type: ignore[attr-defined]
                    .limit(2)
                )
            ).all()
    finally:
        await runtime.dispose()
    assert await _count_denied(world) == before + 2
    listed, read = events
    assert read.subject_type == "user" and read.subject_id == str(other_person)
    assert read.details == {"attempted": "user.read", "answered": 404}
    assert read.actor_user_id == world.user_ids["stttt.admin"]
    assert listed.details["attempted"] == "user.list"
    assert read.request_id  # tied to the HTTP request


async def _count_denied(w: World) -> int:
    runtime = w.runtime()
    try:
        async with runtime.session() as session:
            query = select(func.count()).where(AuditEvent.action == "access.denied")
            return int((await session.exec(query)).one())
    finally:
        await runtime.dispose()


def _fill(path: str) -> str:
    """``/api/v1/users/{user_id:int}`` -> ``/api/v1/users/1``."""
    import re

    return re.sub(r"\{[^}:]+:int\}", "1", re.sub(r"\{[^}:]+:str\}", "x", path))


async def test_every_protected_route_refuses_missing_forged_and_ended_sessions(
    world: World,  # noqa: F811
) -> None:
    """All routes, including ones whose matrix entries are still to come: no answer
    but 401 without a live session (checked before any body or path is looked at)."""
    ended = (await world.new_token("stttt.clerk"))[0]
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        response = await _send(client, Call("POST", "/api/v1/auth/logout"), ended)
        assert response.status_code == 200
        wrong: list[str] = []
        for method, path in sorted(registered_routes()):
            if (method, path) in PUBLIC or path.startswith(PUBLIC_PREFIXES):
                continue
            if (method, path) in PAGES:  # pages send the browser to sign in instead
                continue
            for token in (None, "forged-token", ended):
                response = await _send(client, Call(method, _fill(path), json={}), token)
                if response.status_code != 401:
                    wrong.append(f"{method} {path} with {token!r}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
