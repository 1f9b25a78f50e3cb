"""Delivery of a document docflow has just issued reuses the issuance's validation
instead of validating the sealed file a second time; any other file is still validated;
and a stored object changed after issuance is still refused where it is read (the
recipient's stamp)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import select

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.documents.models import DocumentVersion, VersionSource
from docflow.transfers import routing
from docflow.transfers.models import Transfer, VerificationRecord
from docflow.transfers.routing import IssuanceCheck, dispatch_document
from docflow.transfers.stamp_jobs import job_verify_report
from docflow.transfers.transfers import accept_transfer, stamp_incoming
from storage import ObjectCorrupted
from tests.integration.documents_support import seeded_settings
from tests.integration.routing_support import STC, issue_directly, issue_over_http, principal_of


@pytest.fixture
def verify_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every validation routing asks a signing worker for (the app runs in-process)."""
    calls: list[Any] = []
    original = routing.run_job

    async def counting(workers: Any, job: Any, *args: Any, **kwargs: Any) -> Any:
        if job is job_verify_report:
            calls.append(args)
        return await original(workers, job, *args, **kwargs)

    monkeypatch.setattr(routing, "run_job", counting)
    return calls


async def _issued(runtime: Any, doc_id: int) -> tuple[DocumentVersion, Transfer]:
    async with runtime.session() as session:
        version = (
            await session.exec(
                select(DocumentVersion).where(
                    DocumentVersion.document_id == doc_id,
                    DocumentVersion.produced_by == VersionSource.ISSUANCE.value,
                )
            )
        ).one()
        query = select(Transfer).where(Transfer.document_id == doc_id)
        transfer = (await session.exec(query)).one()
    return version, transfer


async def test_a_freshly_issued_document_is_sent_on_the_issuance_verdict(
    database_url: str, tmp_path: Path, verify_calls: list[Any]
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            doc_id = await issue_over_http(client, [STC], "Về việc dùng lại kết quả kiểm tra")
            # The rest runs while the app is up: its background work (runner, sequencer)
            # is never cut off mid-write by the shutdown while the test writes.
            version, transfer = await _issued(runtime, doc_id)
            assert verify_calls == []  # delivery validated nothing again
            async with runtime.session() as session:
                record = await session.get(VerificationRecord, transfer.verification_id)
            assert record is not None and record.version_id == version.id
            assert record.sha256 == version.sha256 and record.verdict == "passed"
            assert transfer.verification == "passed"
            basis = record.report["checked_at_issuance"]
            assert basis["sealed_sha256"] == version.sha256
            assert basis["validated_sha256"] != version.sha256  # the file before the seal
            assert record.report["verdict"] == "TOTAL_PASSED"

            # A check naming other bytes is not used: those bytes are validated.
            other = await issue_directly(runtime, "STTTT", [STC], number=2)
            result = await dispatch_document(
                runtime, other, checked=IssuanceCheck(version.sha256, "{}")
            )
            assert len(verify_calls) == 1 and result.verification == "passed"

            # The stored issued object changes after the fact: the recipient's stamp reads it
            # (checked against its address) and refuses it instead of stamping other bytes.
            clerk = await principal_of(runtime, "stc.clerk")
            await accept_transfer(runtime, clerk, transfer.id, stamp=False)  # type: ignore[arg-type]
            path = runtime.store._path(version.sha256)  # type: ignore[attr-defined]
            os.chmod(path, 0o644)
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0x01
            path.write_bytes(bytes(data))
            with pytest.raises(ObjectCorrupted):
                await stamp_incoming(runtime, transfer.id)  # type: ignore[arg-type]
            _, after = await _issued(runtime, doc_id)
            assert after.stamped_sha256 is None
    finally:
        await runtime.dispose()
