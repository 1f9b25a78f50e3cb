"""Browser protections: headers on every response, JSON-only sign-in, sessions that end
with the password, a password policy. The CSP against the real pages and pdf.js is
checked in Chromium by tests/browser/test_web_flow.py."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from docflow.accounts.users import set_password
from docflow.app import create_app
from docflow.core.settings import Settings
from tests.integration.authz_world import PASSWORD, World, world  # noqa: F401

EVERY_KIND_OF_RESPONSE = [
    "/sign-in",  # a page
    "/static/css/app.css",  # a static file
    "/health",
    "/api/v1/me",  # 401
    "/api/v1/documents/999999",  # 404 from a handler
    "/no/such/page",  # 404 from the router
    "/schema/openapi.json",
]


def _settings(world: World, **extra: str) -> Settings:  # noqa: F811
    return Settings.from_env(
        {"DOCFLOW_DATA_DIR": str(world.settings.data_dir), "DOCFLOW_DATABASE_URL": world.url,
         **extra}
    )


async def test_every_response_carries_the_browser_protections(world: World) -> None:  # noqa: F811
    headers = {"Authorization": f"Bearer {world.tokens['stttt.clerk']}"}
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        for path in EVERY_KIND_OF_RESPONSE:
            answer = await client.get(path, headers=headers if "documents" in path else {})
            policy = answer.headers.get("content-security-policy", "")
            assert "frame-ancestors 'none'" in policy, (path, answer.status_code)
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
            assert "object-src 'none'" in policy, path
            assert answer.headers.get("x-frame-options") == "DENY", path
            assert answer.headers.get("x-content-type-options") == "nosniff", path
            assert answer.headers.get("referrer-policy") == "no-referrer", path
            # Plain http (the embedded default): no HSTS, it would pin a name to https.
            assert "strict-transport-security" not in answer.headers, path


async def test_https_adds_hsts_and_secure_session_cookies(world: World) -> None:  # noqa: F811
    settings = _settings(world, DOCFLOW_PUBLIC_URL="https://vanban.haugiang.gov.vn")
    async with AsyncTestClient(app=create_app(settings)) as client:
        page = await client.get("/sign-in")
        assert page.headers["strict-transport-security"].startswith("max-age=31536000")
        answer = await client.post(
            "/api/v1/auth/login",
            json={"username": "stc.clerk", "password": PASSWORD, "session": "cookie"},
        )
        assert answer.status_code == 200, answer.text
        cookies = answer.headers.get_list("set-cookie")
        assert cookies and all("Secure" in c for c in cookies), cookies


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_cross_origin_form_cannot_sign_a_visitor_in(
    world: World,  # noqa: F811
    media: str | None,
) -> None:
    body = f'{{"username": "stc.clerk", "password": "{PASSWORD}", "session": "cookie"}}'
    headers = {"Origin": "https://evil.example"}
    if media:
        headers["Content-Type"] = media
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        answer = await client.post("/api/v1/auth/login", content=body.encode(), headers=headers)
    assert answer.status_code == 415, answer.text
    assert "application/json" in answer.json()["detail"]
    assert not answer.headers.get_list("set-cookie")


async def test_changing_your_password_ends_your_other_sessions(world: World) -> None:  # noqa: F811
    mine, _ = await world.new_token("ubnd.clerk")
    other, _ = await world.new_token("ubnd.clerk")
    browser, _ = await world.new_token("ubnd.clerk", kind="cookie")
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        refused = await client.post(
            "/api/v1/me/password",
            json={"current_password": "not-it-at-all", "new_password": "a-new-long-secret"},
            headers={"Authorization": f"Bearer {mine}"},
        )
        assert refused.status_code == 403
        weak = await client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "password"},
            headers={"Authorization": f"Bearer {mine}"},
        )
        assert weak.status_code == 422
        changed = await client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "a-new-long-secret"},
            headers={"Authorization": f"Bearer {mine}"},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["other_sessions_ended"] == 2
        # The session that changed it goes on (the person is at the keyboard); every
        # other one, bearer or browser cookie, ends at once.
        assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {mine}"})
                ).status_code == 200
        assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"})
                ).status_code == 401
        client.cookies.set("docflow_session", browser)
        assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_password_set_by_an_administrator_ends_every_session(world: World) -> None:  # noqa: F811
    token, _ = await world.new_token("ubnd.leader")
    runtime = world.runtime()
    try:
        async with runtime.transaction() as session:
            await set_password(session, None, "ubnd.leader", "another-long-secret")
    finally:
        await runtime.dispose()
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        answer = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


@pytest.mark.parametrize("weak", ["password", "12345678", "1234567890", "Password123", "abc"])
async def test_common_and_short_passwords_are_refused_with_a_reason(
    world: World,  # noqa: F811
    weak: str,
) -> None:
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        answer = await client.post(
            "/api/v1/users",
            json={"username": f"weak.{len(weak)}{weak[:3].lower()}", "full_name": "Lê Văn Yếu",
                  "password": weak, "roles": ["clerk"]},
            headers={"Authorization": f"Bearer {world.tokens['stttt.admin']}"},
        )
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert "commonly used" in detail or "at least 10" in detail
