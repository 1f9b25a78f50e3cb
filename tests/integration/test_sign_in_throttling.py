"""Sign-in throttling that slows guessing without locking the owner out, on SQLite and
PostgreSQL: per (account, address) and per address, counted atomically in the
database, aggregated in the trail; X-Forwarded-For believed only from trusted proxies."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from docflow.accounts import auth as auth_service
from docflow.accounts.models_auth import AuthSession
from docflow.core.errors import NotAuthenticated, TooManyAttempts
from docflow.core.models_base import utcnow
from docflow.core.settings import Settings
from tests.integration.authz_world import PASSWORD, World, world  # noqa: F401
from tests.integration.guard_support import app_with_peers, count_events, peer, trail

LOGIN = "/api/v1/auth/login"


def creds(username: str, password: str) -> dict[str, str]:
    return {"username": username, "password": password}


async def _expire_backoff(world: World) -> None:  # noqa: F811
    """What waiting out every back-off does, without a test that sleeps."""
    from docflow.accounts.models_auth import LoginThrottle

    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            await session.exec(update(LoginThrottle).values(blocked_until=utcnow()))  # type: ignore[call-overload]
            await session.commit()
    finally:
        await runtime.dispose()


async def test_a_guesser_cannot_lock_the_owner_out(world: World) -> None:  # noqa: F811
    async with AsyncTestClient(app=app_with_peers(world.settings)) as client:
        for _ in range(8):
            await client.post(LOGIN, json=creds("stc.clerk", "wrong-guess"),
                              headers=peer("203.0.113.9"))
        guesser = await client.post(LOGIN, json=creds("stc.clerk", PASSWORD),
                                    headers=peer("203.0.113.9"))
        assert guesser.status_code == 429  # slowed, and no password was checked
        owner = await client.post(LOGIN, json=creds("stc.clerk", PASSWORD),
                                  headers=peer("198.51.100.7"))
        assert owner.status_code == 200, owner.text
        # Once the back-off passes, even the guesser's address gets its answer.
        await _expire_backoff(world)
        later = await client.post(LOGIN, json=creds("stc.clerk", PASSWORD),
                                  headers=peer("203.0.113.9"))
        assert later.status_code == 200, later.text


async def test_an_office_behind_one_address_is_slowed_not_shut_out(world: World) -> None:  # noqa: F811
    async with AsyncTestClient(app=app_with_peers(world.settings)) as client:
        for n in range(40):  # someone behind the office's NAT address tries many accounts
            await client.post(LOGIN, json=creds(f"nobody{n}", "wrong-guess"),
                              headers=peer("192.0.2.44"))
        colleague = await client.post(LOGIN, json=creds("stc.specialist", PASSWORD),
                                      headers=peer("192.0.2.44"))
        assert colleague.status_code == 429
        assert int(colleague.headers["Retry-After"]) <= 60  # seconds, not a quarter hour


async def test_parallel_guesses_get_no_more_password_checks_than_the_allowance(
    world: World,  # noqa: F811
) -> None:
    # Twenty sign-ins at once, each on its own connection (as twenty workers or instances
    # would run them): the test client would serialise HTTP requests, the service does not.
    runtime = world.runtime()

    async def guess(n: int) -> str:
        async with runtime.session() as session:
            try:
                await auth_service.login(
                    session, username="stc.leader", password=f"guess-{n}",
                    source_ip="203.0.113.20", secret_key="k" * 40, lifetime=timedelta(hours=1),
                )
            except NotAuthenticated:
                return "checked"
            except TooManyAttempts:
                return "refused"
            return "signed in"

    try:
        outcomes = await asyncio.gather(*(guess(n) for n in range(20)))
    finally:
        await runtime.dispose()
    # Each "checked" is a password that was tried: exactly the allowance of 5, never more.
    assert outcomes.count("checked") == 5, outcomes
    assert outcomes.count("refused") == 15, outcomes


async def test_the_start_of_the_day_behind_one_address_is_never_refused(
    world: World,  # noqa: F811
) -> None:
    # Sixty right passwords at once from one office NAT address, through four
    # instances' connection pools (more in flight than the address allowance of 30):
    # none is refused, and a wrong password afterwards is only a first failure, not a
    # back-off (a load run saw 8 of 618 such sign-ins get 429).
    runtimes = [world.runtime() for _ in range(4)]
    # Each person signs in at most 3 times at once (the pair allowance counts in flight).
    names = [n for n in world.user_ids if n != "stttt.staff"] * 3
    assert len(names) >= 60, names

    async def sign_in(n: int, password: str = PASSWORD) -> str:
        async with runtimes[n % 4].session() as session:
            try:
                await auth_service.login(
                    session, username=names[n], password=password,
                    source_ip="192.0.2.80", secret_key="k" * 40, lifetime=timedelta(hours=1),
                )
                await session.commit()
            except NotAuthenticated:
                return "wrong"
            except TooManyAttempts:
                return "refused"
            return "signed in"

    try:
        outcomes = await asyncio.gather(*(sign_in(n) for n in range(60)))
        assert outcomes == ["signed in"] * 60, outcomes
        assert await sign_in(0, "a typo") == "wrong"
        assert await sign_in(0) == "signed in"
    finally:
        for runtime in runtimes:
            await runtime.dispose()


async def test_a_flood_of_failed_sign_ins_is_aggregated_in_the_trail(world: World) -> None:  # noqa: F811
    before = await count_events(world)
    async with AsyncTestClient(app=app_with_peers(world.settings)) as client:
        for n in range(30):
            await client.post(LOGIN, json=creds("stc.auditor", f"guess-{n}"),
                              headers=peer("203.0.113.30"))
        for n in range(30):
            await client.post(LOGIN, json=creds(f"ghost{n}", "guess"),
                              headers=peer("203.0.113.31"))
    added = await count_events(world) - before
    assert added <= 6, f"60 refused sign-ins wrote {added} events"
    throttled = [
        e for e in await trail(world, "auth.throttled")
        if e.details.get("source_ip") in ("203.0.113.30", "203.0.113.31")
    ]
    assert throttled, "entering back-off is recorded"
    assert {e.details["scope"] for e in throttled} >= {"account", "address"}


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    world: World,  # noqa: F811
) -> None:
    spoofed = {"X-Forwarded-For": "1.2.3.4"}
    async with AsyncTestClient(app=app_with_peers(world.settings)) as client:
        answer = await client.post(LOGIN, json=creds("stc.admin", PASSWORD),
                                   headers=peer("203.0.113.40", **spoofed))
        assert answer.status_code == 200
    assert await _last_login_address(world) == "203.0.113.40"

    trusted = Settings.from_env(
        {
            "DOCFLOW_DATA_DIR": str(world.settings.data_dir),
            "DOCFLOW_DATABASE_URL": world.url,
            "DOCFLOW_TRUSTED_PROXIES": "10.0.0.0/8",
        }
    )
    async with AsyncTestClient(app=app_with_peers(trusted)) as client:
        await client.post(LOGIN, json=creds("stc.admin", PASSWORD),
                          headers=peer("10.1.2.3", **{"X-Forwarded-For": "198.51.100.1, 10.9.9.9"}))
        assert await _last_login_address(world) == "198.51.100.1"
        # Not an address: never stored as one; the proxy that sent it stands.
        await client.post(LOGIN, json=creds("stc.admin", PASSWORD),
                          headers=peer("10.1.2.3", **{"X-Forwarded-For": "<script>x</script>"}))
        assert await _last_login_address(world) == "10.1.2.3"


async def _last_login_address(world: World) -> str | None:  # noqa: F811
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            from sqlmodel import col, select

            row = (
                await session.exec(
                    select(AuthSession.source_ip).order_by(col(AuthSession.id).desc()).limit(1)
                )
            ).first()
            return row
    finally:
        await runtime.dispose()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_docflow_serve_never_lets_uvicorn_read_forwarded_headers(
    monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    import uvicorn

    import docflow.cli.main as cli
    import docflow.cli.startup as startup
    import docflow.core.http.listeners as listeners

    seen: dict[str, object] = {}

    async def no_preflight(*args: object, **kwargs: object) -> None:
        return None

    monkeypatch.setattr(startup, "preflight", no_preflight)
    # One worker: uvicorn.run; several: uvicorn's supervisor over a socket per worker.
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.update(k))
    monkeypatch.setattr(listeners, "bind_port", lambda host, port: None)
    monkeypatch.setattr(listeners, "run_workers", lambda *a, **k: seen.update(k))
    # serve sets these for the processes it starts: gone again after the test.
    for name in ("DOCFLOW_SERVE_BACKGROUND_LOCK", "DOCFLOW_WARM_UP"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(
        cli.main, ["serve", "--workers", workers], env={"DOCFLOW_TRUSTED_PROXIES": ""}
    )
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False
    assert not seen.get("forwarded_allow_ips")


def test_a_bad_trusted_proxy_setting_is_refused_with_a_reason() -> None:
    with pytest.raises(Exception, match="DOCFLOW_TRUSTED_PROXIES"):
        Settings.from_env({"DOCFLOW_TRUSTED_PROXIES": "10.0.0.1, not-an-address"})
