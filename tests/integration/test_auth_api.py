"""Signing in and out over HTTP, sessions that stop working, CSRF, throttling, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import func, select

from docflow.accounts import auth as auth_service
from docflow.accounts.models_agency import Agency
from docflow.accounts.models_user import User
from docflow.accounts.throttle import LoginPolicy
from docflow.app import create_app
from docflow.audit.chain import verify_chain
from docflow.core.audit_models import AuditEvent
from docflow.core.errors import NotAuthenticated, TooManyAttempts
from tests.integration.authz_world import PASSWORD, World, world  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def events(world: World, action: str) -> list[AuditEvent]:  # noqa: F811
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)  # type: ignore[arg-type]
            return list((await session.exec(query)).all())
    finally:
        await runtime.dispose()


async def test_login_gives_a_bearer_token_that_works_until_logout(world: World) -> None:  # noqa: F811
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"username": "STTTT.Leader", "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["user"]["username"] == "stttt.leader"
        assert body["user"]["full_name"] == "Nguyễn Thị Hồng Nhung"
        assert "password" not in response.text and "argon2" not in response.text
        expires = datetime.fromisoformat(body["expires_at"])
        assert abs(expires - (datetime.now(UTC) + timedelta(hours=8))) < timedelta(minutes=1)
        token = body["token"]

        me = await client.get("/api/v1/me", headers=bearer(token))
        assert me.status_code == 200
        assert me.json()["agency_abbreviation"] == "STTTT"
        assert (await client.post("/api/v1/auth/logout", headers=bearer(token))).status_code == 200
        after = await client.get("/api/v1/me", headers=bearer(token))
        assert after.status_code == 401
        assert "logged out" in after.json()["detail"]
        assert after.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await events(world, "auth.login"))[-1].actor_user_id == world.user_ids["stttt.leader"]


async def test_forged_and_expired_tokens_are_refused(world: World) -> None:  # noqa: F811
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            user = (await session.exec(select(User).where(User.username == "stc.leader"))).one()
            expired = await auth_service.open_session(
                session,
                user,
                secret_key=world.settings.effective_secret_key,
                lifetime=timedelta(seconds=-1),
            )
            await session.commit()
    finally:
        await runtime.dispose()
    live = world.tokens["stttt.clerk"]
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        for token, reason in (
            (expired.token, "expired"),
            ("forged-" + live[7:], "not valid"),
            (live[:-1] + ("A" if live[-1] != "A" else "B"), "not valid"),
        ):
            response = await client.get("/api/v1/me", headers=bearer(token))
            assert response.status_code == 401, token
            assert reason in response.json()["detail"]
        assert (
            await client.get("/api/v1/me", headers={"Authorization": "Basic eA=="})
        ).status_code == 401
    # A token is only good with the key it was made with.
    other_key = world.settings.__class__(**{**world.settings.__dict__, "secret_key": "x" * 40})
    async with AsyncTestClient(app=create_app(other_key)) as client:
        assert (await client.get("/api/v1/me", headers=bearer(live))).status_code == 401


async def test_browser_session_uses_a_cookie_and_needs_the_csrf_header(world: World) -> None:  # noqa: F811
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        response = await client.post(
            "/api/v1/auth/login",
            json={"username": "stc.clerk", "password": PASSWORD, "session": "cookie"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body.get("token") is None  # the page's script never sees the session token
        csrf = body["csrf_token"]
        set_cookie = response.headers.get_list("set-cookie")
        session_cookie = next(c for c in set_cookie if c.startswith("docflow_session="))
        assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie.replace(
            "Lax", "lax"
        )
        assert any(c.startswith(f"docflow_csrf={csrf}") for c in set_cookie)

        assert (await client.get("/api/v1/me")).status_code == 200  # safe: no header needed
        refused = await client.post("/api/v1/auth/logout")
        assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
        wrong = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "0" * 64})
        assert wrong.status_code == 403
        ok = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 200
        client.cookies.set("docflow_session", session_cookie.split(";")[0].split("=", 1)[1])
        assert (await client.get("/api/v1/me")).status_code == 401


async def test_repeated_failures_back_off_and_are_recorded_once(world: World) -> None:  # noqa: F811
    # The default back-off starts at one second: a slow machine could let it run out
    # between two requests, so the API is driven with a longer one here and the default
    # is checked on its own (test_default_back_off_is_seconds_not_a_lockout).
    app = create_app(world.settings)
    app.state.login_policy = LoginPolicy(base_delay=timedelta(seconds=20))
    async with AsyncTestClient(app=app) as client:
        for _ in range(5):
            response = await client.post(
                "/api/v1/auth/login", json={"username": "stc.leader", "password": "wrong-guess"}
            )
            assert response.status_code == 401
            assert response.json()["detail"] == "The username or password is wrong."
        throttled = await client.post(
            "/api/v1/auth/login", json={"username": "stc.leader", "password": PASSWORD}
        )
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["Retry-After"]) <= 20
        assert "Too many failed sign-ins" in throttled.json()["detail"]
        # another account from the same address still signs in
        other = await client.post(
            "/api/v1/auth/login", json={"username": "stc.specialist", "password": PASSWORD}
        )
        assert other.status_code == 200
    failed = [e for e in await events(world, "auth.login_failed") if e.subject_id == "stc.leader"]
    assert len(failed) == 1  # the first failure of the run; the rest are counted, not listed
    throttle = [e for e in await events(world, "auth.throttled") if e.subject_id == "stc.leader"]
    assert throttle and throttle[-1].details["scope"] == "account"
    assert throttle[-1].details["failures"] == 5


def test_default_back_off_is_seconds_not_a_lockout() -> None:
    policy = auth_service.DEFAULT_POLICY
    pair, address = "pair:stc.leader|10.0.0.1", "address:10.0.0.1"
    assert policy.allowance(pair) == 5
    assert policy.delay(pair, 5) == timedelta(seconds=1)  # the first back-off: a second
    assert policy.delay(pair, 6) == timedelta(seconds=2)
    assert policy.delay(pair, 50) == timedelta(minutes=15)  # capped, never a lockout
    assert policy.allowance(address) == 30
    assert policy.delay(address, 100) == timedelta(minutes=1)  # an office's NAT: seconds


async def test_failures_from_one_address_are_throttled_across_accounts(world: World) -> None:  # noqa: F811
    policy = auth_service.LoginPolicy(free_per_pair=5, free_per_address=4)
    runtime = world.runtime()
    try:
        for i in range(4):
            async with runtime.session() as session:
                with pytest.raises(NotAuthenticated):
                    await auth_service.login(
                        session,
                        username=f"nobody{i}",
                        password="x",
                        source_ip="10.9.9.9",
                        secret_key="k" * 40,
                        lifetime=timedelta(hours=1),
                        policy=policy,
                    )
        async with runtime.session() as session:
            with pytest.raises(TooManyAttempts) as caught:
                await auth_service.login(
                    session,
                    username="stc.admin",
                    password=PASSWORD,
                    source_ip="10.9.9.9",
                    secret_key="k" * 40,
                    lifetime=timedelta(hours=1),
                    policy=policy,
                )
        # slowed for a moment, never shut out for long: the cap of an address's back-off
        assert 0 < caught.value.retry_after <= policy.max_delay_address.total_seconds()
    finally:
        await runtime.dispose()
    assert (await events(world, "auth.throttled"))[-1].details["scope"] == "address"


BAD_USERS = [
    ({"username": "Bad User!"}, "Username"),
    ({"full_name": "x" * 300}, "at most 255"),
    ({"full_name": "Nguyễn\u0000Văn"}, "control"),
    ({"full_name": "Nguyễn\u202eVăn"}, "control"),
    ({"roles": ["boss"]}, "Unknown role"),
    ({"roles": []}, "at least one role"),
    ({"password": "short"}, "at least 10"),
    ({"password": "password123"}, "commonly used"),
    ({"password": "1234567890"}, "commonly used"),
    ({"password": "new.person1", "username": "new.person1"}, "not be the username"),
    ({"username": "stttt.clerk"}, "already taken"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_USERS, ids=[r for _, r in BAD_USERS])
async def test_bad_people_are_refused_with_a_reason_and_nothing_is_created(
    world: World,  # noqa: F811
    change: dict[str, object],
    reason: str,
) -> None:
    body = {
        "username": "new.person",
        "full_name": "Trần Thị Mới",
        "password": "a-long-password",
        "roles": ["clerk"],
        **change,
    }
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        before = await count_users(world)
        response = await client.post(
            "/api/v1/users", json=body, headers=bearer(world.tokens["stttt.admin"])
        )
        assert response.status_code == 422, response.text
        assert reason in response.json()["detail"]
        assert await count_users(world) == before


BAD_AGENCIES = [
    ({"codes": ["000.00.00.H3"]}, "wrong shape"),
    ({"codes": ["H30.00.00.000"]}, "wrong shape"),
    ({"codes": []}, "at least one"),
    ({"codes": ["000.00.00.H30"]}, "already used"),
    ({"abbreviation": "STTTT"}, "already used"),
    ({"abbreviation": "bad abbrev"}, "not valid"),
    ({"name": "Sở\u0007Mới"}, "control"),
    ({"parent": "NOPE"}, "no agency"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_AGENCIES, ids=[r for _, r in BAD_AGENCIES])
async def test_bad_agencies_are_refused_with_a_reason_and_nothing_is_created(
    world: World,  # noqa: F811
    change: dict[str, object],
    reason: str,
) -> None:
    body = {"name": "Sở Mới", "abbreviation": "SMOI", "codes": ["000.77.00.H30"], **change}
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        before = await count_agencies(world)
        response = await client.post(
            "/api/v1/agencies", json=body, headers=bearer(world.tokens["province.admin"])
        )
        assert response.status_code == 422, response.text
        assert reason in response.json()["detail"]
        assert await count_agencies(world) == before


async def test_the_audit_chain_stays_intact(world: World) -> None:  # noqa: F811
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            report = await verify_chain(session)
    finally:
        await runtime.dispose()
    assert report.intact, report
    assert report.events > 0


async def count_users(world: World) -> int:  # noqa: F811
    return await _count(world, User)


async def count_agencies(world: World) -> int:  # noqa: F811
    return await _count(world, Agency)


async def _count(world: World, model: type) -> int:  # noqa: F811
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            return int((await session.exec(select(func.count()).select_from(model))).one())
    finally:
        await runtime.dispose()


async def test_the_directory_lists_codes_names_abbreviations_and_parents(world: World) -> None:  # noqa: F811
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        response = await client.get(
            "/api/v1/agencies", headers=bearer(world.tokens["stttt.specialist"])
        )
    assert response.status_code == 200
    by_abbrev = {a["abbreviation"]: a for a in response.json()}
    stttt = by_abbrev["STTTT"]
    assert stttt["code"] == "000.02.00.H30" and stttt["codes"] == ["000.02.00.H30"]
    assert stttt["name"] == "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
    assert stttt["parent_abbreviation"] == "UBND"
    assert by_abbrev["UBND"]["parent_id"] is None
    assert "seal" not in response.text  # key references are not for everyone


def test_session_lifetime_is_a_setting() -> None:
    from docflow.core.settings import Settings

    assert Settings.from_env({}).session_hours == 8
    assert Settings.from_env({"DOCFLOW_SESSION_HOURS": "2"}).session_hours == 2
    with pytest.raises(Exception, match="DOCFLOW_SESSION_HOURS"):
        Settings.from_env({"DOCFLOW_SESSION_HOURS": "0"})


async def test_odd_sign_ins_are_refused_cleanly(world: World) -> None:  # noqa: F811
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        long_name = await client.post(
            "/api/v1/auth/login", json={"username": "ž" * 300, "password": "whatever"}
        )
        assert long_name.status_code == 401, long_name.text
        huge = await client.post(
            "/api/v1/auth/login", json={"username": "stc.admin", "password": "x" * 100_000}
        )
        assert huge.status_code == 413, huge.text
        missing = await client.post("/api/v1/auth/login", json={"username": "stc.admin"})
        assert missing.status_code == 400 and "password" in missing.json()["detail"]
