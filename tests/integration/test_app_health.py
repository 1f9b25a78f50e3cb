"""The HTTP shell: /health, OpenAPI, one error shape, request ids."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.params import FromPath, FromQuery
from litestar.testing import AsyncTestClient

from docflow.app import create_app
from docflow.core.settings import Settings
from tests.services import S3Server, free_port


def settings_for(database_url: str, storage_url: str, data_dir: Path) -> Settings:
    return Settings.from_env(
        {
            "DOCFLOW_DATA_DIR": str(data_dir),
            "DOCFLOW_DATABASE_URL": database_url,
            "DOCFLOW_STORAGE_URL": storage_url,
        }
    )


def local(tmp_path: Path) -> Settings:
    return settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'docflow.db'}", f"file://{tmp_path / 'objects'}", tmp_path
    )


async def client_for(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async for c in client_for(local(tmp_path)):
        yield c


async def test_health_is_ok_on_sqlite_and_a_local_store(client: AsyncTestClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.postgres
@pytest.mark.s3
async def test_health_is_ok_on_postgresql_and_s3(
    postgres_database, s3_server: S3Server, tmp_path: Path
) -> None:
    settings = settings_for(postgres_database.url, s3_server.url("docflow-health"), tmp_path)
    app = create_app(settings)
    # The bucket is made by `docflow serve`'s start checks (or compose); here by hand.
    app.state.runtime.store.ensure_ready()
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/health")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}


async def test_health_tells_anonymous_callers_only_that_the_database_is_away(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(
        f"postgresql+asyncpg://docflow:secret@127.0.0.1:{free_port()}/docflow",
        f"file://{tmp_path / 'objects'}",
        tmp_path,
    )
    with caplog.at_level(logging.WARNING, logger="docflow.core.health"):
        async for client in client_for(settings):
            response = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    # What failed is for the operator, in the log.
    assert "database connection refused" in caplog.text


async def test_health_does_not_show_the_store_path_to_anonymous_callers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store's directory should be")
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'docflow.db'}", f"file://{blocker / 'objects'}", tmp_path
    )
    with caplog.at_level(logging.WARNING, logger="docflow.core.health"):
        async for client in client_for(settings):
            response = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert str(tmp_path) not in response.text
    assert "objects" in caplog.text and "database ok" in caplog.text


async def test_health_tells_anonymous_callers_only_that_the_store_is_away(
    tmp_path: Path,
) -> None:
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'docflow.db'}",
        f"s3://key:secret@127.0.0.1:{free_port()}/docflow?secure=false",
        tmp_path,
    )
    async for client in client_for(settings):
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "secret" not in response.text and "127.0.0.1" not in response.text


async def test_openapi_schema_is_served(client: AsyncTestClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "docflow"
    assert schema["info"]["version"]
    assert "/health" in schema["paths"]


async def test_unknown_route_is_a_json_404_with_a_sentence(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status_code"] == 404
    assert body["detail"] == "Nothing was found at this address: GET /api/v1/no/such/thing."


async def test_unknown_page_is_an_html_404_page(client: AsyncTestClient) -> None:
    # Outside /api/ a person reads the answer: a page in the site's frame (issue 16).
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert 'class="error-reason"' in response.text


async def test_wrong_method_is_a_json_405(client: AsyncTestClient) -> None:
    response = await client.delete("/health")
    assert response.status_code == 405
    assert response.json()["status_code"] == 405
    assert "DELETE /health" in response.json()["detail"]


async def test_validation_errors_name_the_field(tmp_path: Path) -> None:
    @get("/api/test/items/{item_id:int}", sync_to_thread=False, opt={"public": True})
    def item(item_id: FromPath[int], limit: FromQuery[int]) -> dict[str, int]:
        return {"id": item_id, "limit": limit}

    app = create_app(local(tmp_path))
    app.register(item)
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/api/test/items/3", params={"limit": "many"})
    assert response.status_code == 400
    body = response.json()
    assert body["status_code"] == 400
    assert body["detail"].startswith("The request is not valid: limit:")
    assert body["extra"]


async def test_internal_error_is_a_generic_500_and_logged_with_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    @get("/api/test/boom", sync_to_thread=False, opt={"public": True})
    def boom() -> None:
        raise RuntimeError("database password is hunter2")

    app = create_app(local(tmp_path))
    app.register(boom)
    with caplog.at_level(logging.INFO):
        async with AsyncTestClient(app=app) as client:
            response = await client.get("/api/test/boom", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    body = response.json()
    assert body["status_code"] == 500
    assert body["detail"].startswith("Something went wrong on the server.")
    assert "req-500" in body["detail"]
    assert "hunter2" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.exc_info and r.request_id == "req-500"]
    assert logged, "the traceback is logged server-side with the request id"


async def test_request_id_is_echoed_and_on_every_log_record(
    client: AsyncTestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    access = [r for r in caplog.records if r.name == "docflow.access"]
    assert access and all(r.request_id == "abc-123" for r in access)
    assert "GET /health -> 200" in access[-1].getMessage()


async def test_request_id_is_made_up_when_missing_or_unsafe(client: AsyncTestClient) -> None:
    made_up = (await client.get("/health")).headers["X-Request-ID"]
    assert len(made_up) == 32
    unsafe = (await client.get("/nope", headers={"X-Request-ID": "a b\tc"})).headers
    assert unsafe["X-Request-ID"] not in ("a b\tc", made_up)
