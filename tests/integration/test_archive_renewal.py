"""Issued documents stay verifiable for years: the renewal adds an archive timestamp (with
revocation data before and after it) before the newest one's certificate expires, as a new
version recorded in the trail; the result passes offline years ahead."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.cli.verify import verify_command
from docflow.core.audit_models import AuditEvent
from docflow.core.runtime import Runtime
from docflow.documents.archive import due_documents, renew_due
from docflow.documents.models import DocumentVersion, VersionSource
from tests.integration.documents_support import seeded_settings
from tests.integration.routing_support import issue_over_http

pytestmark = pytest.mark.slow


async def _due(runtime: Runtime, now: datetime) -> list[int]:
    async with runtime.session() as session:
        return await due_documents(session, now, limit=10)


async def _versions(runtime: Runtime, document_id: int) -> list[DocumentVersion]:
    async with runtime.session() as session:
        query = (
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document_id)
            .order_by(col(DocumentVersion.version))
        )
        return list((await session.exec(query)).all())


async def _verify_at(path: Path, at: str | None = None) -> tuple[int, str]:
    args = [str(path), *(["--at", at] if at else [])]
    result = await asyncio.to_thread(CliRunner().invoke, verify_command, args)
    return result.exit_code, result.output


@pytest.mark.parametrize("seal_level", ["B-LT", "B-LTA"])
async def test_renewal_adds_an_archive_timestamp_that_holds_years_later(
    database_url: str, tmp_path: Path, seal_level: str
) -> None:
    settings = await seeded_settings(
        database_url, tmp_path, DOCFLOW_SEAL_LEVEL=seal_level, DOCFLOW_ARCHIVE_RENEWAL_HOURS="0"
    )
    async with AsyncTestClient(create_app(settings)) as client:
        doc_id = await issue_over_http(client, ["000.03.00.H30"], "Về lưu trữ lâu dài")
    runtime = build_runtime(settings)  # the test client runs the app on a loop of its own
    try:
        issued = (await _versions(runtime, doc_id))[-1]
        now = datetime.now(UTC)
        if seal_level == "B-LTA":
            # sealed with an archive timestamp good until 2040: not due yet
            assert issued.archive_expires_at is not None
            assert await _due(runtime, now) == []
            # pretend its certificate expires in a month: due now
            async with runtime.session() as session:
                row = await session.get(DocumentVersion, issued.id)
                assert row is not None
                row.archive_expires_at = now + timedelta(days=30)
                session.add(row)
                await session.commit()
        assert await _due(runtime, now) == [doc_id]
        report = await renew_due(runtime)
        assert report.renewed == (doc_id,) and report.failed == ()
        versions = await _versions(runtime, doc_id)
        renewed = versions[-1]
        assert renewed.produced_by == VersionSource.RENEWAL.value
        assert renewed.version == issued.version + 1
        assert renewed.archive_expires_at is not None and renewed.archive_expires_at > now
        assert await _due(runtime, now) == []  # once is enough
        async with runtime.session() as session:
            events = (
                await session.exec(
                    select(AuditEvent).where(AuditEvent.action == "document.archive_renewed")
                )
            ).all()
        assert [e.subject_id for e in events] == [str(doc_id)]
        old = await _bytes(runtime, issued.sha256)
        new = await _bytes(runtime, renewed.sha256)
    finally:
        await runtime.dispose()
    assert new.startswith(old)  # a new version never rewrites bytes
    path = tmp_path / "renewed.pdf"
    path.write_bytes(new)
    code, out = await _verify_at(path)
    assert code == 0, out
    code, out = await _verify_at(path, (datetime.now(UTC) + timedelta(days=5 * 365)).isoformat())
    assert code == 0, out
    assert out.count("Document timestamp") == (1 if seal_level == "B-LT" else 2)


async def _bytes(runtime: Runtime, sha256: str) -> bytes:
    return await asyncio.to_thread(lambda: runtime.store.get_bytes(sha256))
