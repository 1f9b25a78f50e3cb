"""Handlers get a database session, the store and the settings by name."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
from litestar import get
from litestar.di import NamedDependency
from litestar.testing import AsyncTestClient
from sqlmodel import func, select

from docflow.accounts.models_agency import Agency
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.cli.demo import seed_demo
from docflow.core.db import AsyncSession
from docflow.core.migrate import upgrade
from docflow.core.settings import Settings
from storage import ObjectStore


async def test_handlers_receive_session_store_and_settings(
    database_url: str, tmp_path: Path
) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)
    settings = Settings.from_env(
        {"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": database_url}
    )

    @get("/test/agencies")
    async def count_agencies(
        db_session: NamedDependency[AsyncSession],
        store: NamedDependency[ObjectStore],
        settings: NamedDependency[Settings],
    ) -> dict[str, object]:
        count = (await db_session.exec(select(func.count()).select_from(Agency))).one()
        stored = await anyio.to_thread.run_sync(store.put_bytes, b"hello")
        return {"agencies": count, "sha256": stored.sha256, "env": settings.env}

    seeding = build_runtime(settings)  # the test client runs the app on another loop
    async with seeding.transaction() as session:
        await seed_demo(session, "a-password")
    await seeding.dispose()

    app = create_app(settings)
    app.register(count_agencies)
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/test/agencies")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["agencies"] == 6
    assert body["sha256"].startswith("2cf24dba")
    assert body["env"] == "development"
