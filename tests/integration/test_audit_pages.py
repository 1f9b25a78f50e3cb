"""The audit page (/audit) and its CSV export, as auditors use them: an agency auditor
sees the delivery and the recipient's receipt of a document their agency issued, not
another agency's unrelated work; a province auditor sees both agencies; people by name
and actions in Vietnamese words (English with the switch); filters narrow the list and
the CSV holds the same rows; others are refused in the site's frame; a confidential
document's summary is withheld from an auditor who may not read it."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import select

from docflow.accounts.models_agency import Agency
from docflow.accounts.models_user import User
from docflow.app import create_app
from docflow.audit.chain import ChainStatus
from docflow.audit.chain_words import chain_sentence
from docflow.bootstrap import build_runtime
from docflow.core.audit_digest import ChainBreak
from docflow.core.runtime import Runtime
from docflow.documents.models import Document
from docflow.web import audit_pages
from tests.integration.documents_support import login, seeded_settings, upload
from tests.integration.routing_support import STC, STTTT, issue_over_http
from tests.pki import tiny_pdf

ISSUED = "Về việc kiểm toán nhật ký liên thông"
UNRELATED = "Về việc riêng của thành phố Vị Thanh"
SECRET = "Về việc phương án bảo vệ bí mật"


def _seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', html)]


def _actions(html: str) -> list[str]:
    return re.findall(r'<tr data-seq="\d+" data-action="([a-z_.]+)"', html)


async def _full_name(runtime: Runtime, username: str) -> str:
    async with runtime.session() as session:
        return (await session.exec(select(User.full_name).where(User.username == username))).one()


@contextlib.asynccontextmanager
async def runtime_of(settings: Any) -> Any:
    runtime = build_runtime(settings)
    try:
        yield runtime
    finally:
        await runtime.dispose()


async def _agency_id(runtime: Runtime, abbreviation: str) -> int:
    async with runtime.session() as session:
        query = select(Agency.id).where(Agency.abbreviation == abbreviation)
        return (await session.exec(query)).one()  # type: ignore[return-value]


async def _page(client: AsyncTestClient[Any], who: dict[str, str], **params: Any) -> str:
    """What the page shows (its main part: the page's catalogue for scripts left out)."""
    answer = await client.get("/audit", params=params, headers=who)
    assert answer.status_code == 200, answer.text
    return answer.text.split('<main id="main"', 1)[1].split('<script type="application/json"')[0]


async def _world(client: AsyncTestClient[Any]) -> dict[str, Any]:
    """STTTT issues a document to STC, STC accepts it; UBNDVT drafts its own; STC drafts
    a confidential one that an STTTT clerk tries to open."""
    issued = await issue_over_http(client, [STC], ISSUED)
    stc_clerk = await login(client, "stc.clerk")
    inbox = (await client.get("/api/v1/inbox", headers=stc_clerk)).json()["items"]
    transfer = next(i["id"] for i in inbox if i["document_id"] == issued)
    accepted = await client.post(f"/api/v1/transfers/{transfer}/accept", headers=stc_clerk)
    assert accepted.status_code == 200, accepted.text
    vt = await upload(client, await login(client, "ubndvt.specialist"), tiny_pdf(),
                      subject=UNRELATED, signer="ubndvt.leader", recipients=[STC])
    assert vt.status_code == 201, vt.text
    secret = await upload(client, await login(client, "stc.specialist"), tiny_pdf(),
                          subject=SECRET, signer="stc.leader", recipients=[STTTT],
                          confidentiality="mat")
    assert secret.status_code == 201, secret.text
    secret_id = int(secret.json()["id"])
    peeked = await client.get(f"/api/v1/documents/{secret_id}",
                              headers=await login(client, "stttt.clerk"))
    assert peeked.status_code == 404
    return {"issued": issued, "transfer": transfer, "secret": secret_id}


async def test_auditors_read_the_trail_of_their_reach(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings), timeout=300) as client:
            ids = await _world(client)
            async with runtime.session() as session:
                symbol = (await session.get(Document, ids["issued"])).symbol  # type: ignore[union-attr]
                vt_id = (await session.exec(
                    select(Agency.id).where(Agency.abbreviation == "UBNDVT"))).one()
            assert symbol
            stc_clerk = await _full_name(runtime, "stc.clerk")
            vt_specialist = await _full_name(runtime, "ubndvt.specialist")
            auditor = await login(client, "stttt.auditor")
            province = await login(client, "province.auditor")

            # The agency auditor: delivery and receipt at STC, by name, in Vietnamese.
            own = await _page(client, auditor)
            actions = _actions(own)
            assert {"document.issued", "transfer.dispatched", "transfer.status",
                    "transfer.stamped"} <= set(actions), actions
            assert "Gửi văn bản tới nơi nhận" in own and "Sở Tài chính tỉnh Hậu Giang" in own
            assert ("Cập nhật trạng thái xử lý tại nơi nhận: 03 · Đã tiếp nhận, vào sổ "
                    "(tại Sở Tài chính tỉnh Hậu Giang)") in own
            assert stc_clerk in own and f"{symbol} – {ISSUED}" in own
            assert f'href="/documents/{ids["issued"]}"' in own
            shown = re.sub(r"<[^>]+>", " ", own.split("<tbody>")[1])  # the rows' text
            assert "Tạo dự thảo" in shown and "Đăng nhập" in shown
            assert not re.search(r"document\.|transfer\.|auth\.|người dùng|#\d", shown)
            # ... not another agency's unrelated work
            assert UNRELATED not in own and vt_specialist not in own
            # ... and a confidential document it may not read keeps its summary hidden
            assert SECRET not in own and "trích yếu được ẩn" in own
            assert f'href="/documents/{ids["secret"]}"' not in own
            # One sentence on the chain, no repeated line.
            assert own.count("Chuỗi nhật ký nguyên vẹn") == 1
            assert re.search(r"Chuỗi nhật ký nguyên vẹn: [\d.]+ sự kiện của toàn hệ thống, "
                             r"sự kiện mới nhất lúc \d\d:\d\d", own)

            # The province auditor sees both agencies, and the secret's summary.
            everything = await _page(client, province)
            assert UNRELATED in everything and vt_specialist in everything
            # ... and the document lists are the province's, not the auditor's own
            # agency's (they were empty although each document opened by address)
            outbox = (await client.get("/outbox", headers=province)).text
            assert f'data-document="{ids["issued"]}"' in outbox
            drafts = (await client.get("/drafts", headers=province)).text
            assert UNRELATED in drafts
            assert UNRELATED not in (await client.get("/drafts", headers=auditor)).text
            assert ISSUED in everything and SECRET in everything
            narrowed = await _page(client, province, agency=vt_id)
            assert UNRELATED in narrowed and ISSUED not in narrowed

            # Filters narrow the list; the CSV holds the same rows.
            statuses = await _page(client, auditor, action="transfer.status")
            assert set(_actions(statuses)) == {"transfer.status"}
            by_symbol = await _page(client, auditor, document=symbol)
            assert ISSUED in by_symbol and SECRET not in by_symbol
            assert "transfer.stamped" in _actions(by_symbol)
            by_person = await _page(client, auditor, person=stc_clerk)
            assert _actions(by_person) and set(_actions(by_person)) <= {"transfer.status"}
            future = await _page(client, auditor, **{"from": "2099-01-01"})
            assert _seqs(future) == [] and "Không có sự kiện nào khớp bộ lọc." in future
            exported = await client.get("/audit.csv", params={"document": symbol},
                                        headers=auditor)
            assert exported.status_code == 200
            rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
            assert rows[0][0] == "Số sự kiện"
            assert [int(r[0]) for r in rows[1:]] == _seqs(by_symbol)
            assert any(r[2] == stc_clerk and r[5] == symbol and r[6] == ISSUED for r in rows)

            # English with the language switch.
            english = await _page(client, {**auditor, "Cookie": "lang=en"})
            assert "Sent to a recipient" in english and "The audit chain is intact" in english
    finally:
        await runtime.dispose()


async def test_the_api_paging_and_refusals(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=300) as client:
        issued = await issue_over_http(client, [STC], ISSUED)
        stc_clerk = await login(client, "stc.clerk")
        # The document page's list: names and words, the recipients' events included.
        answer = await client.get("/api/v1/audit/events", params={"document_id": issued},
                                  headers=await login(client, "stttt.auditor"))
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        assert [i["action"] for i in items][-1] == "transfer.dispatched"
        assert {i["description"] for i in items} >= {"Tạo dự thảo", "Ký số"}
        assert all(i["actor_name"] for i in items)
        dispatched = items[-1]
        assert dispatched["actor_name"] == "Hệ thống"
        assert "Sở Tài chính tỉnh Hậu Giang" in dispatched["description"]
        # An STC auditor sees the delivery of the document STC received, not its drafting.
        theirs = await client.get("/api/v1/audit/events", params={"document_id": issued},
                                  headers=await login(client, "stc.auditor"))
        assert [i["action"] for i in theirs.json()["items"]] == [
            "document.issued", "transfer.dispatched"]
        province = await login(client, "province.auditor")
        verified = await client.get("/api/v1/audit/verify", params={"lang": "en"},
                                    headers=province)
        assert verified.json()["summary"].startswith("The audit chain is intact: ")
        assert "no checkpoint has been signed yet" in verified.json()["summary"]
        signed = await client.post("/api/v1/audit/checkpoints", headers=province)
        assert signed.status_code == 201, signed.text
        size = signed.json()["size"]
        # The page heads with the newest whole check on record: this one, made after the
        # checkpoint (the API's checks are kept too).
        again = await client.get("/api/v1/audit/verify", headers=province)
        assert again.json()["last_checkpoint"]["size"] == size
        top = await _page(client, province)
        assert re.search(r"điểm kiểm tra mới nhất đã ký lúc \d\d:\d\d \(chứng thư của hệ thống\)"
                         rf" bao gồm {size} sự kiện đầu tiên\.", top), top[:600]
        # Not auditors: refused, in the site's frame.
        for path in ("/audit", "/audit.csv"):
            refused = await client.get(path, headers=stc_clerk)
            assert refused.status_code == 403, path
            assert 'class="menu"' in refused.text and 'class="error-reason"' in refused.text
        # An account made in STTTT by the province's administrator is STTTT's to audit.
        async with runtime_of(settings) as runtime:
            stttt_id = (await _agency_id(runtime, "STTTT"))
        made = await client.post("/api/v1/users", headers=await login(client, "province.admin"),
                                 json={"username": "stttt.newcomer", "full_name": "Lê Văn Mới",
                                       "password": "a-long-password-1", "roles": ["specialist"],
                                       "agency_id": stttt_id})
        assert made.status_code == 201, made.text
        accounts = await _page(client, await login(client, "stttt.auditor"), action="user.created")
        assert _actions(accounts) == ["user.created"] and "Quản trị viên cấp tỉnh" in accounts
        elsewhere = await _page(client, await login(client, "stc.auditor"), action="user.created")
        assert _actions(elsewhere) == []
        # Paging: newest first, each next page older, none twice.
        monkeypatch.setattr(audit_pages, "PAGE_SIZE", 4)
        html = await _page(client, province)
        seen = _seqs(html)
        while (older := re.search(r'<a href="(/audit\?[^"]+)" rel="next">', html)):
            html = await _page(client, province, **dict(
                parse_qsl(older.group(1).split("?", 1)[1].replace("&amp;", "&"))))
            assert 'rel="first"' in html
            seen += _seqs(html)
        assert len(seen) > 8 and seen == sorted(set(seen), reverse=True)
        bad = await client.get("/audit", params={"from": "31/12/2026"},
                               headers=await login(client, "stttt.auditor"))
        assert bad.status_code == 422 and "ngày/tháng/năm" in bad.text
        for odd in ({"document": "01\x07"}, {"person": "x" * 65}):
            refused = await client.get("/audit", params=odd,
                                       headers=await login(client, "stttt.auditor"))
            assert refused.status_code == 422 and "Nội dung lọc" in refused.text


def test_a_broken_chain_says_what_and_from_which_event() -> None:
    broken = ChainStatus(56, ChainBreak(57, "its content does not match its digest: the "
                                        "event was edited"), None, 1234)
    assert chain_sentence(broken, None, "vi") == (
        "Chuỗi nhật ký bị phá vỡ từ sự kiện thứ 57: nội dung sự kiện đã bị sửa; 56 sự kiện "
        "trước đó nguyên vẹn."
    )
    cut = ChainStatus(1234, ChainBreak(1235, "event 1235 is missing: checkpoint 1300 "
                                       "(database) covers 1300 events, the trail holds "
                                       "1234: it was truncated"), None, 1234)
    assert chain_sentence(cut, None, "en") == (
        "The audit chain is broken from event 1,235: an event is missing (the trail was "
        "cut); the 1,234 events before it are intact."
    )
