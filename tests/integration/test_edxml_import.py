"""Receiving edXML packages (``docflow.exchange.imports``) over HTTP and with
``docflow edxml import``, on SQLite and PostgreSQL: a package docflow exported for a
recipient agency of the same deployment becomes an incoming transfer (01) with its
PDF verified; the same package again answers the same, a changed one under the same
identity is a conflict, a tampered, unsigned or unreadable one is refused with coded
reasons; a status package is accepted only from the agency the document was sent to."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from lxml import etree
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.audit_models import AuditEvent
from docflow.core.settings import Settings
from docflow.exchange import edxml
from docflow.exchange.models import ExchangePackage, ExchangePeer
from docflow.transfers.models import Transfer, TransferEvent
from tests.integration.documents_support import RECIPIENT, login, seeded_settings
from tests.integration.test_cli_commands import docflow
from tests.integration.test_edxml_export import SENDER, _issued

XML = {"Content-Type": "application/xml"}
PATH = "/api/v1/exchange/packages"
OTHER = "000.04.00.H30"  # UBNDVT: the document was not sent there


def _tree(data: bytes) -> Any:
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


def _bytes(root: Any) -> bytes:
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _changed(data: bytes, name: str, text: str | None = None, suffix: str = "9") -> bytes:
    root = _tree(data)
    element = next(e for e in root.iter() if etree.QName(e).localname == name)
    element.text = text if text is not None else (element.text or "") + suffix
    return _bytes(root)


def _unsigned(data: bytes) -> bytes:
    root = _tree(data)
    for element in list(root.iter("{http://www.w3.org/2000/09/xmldsig#}Signature")):
        element.getparent().remove(element)
    document_id = next(e for e in root.iter() if etree.QName(e).localname == "DocumentId")
    document_id.text = (document_id.text or "").replace(",01/", ",77/")
    return _bytes(root)


async def _export(client: AsyncTestClient, doc_id: int) -> bytes:
    clerk = await login(client, "stttt.clerk")
    response = await client.get(f"/api/v1/documents/{doc_id}/edxml", headers=clerk)
    assert response.status_code == 200, response.text
    return response.content


async def _rows(settings: Settings, model: Any, *where: Any) -> list[Any]:
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            return list((await session.exec(select(model).where(*where))).all())
    finally:
        await runtime.dispose()


def _codes(response: Any) -> list[str]:
    return [p["code"] for p in response.json().get("extra", [])]


async def test_a_package_is_received_once_and_bad_ones_are_refused(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        doc_id = await _issued(client)
        data = await _export(client, doc_id)
        stc = await login(client, "stc.clerk")
        first = await client.post(PATH, content=data, headers={**stc, **XML})
        assert first.status_code == 201, first.text
        answer = first.json()
        assert answer["verification"] == "passed" and answer["signature"] == "valid"
        assert len(answer["transfers"]) == 1 and answer["document_id"] != doc_id

        again = await client.post(PATH, content=data, headers={**stc, **XML})
        assert again.status_code == 200, again.text
        assert {**again.json(), "created": True} == answer

        # another agency's clerk may not hand in a package addressed to STC
        other = await login(client, "ubndvt.clerk")
        denied = await client.post(PATH, content=data, headers={**other, **XML})
        assert denied.status_code == 403, denied.text

        # A new trace time (whole seconds, Vietnam time) makes other bytes under the same key.
        await asyncio.sleep(1.1)
        re_exported = await _export(client, doc_id)
        assert re_exported != data
        conflict = await client.post(PATH, content=re_exported, headers={**stc, **XML})
        assert conflict.status_code == 409, conflict.text
        assert "same identity" in conflict.json()["detail"]
        assert "differ in TraceHeaderList" in conflict.json()["detail"]  # only the trace time

        tampered = _changed(data, "Subject")
        refused = await client.post(PATH, content=tampered, headers={**stc, **XML})
        assert refused.status_code == 422, refused.text
        assert "digest_mismatch" in _codes(refused)

        await _unsigned_cases(client, data, stc)
        await _unreadable_cases(client, stc)
        recall = await _recall(settings, data)
        recalled = await client.post(PATH, content=recall, headers={**stc, **XML})
        assert recalled.status_code == 201, recalled.text
        assert recalled.json()["recalled"] == answer["transfers"]

    transfers = await _rows(settings, Transfer, Transfer.id == answer["transfers"][0])
    assert transfers[0].status == "13" and transfers[0].verification == "passed"
    assert transfers[0].sender_code == SENDER and transfers[0].recipient_code == RECIPIENT
    packages = await _rows(settings, ExchangePackage, ExchangePackage.direction == "in")
    assert sorted(p.signature_state for p in packages) == ["unsigned", "valid", "valid"]
    received = await _rows(settings, AuditEvent, AuditEvent.action == "exchange.package_received")
    assert len(received) == 3
    refusals = await _rows(settings, AuditEvent, AuditEvent.action == "exchange.package_refused")
    assert len(refusals) >= 6


async def _recall(settings: Settings, data: bytes) -> bytes:
    """The sender's recall of the document ``data`` carries, signed by its seal."""
    original = edxml.parse_package(data).document
    business = edxml.Business(doc_type=int(edxml.BusinessDocType.RECALL),
                              reason="Sai thể thức", document_id=original.document_id)
    recall = dataclasses.replace(
        original, attachments=(),
        trace=edxml.TraceHeaderList(traces=original.trace.traces if original.trace else (),
                                    business=business),
    )
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            query = select(Agency).where(Agency.abbreviation == "STTTT")
            agency = (await session.exec(query)).one()
        source = runtime.signing.seal_keys.seal_source(agency.abbreviation, agency.seal_key_ref)
        return await edxml.async_sign_package(recall, source)
    finally:
        await runtime.dispose()


async def _unsigned_cases(client: AsyncTestClient, data: bytes, stc: dict[str, str]) -> None:
    unsigned = _unsigned(data)
    refused = await client.post(PATH, content=unsigned, headers={**stc, **XML})
    assert refused.status_code == 422, refused.text
    assert "unsigned_refused" in _codes(refused)
    not_admin = await client.post(
        PATH, content=unsigned, headers={**stc, **XML}, params={"allow_unsigned": "true"}
    )
    assert not_admin.status_code == 403, not_admin.text
    admin = await login(client, "stc.admin")
    allowed = await client.post(
        PATH, content=unsigned, headers={**admin, **XML}, params={"allow_unsigned": "true"}
    )
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["signature"] == "unsigned"


async def _unreadable_cases(client: AsyncTestClient, stc: dict[str, str]) -> None:
    ns = b'xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"'
    cases = {
        "doctype_forbidden": (
            b'<?xml version="1.0"?>\n<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"\n<edXML " + ns + b">&x;</edXML>"
        ),
        "not_xml": b"%PDF-1.7 this is not XML",
        "missing_element": b"<edXML " + ns + b"><edXMLEnvelope/></edXML>",
    }
    for code, content in cases.items():
        response = await client.post(PATH, content=content, headers={**stc, **XML})
        assert response.status_code == 422, (code, response.text)
        assert code in _codes(response), (code, response.text)
        assert "passwd" not in response.text or code != "doctype_forbidden"


async def _status(
    settings: Settings, package: edxml.DocumentPackage, organ_id: str, code: str, minute: int
) -> bytes:
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            agency = (
                await session.exec(
                    select(Agency).join(AgencyCode, col(AgencyCode.agency_id) == col(Agency.id))
                    .where(AgencyCode.code == organ_id)
                )
            ).one()
        source = runtime.signing.seal_keys.seal_source(agency.abbreviation, agency.seal_key_ref)
        status = edxml.StatusPackage(
            sender=edxml.Organization(organ_id=organ_id, name=agency.name),
            response_for=edxml.ResponseFor(
                organ_id=SENDER, code=package.code.text if package.code else None,
                promulgation_date=package.promulgation.date if package.promulgation else None,
                document_id=package.document_id,
            ),
            status_code=code,
            description="Văn thư: đã tiếp nhận",
            timestamp=datetime(2026, 1, 5, 9, 0, tzinfo=edxml.VIETNAM_TIME)
            + timedelta(minutes=minute),
            staff=edxml.StaffInfo(department="Văn phòng", staff="Nguyễn Văn A"),
        )
        return await edxml.async_sign_package(status, source)
    finally:
        await runtime.dispose()


async def _peer(settings: Settings, token: str, *, allow_unsigned: bool) -> None:
    runtime = build_runtime(settings)
    try:
        async with runtime.transaction() as session:
            session.add(ExchangePeer(
                name=f"peer-{allow_unsigned}", organ_pattern="000.*.H30",
                url="https://peer.example/api/v1/exchange/packages",
                inbound_token_sha256=hashlib.sha256(token.encode()).hexdigest(),
                allow_unsigned=allow_unsigned,
            ))
    finally:
        await runtime.dispose()


async def _peer_cases(settings: Settings, client: AsyncTestClient, data: bytes) -> None:
    await _peer(settings, "strict-peer-token", allow_unsigned=False)
    await _peer(settings, "legacy-peer-token", allow_unsigned=True)
    strict = {"Authorization": "Bearer strict-peer-token", **XML}
    legacy = {"Authorization": "Bearer legacy-peer-token", **XML}
    forged = await client.post(PATH, content=data, headers={**strict, "Authorization": "Bearer x"})
    assert forged.status_code == 401, forged.text
    ok = await client.post(PATH, content=data, headers=strict)
    assert ok.status_code == 201, ok.text
    unsigned = _unsigned(data)
    refused = await client.post(PATH, content=unsigned, headers=strict)
    assert refused.status_code == 422 and "unsigned_refused" in _codes(refused), refused.text
    chosen = await client.post(PATH, content=unsigned, headers=legacy,
                               params={"allow_unsigned": "true"})
    assert chosen.status_code == 403, chosen.text  # the peer's own mark, not the query
    taken = await client.post(PATH, content=unsigned, headers=legacy)
    assert taken.status_code == 201 and taken.json()["signature"] == "unsigned", taken.text


async def test_a_status_is_accepted_only_from_the_recipient_and_peers_use_tokens(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        doc_id = await _issued(client)
        data = await _export(client, doc_id)
        package = edxml.parse_package(data).document
        stttt = await login(client, "stttt.clerk")
        await _peer_cases(settings, client, data)

        accepted = await _status(settings, package, RECIPIENT, "03", 1)
        ok = await client.post(PATH, content=accepted, headers={**stttt, **XML})
        assert ok.status_code == 201, ok.text
        assert ok.json()["status"] == "03"

        jump = await _status(settings, package, RECIPIENT, "06", 2)
        illegal = await client.post(PATH, content=jump, headers={**stttt, **XML})
        assert illegal.status_code == 422, illegal.text
        assert "transition_not_allowed" in _codes(illegal)

        wrong = await _status(settings, package, OTHER, "02", 3)
        refused = await client.post(PATH, content=wrong, headers={**stttt, **XML})
        assert refused.status_code == 422, refused.text
        assert "status_wrong_agency" in _codes(refused)

    transfer = (await _rows(settings, Transfer, Transfer.document_id == doc_id))[0]
    assert transfer.status == "03"
    events = await _rows(settings, TransferEvent, TransferEvent.transfer_id == transfer.id)
    assert [e.status for e in sorted(events, key=lambda e: e.seq)] == ["01", "03"]


async def test_cli_import(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        data = await _export(client, await _issued(client))
    env = {"DOCFLOW_DATABASE_URL": settings.database_url}
    data_dir = Path(settings.data_dir)
    good = tmp_path / "in.edxml"
    good.write_bytes(data)
    first = docflow("edxml", "import", "--json", str(good), data_dir=data_dir, **env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads(first.stdout)["created"] is True
    again = docflow("edxml", "import", str(good), data_dir=data_dir, **env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already" in again.stdout

    tampered = tmp_path / "tampered.edxml"
    tampered.write_bytes(_changed(data, "Subject"))
    refused = docflow("edxml", "import", str(tampered), data_dir=data_dir, **env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert any(line.startswith("digest_mismatch") for line in refused.stdout.splitlines())

    unsigned = tmp_path / "unsigned.edxml"
    unsigned.write_bytes(_unsigned(data))
    no = docflow("edxml", "import", str(unsigned), data_dir=data_dir, **env)
    assert no.returncode == 1 and "unsigned_refused" in no.stdout
    yes = docflow("edxml", "import", "--allow-unsigned", str(unsigned), data_dir=data_dir, **env)
    assert yes.returncode == 0, yes.stdout + yes.stderr

    junk = tmp_path / "junk.edxml"
    junk.write_bytes(b"not xml at all")
    unreadable = docflow("edxml", "import", str(junk), data_dir=data_dir, **env)
    assert unreadable.returncode == 2 and "Traceback" not in unreadable.stderr
    missing = docflow("edxml", "import", str(tmp_path / "nope.edxml"), data_dir=data_dir, **env)
    assert missing.returncode == 2
