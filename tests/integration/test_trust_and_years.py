"""What an outside verifier needs: the trust anchor (public, with instructions) and
validation "as of" a date over the API, years after issuance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from litestar.testing import AsyncTestClient

from docflow.app import create_app
from docflow.devpki import dev_trust_roots
from tests.integration.documents_support import login, seeded_settings
from tests.integration.routing_support import issue_over_http


async def test_the_trust_anchor_and_how_to_import_it_are_public(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(create_app(settings)) as client:
        pem = await client.get("/api/v1/trust/anchors")  # no sign-in
        page = await client.get("/trust")
        client.cookies.set("lang", "en")  # the language switch's cookie
        english = await client.get("/trust")
    assert pem.status_code == 200
    assert pem.headers["content-type"].startswith("application/x-pem-file")
    assert pem.content == dev_trust_roots()[0]
    assert page.status_code == 200
    assert "Adobe Acrobat" in page.text and "Chứng thư gốc tin cậy" in page.text
    assert "Cơ quan chứng thực số Chính phủ (DEV)" in page.text
    assert 'href="/api/v1/trust/anchors"' in page.text
    assert "Trusted root certificates" in english.text


async def test_the_api_validates_an_issued_document_years_ahead(
    database_url: str, tmp_path: Path
) -> None:
    """B-LTA by default: five years on, offline (its CRLs long expired), it still passes."""
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(create_app(settings)) as client:
        doc_id = await issue_over_http(client, ["000.03.00.H30"], "Kiểm tra nhiều năm sau")
        clerk = await login(client, "stttt.clerk")
        later = (datetime.now(UTC) + timedelta(days=5 * 365)).date().isoformat()
        answer = await client.get(
            f"/api/v1/documents/{doc_id}/verification", params={"at": later}, headers=clerk
        )
        issued = await client.get(f"/api/v1/documents/{doc_id}/file", headers=clerk)
        upload = await client.post(
            "/api/v1/verify",
            params={"at": later},
            files={"file": ("issued.pdf", issued.content, "application/pdf")},
            headers=clerk,
        )
        bad = await client.get(
            f"/api/v1/documents/{doc_id}/verification", params={"at": "next year"}, headers=clerk
        )
    (tmp_path / "issued.pdf").write_bytes(issued.content)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["validation_time"].startswith(later)
    final = body["items"][-1]["report"]
    assert final["verdict"] == "TOTAL_PASSED", final
    assert final["validation_time"].startswith(later)
    assert upload.status_code == 200 and upload.json()["verdict"] == "TOTAL_PASSED"
    assert bad.status_code == 422 and "ISO 8601" in bad.json()["detail"]


async def test_the_verify_endpoint_names_a_number_rewritten_after_the_seal(
    database_url: str, tmp_path: Path
) -> None:
    from tests.attacks import change_field_value

    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(create_app(settings)) as client:
        doc_id = await issue_over_http(client, ["000.03.00.H30"], "Số bị sửa")
        clerk = await login(client, "stttt.clerk")
        issued = await client.get(f"/api/v1/documents/{doc_id}/file", headers=clerk)
        forged = change_field_value(issued.content, "so_van_ban", "Số: 99/QĐ-STTTT")
        answer = await client.post(
            "/api/v1/verify",
            files={"file": ("forged.pdf", forged, "application/pdf")},
            headers=clerk,
        )
    assert answer.status_code == 200
    report = answer.json()
    assert report["verdict"] == "TOTAL_FAILED"
    seal = next(s for s in report["signatures"] if s["field_name"] == "DauCoQuan")
    codes = {c["code"] for c in seal["modifications"]["changes"]}
    assert "field_changed" in codes
    assert any("number field" in e for e in seal["errors"])
