"""A seeded database with live sessions for every demo role, shared by a test module.

Sessions are opened through the auth service (no argon2 per login): one token per
actor. Used by the authorization matrix and the auth tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from docflow.accounts.auth import open_session
from docflow.accounts.models_agency import Agency
from docflow.accounts.models_user import User
from docflow.bootstrap import build_runtime
from docflow.cli.demo import seed_demo
from docflow.core.migrate import upgrade
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings
from tests.services import (
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
    require,
)

PASSWORD = "matrix-password"
#: Who acts in the matrix: the five roles of STTTT, and the province-level accounts (UBND).
ACTORS: tuple[str, ...] = (
    "stttt.clerk",
    "stttt.leader",
    "stttt.specialist",
    "stttt.auditor",
    "stttt.admin",
    "province.admin",
    "province.auditor",
)
OTHER_AGENCY = "STC"


@dataclass
class World:
    url: str
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    agency_ids: dict[str, int] = field(default_factory=dict)
    agency_of: dict[str, str] = field(default_factory=dict)

    def runtime(self) -> Runtime:
        return build_runtime(self.settings)

    async def new_token(
        self, username: str, *, kind: str = "bearer", secret_key: str | None = None
    ) -> tuple[str, str]:
        """A fresh session (token, csrf token) for ``username``, opened in this loop."""
        runtime = self.runtime()
        try:
            async with runtime.session() as session:
                user = (await session.exec(select(User).where(User.username == username))).one()
                issued = await open_session(
                    session,
                    user,
                    secret_key=secret_key or self.settings.effective_secret_key,
                    lifetime=timedelta(hours=1),
                    kind=kind,
                )
                await session.commit()
                return issued.token, issued.csrf_token
        finally:
            await runtime.dispose()


async def _populate(world: World) -> None:
    runtime = world.runtime()
    try:
        async with runtime.transaction() as session:
            await seed_demo(session, PASSWORD)
            stttt = (await session.exec(select(Agency).where(Agency.abbreviation == "STTTT"))).one()
            # Someone of STTTT who acts in no test: the "own agency" person to look at.
            session.add(
                User(
                    username="stttt.staff",
                    full_name="Nhân viên STTTT",
                    agency_id=stttt.id,  # type: ignore[arg-type]
                    password_hash="x",
                )
            )
            await session.commit()
        async with runtime.session() as session:
            for agency in (await session.exec(select(Agency))).all():
                world.agency_ids[agency.abbreviation] = agency.id  # type: ignore[assignment]
            names = {v: k for k, v in world.agency_ids.items()}
            users = (await session.exec(select(User))).all()
            for user in users:
                world.user_ids[user.username] = user.id  # type: ignore[assignment]
                world.agency_of[user.username] = names[user.agency_id]
            for username in ACTORS:
                user = next(u for u in users if u.username == username)
                issued = await open_session(
                    session,
                    user,
                    secret_key=world.settings.effective_secret_key,
                    lifetime=timedelta(hours=1),
                )
                world.tokens[username] = issued.token
            await session.commit()
    finally:
        await runtime.dispose()


def build_world(kind: str, tmp: Path) -> Iterator[World]:
    """Yield a migrated, seeded database of ``kind`` (sqlite/postgresql) with sessions."""
    pg = None
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / 'docflow.db'}"
    else:
        ok, reason = postgres_available()
        require(ok, reason)
        pg = create_postgres_database()
        url = pg.url
    try:
        upgrade(url)
        settings = Settings.from_env({"DOCFLOW_DATA_DIR": str(tmp), "DOCFLOW_DATABASE_URL": url})
        world = World(url=url, settings=settings)
        asyncio.run(_populate(world))
        yield world
    finally:
        if pg is not None:
            drop_postgres_database(pg)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from build_world(request.param, tmp_path_factory.mktemp(f"world-{request.param}"))
