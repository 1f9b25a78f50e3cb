"""Every route of the app runs the app-wide guard, and no route can replace it.

The sign-in check of ``/api/`` and the bound on path ids run as the app's
``before_request`` hook (``docflow.app.app_guard``). Litestar takes the nearest layer's
hook, so a route or controller that set its own ``before_request`` would silently run
without sign-in: this test names any such route."""

from __future__ import annotations

from pathlib import Path

from litestar.routes import HTTPRoute

from docflow.app import app_guard, create_app
from docflow.core.settings import Settings


def test_every_http_route_runs_the_app_guard_before_parsing(tmp_path: Path) -> None:
    app = create_app(Settings.from_env({"DOCFLOW_DATA_DIR": str(tmp_path)}))
    checked, elsewhere = 0, []
    for route in app.routes:
        assert isinstance(route, HTTPRoute), f"{route.path}: not an HTTP route"
        for handler in route.route_handlers:
            checked += 1
            if handler.resolve_before_request() is not app_guard:
                elsewhere.append(f"{sorted(handler.http_methods)} {route.path}")
    assert checked > 100
    assert elsewhere == [], f"routes that do not run app_guard: {elsewhere}"


async def test_an_api_route_without_a_session_answers_401_before_its_input_is_read(
    tmp_path: Path,
) -> None:
    """A route with a body and an out-of-range id: the unsigned caller learns only 401."""
    from litestar.testing import AsyncTestClient

    settings = Settings.from_env({"DOCFLOW_DATA_DIR": str(tmp_path)})
    async with AsyncTestClient(app=create_app(settings)) as client:
        refused = await client.post(
            "/api/v1/documents/99999999999999999999/issue", content=b"{not json"
        )
        assert refused.status_code == 401
