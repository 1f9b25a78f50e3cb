"""Issue numbers under concurrency and failure (PostgreSQL): 100 concurrent issue
requests over 100 signed drafts give 1..100 with no gap or duplicate, and failures in
the middle (the store refusing, the seal key missing) consume no number."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import anyio.to_thread
import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency
from docflow.accounts.models_user import User
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.settings import Settings
from docflow.devpki import dev_timestamper
from docflow.documents.models import (
    Document,
    DocumentState,
    DocumentVersion,
    RegisterCounter,
    RegisterEntry,
    VersionSource,
)
from docflow.documents.numbering import date_line, format_number, symbol_for
from signing import (
    FieldLayout,
    SignRequest,
    async_add_signature_fields,
    async_sign_pdf,
    leader_appearance,
)
from storage import StoreUnavailable
from tests.integration.documents_support import login, seeded_settings
from tests.integration.test_signing_support import dev_signer
from tests.pki import tiny_pdf

COUNT = 100


async def leader_signed_pdf(tmp_path: Path, signer: str = "stttt-leader") -> Path:
    fields, signed = tmp_path / "fields.pdf", tmp_path / "signed.pdf"
    layout = FieldLayout()
    await async_add_signature_fields(tiny_pdf(), fields, layout)
    await async_sign_pdf(
        fields,
        signed,
        SignRequest(
            level="B-T",
            field_name=layout.leader_field,
            box=layout.leader_box,
            appearance=leader_appearance("Nguyễn Thị Hồng Nhung", "Giám đốc", datetime.now(UTC)),
            timestamper=dev_timestamper(),
        ),
        dev_signer(signer),
    )
    return signed


async def signed_drafts(settings: Settings, pdf: Path, count: int) -> list[int]:
    """``count`` documents in state signed, each with the leader-signed PDF as version 1."""
    runtime = build_runtime(settings)
    try:
        await anyio.to_thread.run_sync(runtime.store.ensure_ready)
        stored = await anyio.to_thread.run_sync(runtime.store.put_file, pdf)
        async with runtime.session() as session:
            agency = (
                await session.exec(select(Agency).where(Agency.abbreviation == "STTTT"))
            ).one()
            leader = (await session.exec(select(User).where(User.username == "stttt.leader"))).one()
            ids = []
            for i in range(count):
                document = Document(
                    agency_id=agency.id,  # type: ignore[arg-type]
                    created_by_id=leader.id,  # type: ignore[arg-type]
                    document_type="cong_van" if i % 2 else "quyet_dinh",
                    drafting_unit="VP",
                    subject=f"Văn bản thử số {i}",
                    signer_id=leader.id,  # type: ignore[arg-type]
                    state=DocumentState.SIGNED.value,
                )
                session.add(document)
                await session.flush()
                session.add(
                    DocumentVersion(
                        document_id=document.id,  # type: ignore[arg-type]
                        version=1,
                        sha256=stored.sha256,
                        object_key=stored.key,
                        size=stored.size,
                        produced_by=VersionSource.LEADER_SIGNATURE.value,
                    )
                )
                ids.append(document.id)
            await session.commit()
            return ids  # type: ignore[return-value]
    finally:
        await runtime.dispose()


async def register_state(settings: Settings) -> tuple[list[RegisterEntry], int]:
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            entries = list(
                (
                    await session.exec(select(RegisterEntry).order_by(col(RegisterEntry.number)))
                ).all()
            )
            counters = (await session.exec(select(RegisterCounter))).all()
            last = max((c.last_number for c in counters), default=0)
            for entry in entries:  # every number points at one stored, issued version
                version = await session.get(DocumentVersion, entry.version_id)
                assert version is not None and version.document_id == entry.document_id
                assert version.produced_by == "issuance"
                assert runtime.store.exists(version.sha256)
                document = await session.get(Document, entry.document_id)
                assert document is not None and document.number == entry.number
                assert document.symbol == entry.symbol
            return entries, last
    finally:
        await runtime.dispose()


def assert_gapless(entries: list[RegisterEntry], last: int) -> None:
    numbers = [e.number for e in entries]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    assert last == len(numbers)
    assert len({e.document_id for e in entries}) == len(entries)


@pytest.mark.slow
async def test_issue_numbers_have_no_gaps_under_concurrency(
    postgres_database, tmp_path: Path
) -> None:
    settings = await seeded_settings(postgres_database.url, tmp_path)
    ids = await signed_drafts(settings, await leader_signed_pdf(tmp_path), COUNT)

    # A seal key that cannot be loaded: refused with 503, no number used.
    broken = Settings.from_env(
        {
            "DOCFLOW_DATA_DIR": str(tmp_path),
            "DOCFLOW_DATABASE_URL": postgres_database.url,
            "DOCFLOW_SEAL_KEY_DIR": str(tmp_path / "no-keys"),
        }
    )
    async with AsyncTestClient(app=create_app(broken), timeout=120) as client:
        clerk = await login(client, "stttt.clerk")
        response = await client.post(f"/api/v1/documents/{ids[0]}/issue", headers=clerk)
        assert response.status_code == 503, response.text
        assert "seal" in response.json()["detail"]
    assert await register_state(settings) == ([], 0)

    app = create_app(settings)
    store = app.state.runtime.store
    real_put_file = store.put_file
    calls = {"n": 0}

    def flaky_put_file(path, *, expected_sha256=None):  # the store refuses a few writes
        calls["n"] += 1
        if 40 <= calls["n"] < 45:
            raise StoreUnavailable("simulated outage")
        return real_put_file(path, expected_sha256=expected_sha256)

    store.put_file = flaky_put_file  # type: ignore[method-assign]
    started = time.perf_counter()
    async with AsyncTestClient(app=app, timeout=300) as client:
        clerk = await login(client, "stttt.clerk")
        responses = await asyncio.gather(
            *(client.post(f"/api/v1/documents/{i}/issue", headers=clerk) for i in ids)
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses.count(503) == 5 and statuses.count(200) == COUNT - 5, statuses
        entries, last = await register_state(settings)
        assert_gapless(entries, last)
        assert len(entries) == COUNT - 5

        # Retrying is safe: the failed ones get the next numbers, the issued ones a 409.
        failed = [i for i, r in zip(ids, responses, strict=True) if r.status_code == 503]
        retries = await asyncio.gather(
            *(client.post(f"/api/v1/documents/{i}/issue", headers=clerk) for i in failed)
        )
        assert all(r.status_code == 200 for r in retries), [r.text for r in retries]
        again = await client.post(f"/api/v1/documents/{ids[1]}/issue", headers=clerk)
        assert again.status_code == 409
    elapsed = time.perf_counter() - started
    entries, last = await register_state(settings)
    assert_gapless(entries, last)
    assert len(entries) == COUNT
    symbols = {e.symbol for e in entries}
    assert len(symbols) == COUNT
    assert "01/QĐ-STTTT" in symbols or "01/STTTT-VP" in symbols
    print(f"{COUNT} concurrent issues in {elapsed:.1f} s")


def test_symbols_and_dates_follow_decree_30() -> None:
    assert format_number(7) == "07" and format_number(125) == "125"
    assert symbol_for(7, "quyet_dinh", "UBND", None) == "07/QĐ-UBND"
    assert symbol_for(125, "cong_van", "UBND", "VP") == "125/UBND-VP"
    assert symbol_for(3, "to_trinh", "STTTT", "VP") == "03/TTr-STTTT"
    when = datetime(2026, 2, 4, 20, 0, tzinfo=UTC)  # 5 February in Vietnam
    assert date_line(when, "Hậu Giang") == "Hậu Giang, ngày 05 tháng 02 năm 2026"
    assert date_line(datetime(2026, 11, 26, 3, tzinfo=UTC), None) == "Ngày 26 tháng 11 năm 2026"
