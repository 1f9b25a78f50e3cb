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


#: Tables the migrations make that no model describes: procrastinate's queue (0013,
#: PostgreSQL) and the search index (0016: its full-text part differs by database).
_NOT_MODELS = ("procrastinate_", "search_")


def _not_procrastinate(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ == "table" and (name or "").startswith(_NOT_MODELS))


def _differences(connection) -> list:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "render_as_batch": connection.dialect.name == "sqlite",
            # procrastinate's queue and the search index are not docflow's models.
            "include_name": _not_procrastinate,
        },
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


#: (status, status_before_recall) before 0009 → after it. Old 04 "awaiting assignment" is
#: the new 03 (accepted, not assigned), old 05 "assigned" the new 04; the rest stays.
STATUS_CASES = [
    (("01", None), ("01", None)),
    (("02", None), ("02", None)),
    (("04", None), ("03", None)),
    (("05", None), ("04", None)),
    (("06", None), ("06", None)),
    (("13", "05"), ("13", "04")),
    (("16", "04"), ("16", "03")),
    (("15", "01"), ("15", "01")),
]


async def _transfer_rows(sessions) -> list[tuple[str, str | None]]:
    from docflow.transfers.models import Transfer

    async with sessions() as session:
        rows = (await session.exec(select(Transfer).order_by(Transfer.id))).all()
        return [(t.status, t.status_before_recall) for t in rows]


async def _event_rows(sessions) -> list[tuple[int, str, str]]:
    from docflow.transfers.models import TransferEvent

    async with sessions() as session:
        rows = (await session.exec(select(TransferEvent).order_by(TransferEvent.id))).all()
        return [(e.transfer_id, e.status, e.signature) for e in rows]


def _stamp(database_url: str, revision: str) -> None:
    from alembic import command

    from docflow.core.migrate import alembic_config

    command.stamp(alembic_config(database_url), revision, purge=True)


async def test_0009_moves_current_statuses_to_the_new_meaning_and_keeps_history(
    database_url: str,
) -> None:
    from docflow.accounts.models_user import User
    from docflow.cli.demo import seed_demo
    from docflow.documents.models import Document, DocumentVersion
    from docflow.transfers.models import Transfer, TransferEvent

    # Rows are written with today's models, so the schema is today's; the version is then
    # set back to 0008 so that only 0009's data migration runs (later revisions add
    # tables and columns that 0009 does not touch).
    await anyio.to_thread.run_sync(upgrade, database_url, "head")
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            await seed_demo(session, "migration-test-password")
            await session.commit()
        async with sessions() as session:
            stc = (await session.exec(select(Agency).where(Agency.abbreviation == "STC"))).one()
            vt = (await session.exec(select(Agency).where(Agency.abbreviation == "UBNDVT"))).one()
            clerk = (await session.exec(select(User).where(User.username == "stc.clerk"))).one()
            for number, ((status, before), _) in enumerate(STATUS_CASES, start=1):
                document = Document(
                    agency_id=stc.id, created_by_id=clerk.id, document_type="cong_van",
                    subject=f"Văn bản {number}", signer_id=clerk.id, state="issued",
                    number=number, symbol=f"{number:02d}/STC",
                )
                session.add(document)
                await session.flush()
                version = DocumentVersion(
                    document_id=document.id, version=1, sha256="0" * 64, object_key="k",
                    size=1, produced_by="issuance",
                )
                session.add(version)
                await session.flush()
                transfer = Transfer(
                    document_id=document.id, version_id=version.id, sender_agency_id=stc.id,
                    recipient_agency_id=vt.id, sender_code="000.03.00.H30",
                    recipient_code="000.04.00.H30", status=status,
                    status_before_recall=before, verification="passed", last_seq=1,
                )
                session.add(transfer)
                await session.flush()
                # A signed status event with the old code: evidence, never rewritten.
                session.add(TransferEvent(
                    transfer_id=transfer.id, seq=1, document_id=document.id, status=status,
                    from_code="000.04.00.H30", to_code="000.03.00.H30", actor="stc.clerk",
                    occurred_at=datetime(2026, 11, 1, tzinfo=UTC), signature=f"sig-{number}",
                    signature_algorithm="ecdsa", certificate_pem="pem",
                ))
            await session.commit()
        old = [before for before, _ in STATUS_CASES]
        new = [after for _, after in STATUS_CASES]
        events = await _event_rows(sessions)
        assert await _transfer_rows(sessions) == old

        await anyio.to_thread.run_sync(_stamp, database_url, "0008")
        await anyio.to_thread.run_sync(upgrade, database_url, "0009")
        assert await _transfer_rows(sessions) == new
        assert await _event_rows(sessions) == events  # history keeps the old codes

        await anyio.to_thread.run_sync(downgrade, database_url, "0008")
        assert await _transfer_rows(sessions) == old
        assert await _event_rows(sessions) == events
    finally:
        await engine.dispose()
