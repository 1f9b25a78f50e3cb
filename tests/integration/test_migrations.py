"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import anyio.to_thread
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.core.db import create_engine, create_session_factory
from docflow.core.migrate import current_revision, downgrade, head_revision, upgrade

TABLES = {
    "agency",
    "agency_code",
    "department",
    "user_account",
    "user_role",
    "auth_session",
    "login_throttle",
    "personal_certificate",
    "audit_event",
    "audit_log",
    "audit_checkpoint",
}


def _differences(connection) -> list:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "render_as_batch": connection.dialect.name == "sqlite"},
    )
    return compare_metadata(context, SQLModel.metadata)


def _tables(connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_upgrade_from_empty_matches_the_models(database_url: str) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) >= TABLES
            assert await conn.run_sync(current_revision) == head_revision()
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)
    await anyio.to_thread.run_sync(downgrade, database_url, "base")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == set()
        await anyio.to_thread.run_sync(upgrade, database_url)
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) >= TABLES
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_timestamps_come_back_aware_in_utc(database_url: str) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    hanoi = timezone(timedelta(hours=7))
    written = datetime(2026, 11, 26, 16, 30, 15, 123456, tzinfo=hanoi)
    try:
        async with sessions() as session:
            session.add(Agency(name="Sở Tài chính", abbreviation="STC", created_at=written))
            await session.commit()
        async with sessions() as session:
            agency = (await session.exec(select(Agency))).one()
        assert agency.created_at == written
        assert agency.created_at.tzinfo == UTC
        assert agency.created_at.hour == 9
    finally:
        await engine.dispose()


async def test_foreign_keys_are_enforced(database_url: str) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            session.add(AgencyCode(code="000.99.00.H30", agency_id=4242))
            with pytest.raises(IntegrityError):
                await session.commit()
    finally:
        await engine.dispose()


async def test_naive_datetimes_are_refused(database_url: str) -> None:
    await anyio.to_thread.run_sync(upgrade, database_url)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            session.add(Agency(name="x", abbreviation="X", created_at=datetime(2026, 1, 1)))
            with pytest.raises(Exception, match="timezone-aware"):
                await session.commit()
    finally:
        await engine.dispose()


def test_migrations_have_one_head_and_do_not_import_the_app() -> None:
    from alembic.script import ScriptDirectory

    from docflow.core.migrate import alembic_config, migrations_directory

    script = ScriptDirectory.from_config(alembic_config(""))
    assert len(script.get_heads()) == 1
    application_import = re.compile(r"^\s*(from|import)\s+docflow\b", re.MULTILINE)
    for path in (migrations_directory() / "versions").glob("*.py"):
        # A revision must keep working when the models change later.
        assert not application_import.search(path.read_text()), (
            f"{path.name} imports application code"
        )
