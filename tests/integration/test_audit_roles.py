"""The service's database role can only insert into and read the audit trail: TRUNCATE,
UPDATE and DELETE are refused to it by grants, and to anyone by triggers, which only the
tables' owner can switch off. The service works as that role all the same."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import anyio.to_thread
import pytest
from sqlalchemy import make_url, text

from docflow.audit.checkpoints import create_checkpoint
from docflow.audit.verify import verify_trail
from docflow.bootstrap import build_runtime
from docflow.core.db import create_engine
from docflow.core.migrate import upgrade
from docflow.core.settings import Settings
from tests.integration.audit_support import add_events
from tests.services import postgres_admin_url

REFUSED_TO_EVERYONE = [
    "UPDATE audit_event SET action = 'x'",
    "DELETE FROM audit_event",
    "UPDATE audit_log SET chain = digest",
    "DELETE FROM audit_log",
    "UPDATE audit_checkpoint SET reason = 'x'",
    "DELETE FROM audit_checkpoint",
]


async def _refused(engine, statement: str) -> str:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        with pytest.raises(Exception) as info:  # noqa: PT011 - the database's own error
            await conn.execute(text(statement))
        await conn.rollback()
    return str(info.value)


async def test_the_audit_tables_refuse_updates_and_deletes_by_trigger(
    database_url: str, tmp_path: Path
) -> None:
    """Even with the owner's (or the file's) rights, short of switching triggers off."""
    await anyio.to_thread.run_sync(upgrade, database_url)
    runtime = build_runtime(
        Settings.from_env({"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": database_url})
    )
    try:
        await anyio.to_thread.run_sync(runtime.store.ensure_ready)
        await add_events(runtime, 3)
        await create_checkpoint(runtime)
        for statement in REFUSED_TO_EVERYONE:
            assert "append-only" in await _refused(runtime.engine, statement), statement
        if runtime.engine.dialect.name == "postgresql":
            for table in ("audit_event", "audit_log", "audit_checkpoint"):
                message = await _refused(runtime.engine, f"TRUNCATE {table} CASCADE")
                assert "append-only" in message
        assert (await verify_trail(runtime)).ok
    finally:
        await runtime.dispose()


def _db_upgrade(
    owner_url: str, service_url: str, data_dir: Path
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DOCFLOW_DATA_DIR": str(data_dir),
        "DOCFLOW_DATABASE_URL": service_url,
        "DOCFLOW_MIGRATIONS_DATABASE_URL": owner_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "docflow", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def _admin(database_url: str, *statements: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def test_the_service_role_can_only_insert_and_read_the_trail(
    postgres_database, tmp_path: Path
) -> None:
    owner_url = postgres_database.url
    role = f"docflow_app_{uuid.uuid4().hex[:10]}"
    service_url = make_url(owner_url).set(username=role).render_as_string(hide_password=False)
    await _admin(postgres_admin_url(), f'CREATE ROLE "{role}" LOGIN')
    try:
        done = await anyio.to_thread.run_sync(_db_upgrade, owner_url, service_url, tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"granted {role}" in done.stdout
        service = build_runtime(
            Settings.from_env(
                {"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": service_url}
            )
        )
        try:
            await anyio.to_thread.run_sync(service.store.ensure_ready)
            # The service works: events (sequenced by this role: it only inserts), a
            # checkpoint (and its event), a verification.
            await add_events(service, 5)
            checkpoint = await create_checkpoint(service)
            assert checkpoint.size == 5
            assert (await verify_trail(service)).ok
            for statement in (
                "TRUNCATE audit_event CASCADE",
                "TRUNCATE audit_checkpoint",
                *REFUSED_TO_EVERYONE,
                "ALTER TABLE audit_event DISABLE TRIGGER USER",
                "ALTER TABLE audit_checkpoint DISABLE TRIGGER USER",
                "DROP TABLE audit_checkpoint",
                "CREATE TABLE audit_shadow (x int)",
            ):
                message = await _refused(service.engine, statement)
                assert "permission denied" in message or "must be owner" in message, (
                    statement,
                    message,
                )
        finally:
            await service.dispose()
        # Only the owner's path changes the trail: triggers off, then the change.
        owner = create_engine(owner_url)
        try:
            async with owner.begin() as conn:
                await conn.execute(text("ALTER TABLE audit_checkpoint DISABLE TRIGGER USER"))
                await conn.execute(text("DELETE FROM audit_checkpoint"))
                await conn.execute(text("ALTER TABLE audit_checkpoint ENABLE TRIGGER USER"))
        finally:
            await owner.dispose()
        check = build_runtime(
            Settings.from_env(
                {"DOCFLOW_DATA_DIR": str(tmp_path), "DOCFLOW_DATABASE_URL": owner_url}
            )
        )
        try:
            status = await verify_trail(check)
            assert not status.ok
            assert any("checkpoint 5 is missing from the database" in p for p in status.problems)
        finally:
            await check.dispose()
    finally:
        await _admin(owner_url, f'DROP OWNED BY "{role}"')
        await _admin(postgres_admin_url(), f'DROP ROLE IF EXISTS "{role}"')


def test_one_role_for_both_is_reported_as_unprotected(tmp_path: Path) -> None:
    from docflow.core.db_roles import grant_service_role

    url = "postgresql+asyncpg://docflow@db.invalid/docflow"
    report = asyncio.run(grant_service_role(url, url))
    assert "WARNING" in report and "owner" in report
