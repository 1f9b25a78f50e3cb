"""Every API route, every role, own agency and another one: the answer the rules promise.

The routes are read from the application itself: a new route without an entry in
``authz_table.MATRIX`` (or ``PUBLIC``/``PAGES``) fails
``test_every_route_has_a_matrix_entry``. Runs on SQLite and PostgreSQL, with one
seeded database per module and sessions opened directly through the auth service
(no argon2 per request).
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, update
from sqlmodel import func, select

from docflow.app import create_app
from docflow.core.audit_models import AuditEvent
from docflow.core.models_base import utcnow
from docflow.documents.models_reading import DocumentReadMark
from tests.integration.authz_content import CASES, CONTENT_ROUTES, Built, build_content, expected
from tests.integration.authz_table import (
    ANONYMOUS,
    MATRIX,
    MISSING_DOCUMENT,
    OTHER,
    OWN,
    PAGES,
    PUBLIC,
    PUBLIC_PREFIXES,
    Call,
)
from tests.integration.authz_world import ACTORS, OTHER_AGENCY, PASSWORD, World, world  # noqa: F401


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


def _page_calls(entry: Any) -> list[tuple[str, str]]:
    """(actor, target) pairs a page entry is called with: both agencies if targeted."""
    pairs = [(ANONYMOUS, OWN)]
    for actor in ACTORS:
        pairs += [(actor, target) for target in ((OWN, OTHER) if entry.targeted else (OWN,))]
    return pairs


@pytest.mark.parametrize("route", sorted(PAGES), ids=lambda r: f"{r[0]} {r[1]}")
async def test_page_answers_as_the_matrix_says(world: World, route: tuple[str, str]) -> None:  # noqa: F811
    entry = PAGES[route]
    mismatches: list[str] = []
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        for actor, target in _page_calls(entry):
            call = entry.build(world, "stttt.clerk" if actor == ANONYMOUS else actor, target)
            token = None if actor == ANONYMOUS else world.tokens[actor]
            headers = {"Cookie": f"docflow_session={token}"} if token else {}
            response = await client.request(
                call.method, call.path, headers=headers, data=call.form, follow_redirects=False
            )
            expected = 303 if actor == ANONYMOUS else entry.expect(actor, target)
            if response.status_code != expected:
                mismatches.append(
                    f"{actor} on {target}: {response.status_code} (expected {expected})"
                )
            elif expected == 303 and actor == ANONYMOUS:
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


# --------------------------------------------------------------------------- the read rule


@pytest.fixture(scope="module")
def content(world: World) -> dict[str, Built]:  # noqa: F811
    return asyncio.run(build_content(world))


def _as(actor: str, page: bool) -> dict[str, str]:
    token = world_tokens[actor]
    return {"Cookie": f"docflow_session={token}"} if page else {"Authorization": f"Bearer {token}"}


world_tokens: dict[str, str] = {}


def test_every_content_route_is_in_the_read_matrix() -> None:
    covered = {r.split(" ", 1)[1].split("?")[0] for r in CONTENT_ROUTES}
    normal = {re.sub(r"\{[^}]+\}|(?<=/)\d+(?=/)", "{}", p) for p in covered}
    content_routes = {
        re.sub(r"\{[^}]+\}", "{}", path)
        for method, path in registered_routes()
        if method == "GET" and path.endswith(("/file", "/verification", "/evidence"))
    }
    assert content_routes <= normal, sorted(content_routes - normal)


@pytest.mark.parametrize("route", sorted(CONTENT_ROUTES))
async def test_document_content_is_served_only_to_its_readers(
    world: World,  # noqa: F811
    content: dict[str, Built],
    route: str,
) -> None:
    world_tokens.update(world.tokens)
    path_of, side = CONTENT_ROUTES[route]
    page = route.startswith("page")
    missing = Built(MISSING_DOCUMENT, MISSING_DOCUMENT)
    mismatches: list[str] = []
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        for name, case in CASES.items():
            built = content[name]
            for actor in ACTORS:
                want = expected(case, side, actor)
                answer = await client.get(path_of(built), headers=_as(actor, page))
                if answer.status_code != want:
                    mismatches.append(f"{name} as {actor}: {answer.status_code} (want {want})")
                elif want == 404 and not page:
                    # The same answer as for a document that does not exist at all.
                    gone = await client.get(path_of(missing), headers=_as(actor, page))
                    own_id = built.transfer_id if side == "transfer" else built.document_id
                    assert answer.json()["detail"].replace(str(own_id), "N") == (
                        gone.json()["detail"].replace(str(MISSING_DOCUMENT), "N")
                    ), (name, actor, answer.text, gone.text)
    assert not mismatches, "\n".join(mismatches)


async def test_a_confidential_read_is_recorded_once_per_person_and_window(
    world: World,  # noqa: F811
    content: dict[str, Built],
) -> None:
    world_tokens.update(world.tokens)
    secret = content["own-secret"]
    await _set_read_marks(world, secret.document_id, None)
    before = await _reads(world, secret.document_id)
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        for path in (
            f"/api/v1/documents/{secret.document_id}/file",
            f"/api/v1/documents/{secret.document_id}/file",  # pdf.js asks again
            f"/api/v1/transfers/{secret.transfer_id}/file",
            f"/api/v1/documents/{secret.document_id}/attachments/1/file",
        ):
            assert (await client.get(path, headers=_as("stttt.clerk", False))).status_code == 200
        refused = await client.get(
            f"/api/v1/documents/{secret.document_id}/file", headers=_as("stttt.admin", False)
        )
        assert refused.status_code == 404
        first = await _reads(world, secret.document_id)
        assert [e.actor_user_id for e in first[len(before):]] == [world.user_ids["stttt.clerk"]]
        await _set_read_marks(world, secret.document_id, timedelta(minutes=11))
        again = await client.get(
            f"/api/v1/documents/{secret.document_id}/file", headers=_as("stttt.clerk", False)
        )
        assert again.status_code == 200
    assert len(await _reads(world, secret.document_id)) == len(first) + 1


async def _reads(world: World, document_id: int) -> list[AuditEvent]:  # noqa: F811
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            query = (
                select(AuditEvent)
                .where(AuditEvent.action == "document.read")
                .where(AuditEvent.subject_id == str(document_id))
                .order_by(AuditEvent.seq)  # type: ignore[arg-type]
            )
            return list((await session.exec(query)).all())
    finally:
        await runtime.dispose()


async def _set_read_marks(world: World, document_id: int, age: timedelta | None) -> None:  # noqa: F811
    """Forget the document's read marks, or make them ``age`` old (what time would do)."""
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            where = DocumentReadMark.document_id == document_id
            if age is None:
                await session.exec(delete(DocumentReadMark).where(where))  # type: ignore[call-overload]
            else:
                await session.exec(
                    update(DocumentReadMark).where(where).values(recorded_at=utcnow() - age)  # type: ignore[call-overload]
                )
            await session.commit()
    finally:
        await runtime.dispose()
