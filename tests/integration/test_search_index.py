"""The search index itself (issue 16): `docflow search reindex` for documents that
existed before it, what a confidential document leaves in it, and the text layer's
bounds and hostile files."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
from sqlalchemy import select, update

from docflow.bootstrap import build_runtime
from docflow.core.signing_pool import SigningPool
from docflow.documents.models import Document
from docflow.search.extract import extract_text, job_extract_text
from docflow.search.query import SearchFilter, search
from docflow.search.table import SEARCH_ENTRY
from tests.integration.documents_support import seeded_settings
from tests.integration.routing_support import STC, principal_of
from tests.integration.search_support import index_now, issue_with_text, text_pdf
from tests.integration.test_cli_commands import docflow
from tests.services import SHARED_CORPUS, require

CORPUS = SHARED_CORPUS


async def _found(runtime, who: str, q: str) -> set[int]:  # type: ignore[no-untyped-def]
    principal = await principal_of(runtime, who)
    async with runtime.session() as session:
        return {i["id"] for i in (await search(session, principal, SearchFilter(q=q))).items}


async def test_reindex_command_indexes_existing_documents(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        doc = await issue_with_text(runtime, "STTTT", [STC], "Hội nghị tổng kết năm", tmp_path)
        assert await _found(runtime, "stttt.clerk", "hoi nghi tong ket") == set()
        run = await anyio.to_thread.run_sync(lambda: docflow(
            "search", "reindex", data_dir=tmp_path, timeout=180,
            DOCFLOW_DATABASE_URL=database_url))
        assert run.returncode == 0, run.stderr
        assert "indexed 1 document(s)" in run.stdout
        assert await _found(runtime, "stttt.clerk", "hoi nghi tong ket") == {doc}
        again = await anyio.to_thread.run_sync(lambda: docflow(
            "search", "reindex", "--missing", data_dir=tmp_path, timeout=180,
            DOCFLOW_DATABASE_URL=database_url))
        assert "indexed 0 document(s)" in again.stdout, again.stderr
    finally:
        await runtime.dispose()


async def test_a_confidential_document_leaves_only_its_number_and_symbol(
    database_url: str, tmp_path: Path
) -> None:
    runtime = build_runtime(await seeded_settings(database_url, tmp_path))
    try:
        doc = await issue_with_text(runtime, "STTTT", [STC], "Nội dung tuyệt mật", tmp_path,
                                    subject="Trích yếu mật")
        async with runtime.transaction() as session:
            await session.exec(update(Document).where(Document.id == doc).values(  # type: ignore[call-overload]
                confidentiality="toi_mat"))
        await index_now(runtime, doc)
        async with runtime.session() as session:
            row = (await (await session.connection()).execute(
                select(SEARCH_ENTRY).where(SEARCH_ENTRY.c.document_id == doc))).one()
        assert (row.subject, row.body, row.confidential) == ("", "", True)
        assert "01 stttt" in row.meta and "mat" not in row.meta.split()
        assert await _found(runtime, "stc.clerk", "tuyet mat") == set()
        assert await _found(runtime, "stc.clerk", "01/STTTT") == {doc}
    finally:
        await runtime.dispose()


def test_the_text_layer_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(text_pdf("Văn bản " * 40))
    assert job_extract_text(str(path), max_chars=20) == ("Văn bản " * 40)[:20]
    assert job_extract_text(str(path), max_pages=0) == ""
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.7\nnot a pdf at all")
    assert job_extract_text(str(tmp_path / "junk.pdf")) == ""


async def test_hostile_pdfs_give_no_text_and_no_failure() -> None:
    require(CORPUS.is_dir(), f"corpus not found at {CORPUS} (set DOCFLOW_SHARED_DIR)")
    pool = SigningPool(2, use_processes=False)
    try:
        for path in sorted(CORPUS.rglob("*.pdf")):
            text = await extract_text(pool, path)
            assert isinstance(text, str), path
    finally:
        pool.shutdown()


async def test_search_over_http_pages_and_refuses_bad_queries(
    database_url: str, tmp_path: Path
) -> None:
    from litestar.testing import AsyncTestClient

    from docflow.app import create_app
    from tests.integration.documents_support import login

    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        docs = [await issue_with_text(runtime, "STTTT", [STC], f"Hợp đồng thuê số {n}",
                                      tmp_path, number=n, subject=f"Hợp đồng {n}")
                for n in (1, 2)]
        await index_now(runtime, *docs)
        async with AsyncTestClient(app=create_app(settings)) as client:
            headers = await login(client, "stc.clerk")
            first = await client.get("/api/v1/search", headers=headers,
                                     params={"q": "hop dong", "limit": 1, "sort": "date"})
            assert first.status_code == 200, first.text
            assert [i["id"] for i in first.json()["items"]] == [docs[1]]
            assert first.json()["next_page"] == 2
            second = await client.get("/api/v1/search", headers=headers,
                                      params={"q": "HỢP ĐỒNG", "limit": 1, "page": 2,
                                              "sort": "date"})
            assert [i["id"] for i in second.json()["items"]] == [docs[0]]
            assert second.json()["next_page"] is None
            for bad in ({"limit": 0}, {"date_from": "yesterday"}, {"type": "nope"},
                        {"sort": "size"}, {"status": "99"}, {"q": "x" * 201}):
                refused = await client.get("/api/v1/search", headers=headers, params=bad)
                assert refused.status_code == 422, (bad, refused.text)
            cookie = {"Cookie": f"docflow_session={headers['Authorization'][7:]}"}
            page = await client.get("/search", headers=cookie, params={"q": "hop dong"})
            assert page.status_code == 200
            assert page.text.count('<tr data-document="') == 2
            assert "Hợp đồng 1" in page.text and 'href="/transfers/' in page.text
            english = await client.get("/search", params={"q": "hop dong"},
                                       headers={"Cookie": f"{cookie['Cookie']}; lang=en"})
            assert "Search documents" in english.text and "Tìm kiếm văn bản" not in english.text
            queues = await client.get("/api/v1/queues", headers=headers)
            assert {q["key"]: q["count"] for q in queues.json()["queues"]}["to_receive"] == 2
    finally:
        await runtime.dispose()
