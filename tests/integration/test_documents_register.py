"""The outgoing register: listing with filters and CSV/XLSX export with Vietnamese
headers; a secret document's summary shows only to the people named on it."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from litestar.testing import AsyncTestClient
from openpyxl import load_workbook

from docflow.app import create_app
from docflow.documents.numbering import VIETNAM
from docflow.documents.registers import HEADERS
from tests.integration.documents_support import login, seeded_settings
from tests.integration.test_documents_numbering import leader_signed_pdf, signed_drafts


async def test_outgoing_register_lists_filters_and_exports(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    ids = await signed_drafts(settings, await leader_signed_pdf(tmp_path), 3)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        clerk = await login(client, "stttt.clerk")
        issued = []
        for doc_id in ids:
            response = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
            assert response.status_code == 200, response.text
            issued.append(response.json())
        year = datetime.fromisoformat(issued[0]["issued_at"]).astimezone(VIETNAM).year
        # signed_drafts alternates quyet_dinh / cong_van (drafting unit VP)
        assert [i["symbol"] for i in issued] == ["01/QĐ-STTTT", "02/STTTT-VP", "03/QĐ-STTTT"]

        listing = await client.get(
            "/api/v1/registers/outgoing", params={"year": year}, headers=clerk
        )
        assert listing.status_code == 200, listing.text
        items = listing.json()["items"]
        assert [i["number"] for i in items] == [1, 2, 3]
        assert items[0]["type_and_summary"].startswith("Quyết định: Văn bản thử số 0")
        assert items[0]["signer"]  # the signer's full name

        letters = await client.get(
            "/api/v1/registers/outgoing",
            params={"year": year, "document_type": "cong_van"},
            headers=clerk,
        )
        assert [i["symbol"] for i in letters.json()["items"]] == ["02/STTTT-VP"]
        found = await client.get(
            "/api/v1/registers/outgoing", params={"year": year, "q": "số 2"}, headers=clerk
        )
        assert [i["number"] for i in found.json()["items"]] == [3]
        empty = await client.get(
            "/api/v1/registers/outgoing", params={"year": year - 1}, headers=clerk
        )
        assert empty.json()["items"] == []

        exported = await client.get(
            "/api/v1/registers/outgoing", params={"year": year, "format": "csv"}, headers=clerk
        )
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert tuple(rows[0]) == HEADERS
        assert [r[0] for r in rows[1:]] == ["01/QĐ-STTTT", "02/STTTT-VP", "03/QĐ-STTTT"]

        xlsx = await client.get(
            "/api/v1/registers/outgoing", params={"year": year, "format": "xlsx"}, headers=clerk
        )
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in values[0][0]
        assert tuple(values[1]) == HEADERS
        assert [r[0] for r in values[2:]] == ["01/QĐ-STTTT", "02/STTTT-VP", "03/QĐ-STTTT"]

        other = await login(client, "stc.clerk")
        theirs = await client.get(
            "/api/v1/registers/outgoing", params={"year": year}, headers=other
        )
        assert theirs.json()["items"] == []  # their own agency's register: nothing issued
