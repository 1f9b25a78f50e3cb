"""Search (issue 16): diacritics and case ignored on subject, symbol and text layer;
only what the read rule lets a person read; confidential documents found by neither
their subject nor their text; filters, sorting and paging. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import update

from docflow.bootstrap import build_runtime
from docflow.core.runtime import Runtime
from docflow.documents.models import Document
from docflow.search.query import SearchFilter, search
from docflow.transfers.routing import dispatch_document
from tests.integration.documents_support import seeded_settings
from tests.integration.routing_support import STC, UBNDCT, issue_directly, principal_of
from tests.integration.search_support import index_now, issue_with_text

BODY = "Kính gửi ông Nguyễn Văn Đức. Đề nghị quý cơ quan phối hợp kiểm tra ngân sách."
SECRET_BODY = "Phương án bảo vệ mục tiêu quân sự trọng yếu"


async def _find(runtime: Runtime, username: str, **flt: object) -> list[dict]:
    principal = await principal_of(runtime, username)
    async with runtime.session() as session:
        return (await search(session, principal, SearchFilter(**flt))).items  # type: ignore[arg-type]


async def _set(runtime: Runtime, doc_id: int, **values: object) -> None:
    async with runtime.transaction() as session:
        await session.exec(update(Document).where(Document.id == doc_id).values(**values))  # type: ignore[call-overload]


async def _world(runtime: Runtime, tmp: Path) -> dict[str, int]:
    plain = await issue_with_text(runtime, "STTTT", [STC], BODY, tmp, number=1,
                                  subject="Về việc khen thưởng Nguyễn Thị Hồng Nhung")
    await _set(runtime, plain, symbol="01/QĐ-UBND", document_type="quyet_dinh")
    secret = await issue_with_text(runtime, "STTTT", [STC], SECRET_BODY, tmp, number=2,
                                   subject="Kế hoạch phòng thủ Nguyễn Trãi")
    await _set(runtime, secret, confidentiality="mat", symbol="02/KH-STTTT")
    elsewhere = await issue_directly(runtime, "UBNDVT", [UBNDCT], number=3,
                                     subject="Nguyễn Văn Cừ: hồ sơ nhân sự huyện")
    await dispatch_document(runtime, elsewhere)
    await index_now(runtime, plain, secret, elsewhere)
    return {"plain": plain, "secret": secret, "elsewhere": elsewhere}


def _ids(items: list[dict]) -> set[int]:
    return {i["id"] for i in items}


async def test_search_ignores_diacritics_and_case_and_keeps_to_the_read_rule(
    database_url: str, tmp_path: Path
) -> None:
    runtime = build_runtime(await seeded_settings(database_url, tmp_path))
    try:
        docs = await _world(runtime, tmp_path)
        await _diacritics_and_symbols(runtime, docs)
        await _other_agencies(runtime, docs)
        await _confidential(runtime, docs)
    finally:
        await runtime.dispose()


async def _diacritics_and_symbols(runtime: Runtime, docs: dict[str, int]) -> None:
    plain = docs["plain"]
    # Subject, without diacritics and in any case; the text layer likewise.
    assert _ids(await _find(runtime, "stttt.specialist", q="nguyen thi hong")) == {plain}
    assert _ids(await _find(runtime, "stttt.specialist", q="NHUNG")) == {plain}
    assert _ids(await _find(runtime, "stttt.specialist", q="nguyễn văn đức")) == {plain}
    assert _ids(await _find(runtime, "stttt.specialist", q="ngan sach")) == {plain}
    assert _ids(await _find(runtime, "stttt.specialist", q="ĐỀ NGHỊ")) == {plain}
    # Number and symbol, as written or folded; words are prefixes.
    for q in ("01/QĐ-UBND", "qd-ubnd", "01 qd", "01/qđ", "khen thuo"):
        assert _ids(await _find(runtime, "stttt.specialist", q=q)) == {plain}, q
    # The sending agency's name.
    assert plain in _ids(await _find(runtime, "stttt.specialist", q="thong tin truyen"))
    assert await _find(runtime, "stttt.specialist", q="khong co tu nay") == []


async def _other_agencies(runtime: Runtime, docs: dict[str, int]) -> None:
    plain, elsewhere = docs["plain"], docs["elsewhere"]
    # The recipient agency finds what it received (through its transfer).
    found = await _find(runtime, "stc.specialist", q="nguyen")
    assert _ids(found) == {plain}
    assert found[0]["url"].startswith("/transfers/")
    assert _ids(await _find(runtime, "stc.specialist", q="duc")) == {plain}
    # Nobody finds another agency's documents they may not read.
    assert _ids(await _find(runtime, "stttt.leader", q="nguyen")) == {plain}
    assert _ids(await _find(runtime, "ubndvt.specialist", q="nguyen")) == {elsewhere}
    assert await _find(runtime, "ubndvt.clerk", q="01/QĐ-UBND") == []
    assert await _find(runtime, "stc.auditor", q="cu ho so") == []
    assert _ids(await _find(runtime, "ubndct.clerk", q="ho so nhan su")) == {elsewhere}
    # The province auditor reads every agency.
    assert _ids(await _find(runtime, "province.auditor", q="nguyen")) >= {plain, elsewhere}


async def _confidential(runtime: Runtime, docs: dict[str, int]) -> None:
    secret = docs["secret"]
    everyone = ("stttt.clerk", "stttt.specialist", "stttt.leader", "stc.clerk",
                "stc.specialist", "stc.leader", "province.auditor")
    # Neither its text nor its subject is in the index: nobody finds it by them.
    for who in everyone:
        for q in ("quan su", "phuong an bao ve", "phong thu", "trai"):
            assert secret not in _ids(await _find(runtime, who, q=q)), (who, q)
    # By its symbol: only its readers (clerks of both sides, the receiving leader...).
    for who in ("stttt.clerk", "stc.clerk", "stc.leader", "province.auditor"):
        found = await _find(runtime, who, q="02/KH-STTTT")
        assert _ids(found) == {secret}, who
        assert found[0]["confidential"] is True
    for who in ("stttt.specialist", "stc.specialist", "ubndvt.clerk"):
        assert await _find(runtime, who, q="02/KH-STTTT") == [], who
        assert secret not in _ids(await _find(runtime, who)), who


async def test_filters_sorting_and_paging(database_url: str, tmp_path: Path) -> None:
    runtime = build_runtime(await seeded_settings(database_url, tmp_path))
    try:
        ids = []
        for n, urgency in enumerate(("normal", "khan", "normal"), start=1):
            doc = await issue_directly(runtime, "STTTT", [STC], number=n, urgency=urgency,
                                       subject=f"Báo cáo phân trang số {n}")
            await dispatch_document(runtime, doc)
            ids.append(doc)
        await _set(runtime, ids[0], document_type="bao_cao")
        await _set(runtime, ids[2], subject="Phân trang phân trang báo cáo lần ba")
        await index_now(runtime, *ids)
        await _check_filters(runtime, ids)
        await _check_paging(runtime, ids)
    finally:
        await runtime.dispose()


async def _check_filters(runtime: Runtime, ids: list[int]) -> None:
    who = "stttt.clerk"
    assert _ids(await _find(runtime, who, q="phan trang")) == set(ids)
    assert _ids(await _find(runtime, who, q="phan trang", urgency="khan")) == {ids[1]}
    assert _ids(await _find(runtime, who, q="phan trang", document_type="bao_cao")) == {ids[0]}
    assert _ids(await _find(runtime, who, q="phan trang", status="issued")) == set(ids)
    assert await _find(runtime, who, q="phan trang", status="draft") == []
    today = date.today()
    assert _ids(await _find(runtime, who, q="phan trang", date_from=today - timedelta(days=1),
                            date_to=today + timedelta(days=1))) == set(ids)
    assert await _find(runtime, who, q="phan trang", date_from=today + timedelta(days=2)) == []
    assert _ids(await _find(runtime, who, q="phan trang", agency="STTTT")) == set(ids)
    assert _ids(await _find(runtime, who, q="phan trang", agency="000.02.00.H30")) == set(ids)
    assert await _find(runtime, who, q="phan trang", agency="STC") == []
    # Without words: the filters alone, newest first.
    assert [i["id"] for i in await _find(runtime, who, urgency="khan")] == [ids[1]]
    # The recipient sees them by the transfers' status (01: arrived).
    assert _ids(await _find(runtime, "stc.clerk", q="phan trang", status="01")) == set(ids)


async def _check_paging(runtime: Runtime, ids: list[int]) -> None:
    who = "stttt.clerk"
    by_date = await _find(runtime, who, q="phan trang", sort="date")
    assert [i["id"] for i in by_date] == sorted(ids, reverse=True)
    relevant = await _find(runtime, who, q="phan trang", sort="relevance")
    assert relevant[0]["id"] == ids[2]  # the words twice in its subject
    principal = await principal_of(runtime, who)
    async with runtime.session() as session:
        first = await search(session, principal, SearchFilter(q="phan trang", sort="date",
                                                               limit=2))
        second = await search(session, principal, SearchFilter(q="phan trang", sort="date",
                                                                limit=2, page=2))
    assert first.has_more and not second.has_more
    assert [i["id"] for i in first.items + second.items] == sorted(ids, reverse=True)
