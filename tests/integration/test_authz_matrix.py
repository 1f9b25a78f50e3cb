"""Every API route, every role, own agency and another one: the answer the rules promise.

The routes are read from the application itself: a new route without an entry in
``authz_table.MATRIX`` (or ``PUBLIC``/``PAGES``) fails
``test_every_route_has_a_matrix_entry``. Runs on SQLite and PostgreSQL, with one
seeded database per module and sessions opened directly through the auth service
(no argon2 per request).
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import func, select

from docflow.app import create_app
from docflow.models import AuditEvent
from tests.integration.authz_table import (
    ANONYMOUS,
    MATRIX,
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
