"""The upload page offers, as the API accepts them: approvers among the agency's active
people who may sign (leaders, specialists, clerks; never an auditor, nor anyone of
another agency), named readers among all its active people (the list is shown only for
a confidential draft, by the page's script), and the attachments' limit the API keeps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from docflow.app import create_app
from docflow.documents.draft_request import MAX_ATTACHMENTS
from tests.integration.documents_support import PASSWORD, seeded_settings


async def _page(client: AsyncTestClient[Any], username: str, path: str) -> str:
    answer = await client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "session": "cookie"},
    )
    assert answer.status_code == 200, answer.text
    token = answer.cookies["docflow_session"]
    client.cookies.clear()
    page = await client.get(path, headers={"Cookie": f"docflow_session={token}"})
    assert page.status_code == 200, page.text
    return page.text


def _offered(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]+)"', html)


async def test_upload_page_offers_approvers_readers_and_attachments(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        html = await _page(client, "stttt.specialist", "/upload")
    approvers = _offered(html, "approvers")
    assert {"stttt.leader", "stttt.specialist", "stttt.clerk"} <= set(approvers)
    assert "stttt.auditor" not in approvers
    assert all(u.startswith("stttt.") for u in approvers), approvers
    readers = _offered(html, "readers")
    assert set(approvers) <= set(readers) and all(u.startswith("stttt.") for u in readers)
    assert re.search(r'<fieldset id="reader-list"[^>]*hidden', html)
    assert f'data-max-count="{MAX_ATTACHMENTS}"' in html
    assert "Người duyệt, ký trước lãnh đạo" in html and "Phụ lục" in html
    assert "Đặt lại vị trí mặc định" in html
