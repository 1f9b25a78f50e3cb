"""Receiving update (business type 2) and replacement (3) packages, on SQLite and
PostgreSQL: each becomes a new foreign document with incoming transfers (01) marked with
its business type and linked, as a local correction is, to the document received
earlier from the same sender; the recipient's inbox and transfer show it; a package
naming a document never received is refused (``unknown_document``); the same package
again answers the same."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlmodel import select

from docflow.accounts.models_agency import Agency
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.settings import Settings
from docflow.exchange import edxml
from docflow.transfers.models import DocumentCorrection, Transfer
from tests.integration.documents_support import RECIPIENT, login, seeded_settings
from tests.integration.test_edxml_export import _issued
from tests.integration.test_edxml_import import PATH, XML, _codes, _export, _rows


async def _signed(settings: Settings, package: edxml.DocumentPackage) -> bytes:
    """``package`` signed with STTTT's seal, as STTTT would send it."""
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            query = select(Agency).where(Agency.abbreviation == "STTTT")
            agency = (await session.exec(query)).one()
        source = runtime.signing.seal_keys.seal_source(agency.abbreviation, agency.seal_key_ref)
        return await edxml.async_sign_package(package, source)
    finally:
        await runtime.dispose()


def _correcting(
    original: edxml.DocumentPackage, kind: edxml.BusinessDocType, number: str, **business: Any
) -> edxml.DocumentPackage:
    """A package of business type ``kind`` with a new number (and so a new DocumentId)."""
    assert original.code is not None and original.promulgation is not None
    issued = original.promulgation.date
    assert issued is not None
    code = dataclasses.replace(original.code, number=number)
    return dataclasses.replace(
        original, code=code,
        document_id=edxml.make_document_id(original.sender.organ_id, issued, number,
                                           original.code.notation or ""),
        trace=edxml.TraceHeaderList(
            traces=original.trace.traces if original.trace else (),
            business=edxml.Business(doc_type=int(kind), reason="Sai sót", **business),
        ),
    )


async def test_update_and_replace_packages_correct_the_earlier_document(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        data = await _export(client, await _issued(client))
        original = edxml.parse_package(data).document
        stc = await login(client, "stc.clerk")
        first = await client.post(PATH, content=data, headers={**stc, **XML})
        assert first.status_code == 201, first.text
        earlier = first.json()["document_id"]

        update = await _signed(settings, _correcting(
            original, edxml.BusinessDocType.UPDATE, "246", document_id=original.document_id))
        updated = await client.post(PATH, content=update, headers={**stc, **XML})
        assert updated.status_code == 201, updated.text
        assert updated.json()["business_type"] == 2
        assert updated.json()["corrects_document_id"] == earlier
        again = await client.post(PATH, content=update, headers={**stc, **XML})
        assert again.status_code == 200, again.text
        assert {**again.json(), "created": True} == updated.json()

        info = edxml.ReplacementInfo(original.document_id or "", (RECIPIENT,))
        replace = await _signed(settings, _correcting(
            original, edxml.BusinessDocType.REPLACE, "247", replacements=(info,)))
        replaced = await client.post(PATH, content=replace, headers={**stc, **XML})
        assert replaced.status_code == 201, replaced.text
        assert replaced.json()["business_type"] == 3
        assert replaced.json()["corrects_document_id"] == earlier

        unknown = edxml.ReplacementInfo("000.02.00.H30,2020/01/01,1/STTTT-VP", (RECIPIENT,))
        stray = await _signed(settings, _correcting(
            original, edxml.BusinessDocType.REPLACE, "248", replacements=(unknown,)))
        refused = await client.post(PATH, content=stray, headers={**stc, **XML})
        assert refused.status_code == 422, refused.text
        assert "unknown_document" in _codes(refused)

        await _seen_by_the_recipient(client, stc, earlier, updated.json(), replaced.json())
    await _stored(settings, earlier, updated.json(), replaced.json())


async def _seen_by_the_recipient(
    client: AsyncTestClient, stc: dict[str, str], earlier: int, *answers: dict[str, Any]
) -> None:
    inbox = await client.get("/api/v1/inbox", headers=stc)
    assert inbox.status_code == 200, inbox.text
    kinds = {item["id"]: item["business_type"] for item in inbox.json()["items"]}
    for answer in answers:
        (transfer_id,) = answer["transfers"]
        assert kinds[transfer_id] == answer["business_type"]
        view = await client.get(f"/api/v1/transfers/{transfer_id}", headers=stc)
        assert view.status_code == 200, view.text
        assert view.json()["business_type"] == answer["business_type"]
        assert view.json()["corrects"]["document_id"] == earlier
        assert view.json()["corrects"]["transfer_id"] is not None
        assert view.json()["status"] == "01"


async def _stored(settings: Settings, earlier: int, *answers: dict[str, Any]) -> None:
    for answer in answers:
        links = await _rows(settings, DocumentCorrection,
                            DocumentCorrection.document_id == answer["document_id"])
        assert [(link.corrects_document_id, link.business_type) for link in links] == [
            (earlier, answer["business_type"])
        ]
        transfers = await _rows(settings, Transfer, Transfer.document_id == answer["document_id"])
        assert [(t.corrects_document_id, t.business_type, t.recipient_code) for t in transfers] \
            == [(earlier, answer["business_type"], RECIPIENT)]
