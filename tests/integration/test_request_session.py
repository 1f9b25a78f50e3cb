"""One database connection per signed-in read: the sign-in guard's session is the
handler's ``db_session``, and it is given back whatever happens to the request."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event

from docflow.app import create_app
from tests.integration.authz_world import World, world  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def counting(app: Any) -> list[int]:
    """Connection checkouts of ``app``'s engine, appended as they happen."""
    checkouts: list[int] = []
    event.listen(app.state.runtime.engine.sync_engine, "checkout", lambda *a: checkouts.append(1))
    return checkouts


def checked_out(app: Any) -> int:
    return app.state.runtime.engine.sync_engine.pool.checkedout()  # type: ignore[no-any-return]


async def test_a_signed_in_read_checks_out_one_connection(world: World) -> None:  # noqa: F811
    app = create_app(world.settings)
    checkouts = counting(app)
    async with AsyncTestClient(app=app) as client:
        token = world.tokens["stttt.clerk"]
        for path in ("/api/v1/inbox", "/api/v1/me"):
            checkouts.clear()
            response = await client.get(path, headers=bearer(token))
            assert response.status_code == 200, response.text
            assert len(checkouts) == 1, path
            assert checked_out(app) == 0


async def test_refused_and_malformed_requests_give_the_connection_back(
    world: World,  # noqa: F811
) -> None:
    app = create_app(world.settings)
    async with AsyncTestClient(app=app) as client:
        token = world.tokens["stttt.clerk"]
        refused = await client.get("/api/v1/inbox", headers=bearer("forged-token"))
        assert refused.status_code == 401
        assert checked_out(app) == 0
        # Signed in, but a parameter Litestar refuses before any handler runs.
        bad = await client.get("/api/v1/inbox", params={"limit": "many"}, headers=bearer(token))
        assert bad.status_code == 400, bad.text
        assert checked_out(app) == 0
        # Refused by the service (after the handler took the session).
        wrong = await client.get("/api/v1/inbox", params={"status": "99"}, headers=bearer(token))
        assert wrong.status_code in (400, 422), wrong.text
        assert checked_out(app) == 0
        ok = await client.get("/api/v1/inbox", headers=bearer(token))
        assert ok.status_code == 200, ok.text
        assert checked_out(app) == 0


async def test_a_logged_out_token_is_refused_on_the_next_read(world: World) -> None:  # noqa: F811
    token, _ = await world.new_token("stttt.leader")
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        assert (await client.get("/api/v1/inbox", headers=bearer(token))).status_code == 200
        assert (await client.post("/api/v1/auth/logout", headers=bearer(token))).status_code == 200
        after = await client.get("/api/v1/inbox", headers=bearer(token))
        assert after.status_code == 401
