"""Property-based API testing with schemathesis against ``/schema/openapi.json``: a
bounded run (a fixed number of examples per operation, derandomised, a time limit)
signed in as a clerk, so generated requests reach the handlers. The rule: no 5xx but
a documented 503, and every answer has a status code, content type and body the schema
declares. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from docflow.app import create_app
from docflow.core.settings import Settings
from tests.integration.authz_world import World, build_world

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

#: Examples generated per operation: enough to try each parameter's edges, bounded so
#: the whole run stays within a few minutes on two cores.
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[World]:
    yield from build_world(request.param, tmp_path_factory.mktemp(f"st-{request.param}"))


class _AppUnderTest:
    """ASGI app forwarding to the docflow app of the database being tested: the schema
    (the same for both databases) is read once, the requests go to each in turn."""

    app: Any = create_app(Settings.from_env({"DOCFLOW_DATA_DIR": tempfile.mkdtemp()}))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # no background tasks: the run tests requests
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.app(scope, receive, send)


_target = _AppUnderTest()
# Not generated: the operations that end or change the session the run signs in with
# (their rules are pinned by test_auth_api.py and test_browser_protections.py).
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", _target).exclude(
    method="POST", path=["/api/v1/auth/logout", "/api/v1/me/password"]
)


@pytest.fixture(scope="module")
def token(api_world: World) -> str:
    app = create_app(api_world.settings)
    app.state.runtime.store.ensure_ready()
    _target.app = app
    return asyncio.run(api_world.new_token("stttt.clerk"))[0]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_as_its_schema_says(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_the_run_is_bounded() -> None:
    assert EXAMPLES <= 50 and Path(__file__).exists()
