"""Uploads are bounded before anything holds a lock: a hostile page tree, or an
attachment the agency could not sign at issuance, is refused at upload with a reason
(and nothing stored), not after the leader signed. Named readers are of the drafting
agency only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import func, select

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.documents.models import Document
from tests.integration import hostile_pdfs
from tests.integration.documents_support import login, metadata, seeded_settings, upload
from tests.pki import tiny_pdf


async def _documents(settings) -> int:  # type: ignore[no-untyped-def]
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            return int((await session.exec(select(func.count()).select_from(Document))).one())
    finally:
        await runtime.dispose()


async def test_a_pdf_naming_300000_pages_is_refused_at_upload(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings)) as client:
        specialist = await login(client, "stttt.specialist")
        refused = await upload(client, specialist, hostile_pdfs.many_page_references())
        assert refused.status_code == 422, refused.text
        assert "300000 pages" in refused.json()["detail"]
    assert await _documents(settings) == 0


HOSTILE_ATTACHMENTS = {
    "page-tree-cycle": (hostile_pdfs.page_tree_cycle, "same node twice"),
    "no-pages": (hostile_pdfs.no_pages, "no page tree"),
    "malformed-dictionary": (hostile_pdfs.malformed_dictionary, "cannot be read"),
    "300000-pages": (hostile_pdfs.many_page_references, "300000 pages"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_ATTACHMENTS))
async def test_an_attachment_is_checked_as_strictly_as_the_main_file(
    database_url: str, tmp_path: Path, kind: str
) -> None:
    make, reason = HOSTILE_ATTACHMENTS[kind]
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings)) as client:
        specialist = await login(client, "stttt.specialist")
        refused = await client.post(
            "/api/v1/documents",
            files=[
                ("file", ("draft.pdf", tiny_pdf(), "application/pdf")),
                ("attachments", ("phu-luc.pdf", make(), "application/pdf")),
            ],
            data={"metadata": json.dumps(metadata())},
            headers=specialist,
        )
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert "phu-luc.pdf" in detail and reason in detail, detail
    assert await _documents(settings) == 0


async def test_readers_of_another_agency_cannot_be_named_on_a_draft(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings)) as client:
        specialist = await login(client, "stttt.specialist")
        refused = await upload(
            client, specialist, tiny_pdf(), confidentiality="mat",
            readers=["stttt.admin", "stc.clerk"],
        )
        assert refused.status_code == 422, refused.text
        assert "stc.clerk" in refused.json()["detail"]
        assert "another agency" in refused.json()["detail"]
        accepted = await upload(
            client, specialist, tiny_pdf(), confidentiality="mat", readers=["stttt.admin"]
        )
        assert accepted.status_code == 201, accepted.text
    assert await _documents(settings) == 1
