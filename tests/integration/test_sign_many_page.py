"""Signing several drafts at once, the server's side, on SQLite and PostgreSQL: the
leader's "to sign" list ticks the drafts, the confirmation page names those the leader
may sign now (symbol, type, subject; one button naming them all) and sets apart, with
the reason, another leader's draft, a draft already signed and one waiting for its
approver; another agency's draft is a 404 as on its own page; other roles get 403.
The signing itself (in the browser): tests/browser/test_sign_many.py."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from docflow.app import create_app
from tests.integration.documents_support import (
    enrol,
    login,
    p256_key,
    seeded_settings,
    sign,
    upload,
)
from tests.pki import tiny_pdf


async def _draft(client: AsyncTestClient, headers: dict[str, str], subject: str,
                 **extra: Any) -> int:
    response = await upload(client, headers, tiny_pdf(), subject=subject, **extra)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _second_leader(client: AsyncTestClient) -> str:
    admin = await login(client, "stttt.admin")
    me = (await client.get("/api/v1/me", headers=admin)).json()
    name = f"ld{uuid.uuid4().hex[:8]}"
    made = await client.post("/api/v1/users", headers=admin, json={
        "username": name, "full_name": "Trần Văn Phó", "password": "a-long-password",
        "roles": ["leader"], "agency_id": me["user"]["agency_id"],
    })
    assert made.status_code == 201, made.text
    return name


def _listed(html: str, doc_id: int) -> bool:
    return f'<li class="card" data-document="{doc_id}">' in html


async def test_confirm_names_the_leaders_signable_drafts(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        drafter = await login(client, "stttt.specialist")
        leader = await login(client, "stttt.leader")
        first = await _draft(client, drafter, "Về việc kiểm kê tài sản năm 2026")
        second = await _draft(client, drafter, "Về việc cử cán bộ đi học")
        signed = await _draft(client, drafter, "Về việc đã ký rồi")
        waiting = await _draft(client, drafter, "Về việc chờ góp ý", approvers=["stttt.clerk"])
        other = await _second_leader(client)
        not_mine = await _draft(client, drafter, "Về việc của lãnh đạo khác", signer=other)
        key = p256_key()
        done = await sign(client, leader, signed, key, await enrol(client, leader, key))
        assert done.status_code == 200, done.text

        # the list ticks the drafts waiting for this leader, and only drafts
        listing = (await client.get("/to-sign", headers=leader)).text
        for doc_id in (first, second, waiting):
            assert f'name="d" value="{doc_id}"' in listing
        assert f'value="{signed}"' not in listing and f'value="{not_mine}"' not in listing
        assert 'action="/to-sign/confirm"' in listing

        ids = "&".join(f"d={i}" for i in (first, second, signed, waiting, not_mine, first))
        page = await client.get(f"/to-sign/confirm?{ids}", headers=leader)
        assert page.status_code == 200, page.text
        html = page.text
        assert _listed(html, first) and _listed(html, second)
        assert "Quyết định" in html and "Về việc kiểm kê tài sản năm 2026" in html
        button = re.search(r'id="sign-many-button">([^<]*)<', html)
        assert button is not None
        assert button.group(1).startswith("Ký số 2 văn bản: ")
        assert "kiểm kê tài sản" in button.group(1) and "cử cán bộ" in button.group(1)
        assert f'href="/documents/{first}" target="_blank"' in html
        assert 'src="/static/js/sign_many.js"' in html
        # the others are set apart with the reason, never offered
        for doc_id in (signed, waiting, not_mine):
            assert not _listed(html, doc_id)
        skipped = html.split('id="sign-many-skipped"')[1]
        assert "không còn chờ ký" in skipped
        assert "ký trước (thứ tự ký)" in skipped
        assert "không phải người ký" in skipped


async def test_confirm_refuses_what_is_not_the_leaders(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        drafter = await login(client, "stttt.specialist")
        ours = await _draft(client, drafter, "Về việc tổng kết năm")
        stc_leader = await login(client, "stc.leader")
        # another agency's draft: the same 404 as its own page (its subject never shows)
        far = await client.get(f"/to-sign/confirm?d={ours}", headers=stc_leader)
        assert far.status_code == 404 and "tổng kết năm" not in far.text
        # other roles of the agency: refused, in words
        for who in ("stttt.specialist", "stttt.clerk", "stttt.auditor"):
            headers = await login(client, who)
            refused = await client.get(f"/to-sign/confirm?d={ours}", headers=headers)
            assert refused.status_code == 403, who
            assert "Chỉ lãnh đạo ký số" in refused.text
        leader = await login(client, "stttt.leader")
        # nothing chosen, too many, or nothing signable: said plainly, no button
        empty = await client.get("/to-sign/confirm", headers=leader)
        assert empty.status_code == 200 and "Chưa chọn văn bản nào" in empty.text
        assert "sign-many-button" not in empty.text
        many = "&".join(f"d={i}" for i in range(1, 40))
        too_many = await client.get(f"/to-sign/confirm?{many}", headers=leader)
        assert too_many.status_code == 200 and "tối đa 30 văn bản" in too_many.text
        bad = await client.get("/to-sign/confirm?d=abc", headers=leader)
        assert bad.status_code == 400
        client.cookies.set("lang", "en")
        english = await client.get("/to-sign/confirm", headers=leader)
        assert "No document was selected" in english.text
