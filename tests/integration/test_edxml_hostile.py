"""Hostile and edge input to the edXML exchange, over HTTP, on SQLite and PostgreSQL:

- ``DOCFLOW_EXCHANGE_MAX_PACKAGE_MB``: a document whose package would be larger is not
  exported (422 naming the limit; ``docflow edxml export`` says the same in one line);
  a larger body is refused with 413 naming the limit (HTTP and ``docflow edxml import``);
- a package whose attachment goes on for 2 GB, streamed (never held: the body is pulled
  chunk by chunk from a generator) with and without a ``Content-Length``: 413 with a
  coded reason, read no further than the limit, nothing stored;
- an RSA-SHA1 signed package is received and reported ``weak``;
- a deployment without trust anchors answers 503 saying what to configure, not 500.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from lxml import etree
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from docflow.app import create_app
from docflow.core.audit_models import AuditEvent
from docflow.core.keys import AnchorFiles
from docflow.exchange.models import ExchangePackage
from tests.edxml_support import document_package, pdf_bytes
from tests.integration.documents_support import (
    enrol,
    login,
    p256_key,
    seeded_settings,
    sign,
    upload,
)
from tests.integration.test_cli_commands import assert_one_line_error, docflow
from tests.integration.test_edxml_import import PATH, XML, _codes, _export, _rows
from tests.pki import chain_pems, signer_pem

MB = 1024 * 1024
DS = "http://www.w3.org/2000/09/xmldsig#"
LIMIT = {"DOCFLOW_EXCHANGE_MAX_PACKAGE_MB": "1"}


def padded_pdf(size: int) -> bytes:
    """A valid one-page PDF carrying ``size`` random bytes in an unused stream."""
    from io import BytesIO

    writer = PdfFileWriter()
    padding = writer.add_object(generic.StreamObject(stream_data=pdf_bytes(size)))
    page = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        generic.NameObject("/Resources"): generic.DictionaryObject(),
        generic.NameObject("/DocflowPadding"): padding,
    })
    writer.insert_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


async def issued(client: AsyncTestClient, pdf: bytes) -> int:
    specialist, leader, clerk = [
        await login(client, f"stttt.{r}") for r in ("specialist", "leader", "clerk")
    ]
    created = await upload(client, specialist, pdf)
    assert created.status_code == 201, created.text
    doc_id = int(created.json()["id"])
    key = p256_key()
    assert (await sign(client, leader, doc_id, key, await enrol(client, leader, key))
            ).status_code == 200
    done = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
    assert done.status_code == 200, done.text
    return doc_id


async def test_a_document_over_the_package_limit_is_not_exported(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path, **LIMIT)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        doc_id = await issued(client, padded_pdf(1 * MB))
        clerk = await login(client, "stttt.clerk")
        refused = await client.get(f"/api/v1/documents/{doc_id}/edxml", headers=clerk)
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert "package_too_large" in detail and "1.0 MB" in detail
    assert "DOCFLOW_EXCHANGE_MAX_PACKAGE_MB" in detail
    out = tmp_path / "out.edxml"
    env = {"DOCFLOW_DATABASE_URL": settings.database_url, **LIMIT}
    cli = docflow("edxml", "export", str(doc_id), str(out), data_dir=Path(settings.data_dir),
                  **env)
    assert_one_line_error(cli, "1.0 MB", "DOCFLOW_EXCHANGE_MAX_PACKAGE_MB")
    assert not out.exists() and not out.with_name("out.edxml.part").exists()


def streamed_head() -> bytes:
    """A package's bytes up to the start of its attachment's base64 text."""
    from docflow.exchange.edxml import build_package

    pdf = pdf_bytes(3000)
    data = build_package(document_package(pdf))
    start = data.find(base64.b64encode(pdf)[:60])
    assert start > 0
    return data[:start]


def two_gigabytes(pulled: list[int]) -> Iterator[bytes]:
    """The head, then base64 text for 2 GB, one reused 1 MB block at a time."""
    block = b"QUFB" * (MB // 4)
    yield streamed_head()
    for _ in range(2048):
        pulled[0] += len(block)
        yield block


async def post_stream(
    app: Litestar, headers: dict[str, str], body: Iterator[bytes]
) -> tuple[int, dict[str, Any]]:
    """POST ``body`` to the package route straight through ASGI, pulling it lazily."""
    answer: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        chunk = next(body, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": PATH, "raw_path": PATH.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 40000), "server": ("testserver", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    return answer["status"], json.loads(answer["body"])


async def test_a_two_gigabyte_attachment_is_refused_at_the_limit(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path, **LIMIT)
    # Its own app, called on this test's event loop (the test client runs its app on
    # another one, and a database connection belongs to one loop).
    app = create_app(settings)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        stc = {**await login(client, "stc.clerk"), **XML}
        try:
            await _stream_cases(app, stc)
        finally:
            await app.state.runtime.dispose()
        small = await client.post(PATH, content=b"<x/>" * (MB // 3), headers=stc)
        assert small.status_code == 413 and "package_too_large" in _codes(small)
    assert await _rows(settings, ExchangePackage, ExchangePackage.direction == "in") == []
    refusals = await _rows(settings, AuditEvent, AuditEvent.action == "exchange.package_refused")
    assert [e.details["status"] for e in refusals] == [413, 413, 413]

    big = tmp_path / "big.edxml"
    big.write_bytes(streamed_head() + b"QUFB" * (MB // 3))
    env = {"DOCFLOW_DATABASE_URL": settings.database_url, **LIMIT}
    cli = docflow("edxml", "import", str(big), data_dir=Path(settings.data_dir), **env)
    assert cli.returncode == 1 and "Traceback" not in cli.stderr, cli.stderr
    assert cli.stdout.startswith("package_too_large") and "1 MB" in cli.stdout


async def _stream_cases(app: Litestar, stc: dict[str, str]) -> None:
    pulled = [0]
    status, body = await post_stream(app, stc, two_gigabytes(pulled))
    assert status == 413, body
    assert body["extra"][0]["code"] == "package_too_large"
    assert "1 MB" in body["detail"] and "DOCFLOW_EXCHANGE_MAX_PACKAGE_MB" in body["detail"]
    assert pulled[0] <= 2 * MB  # read no further than the limit (and one block)

    declared = [0]
    status, body = await post_stream(
        app, {**stc, "Content-Length": str(2 * 1024 * MB)}, two_gigabytes(declared)
    )
    assert status == 413 and body["extra"][0]["code"] == "package_too_large", body
    assert declared[0] == 0  # refused from the header: nothing read


def sha1_signed(data: bytes) -> bytes:
    """``data`` signed again by the STTTT seal as an older system would: RSA-SHA1."""

    class Legacy(XMLSigner):
        def check_deprecated_methods(self) -> None:
            return None

    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(data, parser)
    for old in list(root.iter(f"{{{DS}}}Signature")):
        old.getparent().remove(old)
    header = next(e for e in root.iter() if etree.QName(e).localname == "edXMLHeader")
    etree.SubElement(header, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    key, cert = signer_pem("stttt-seal")
    signer = Legacy(signature_algorithm=SignatureMethod.RSA_SHA1,
                    digest_algorithm=DigestAlgorithm.SHA1,
                    c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed = signer.sign(root, key=key, cert=[cert.decode(),
                                                *(c.decode() for c in chain_pems("stttt-seal"))])
    out: bytes = etree.tostring(signed.getroottree(), xml_declaration=True, encoding="UTF-8")
    return out


async def test_rsa_sha1_is_received_as_weak_and_no_trust_anchors_is_a_503(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    app = create_app(settings)
    async with AsyncTestClient(app=app, timeout=120) as client:
        data = await _export(client, await issued(client, padded_pdf(1000)))
        stc = {**await login(client, "stc.clerk"), **XML}
        runtime = app.state.runtime
        app.state.runtime = dataclasses.replace(  # as in production without anchors
            runtime, signing=dataclasses.replace(runtime.signing, trust=AnchorFiles(()))
        )
        unchecked = await client.post(PATH, content=data, headers=stc)
        app.state.runtime = runtime
        assert unchecked.status_code == 503, unchecked.text
        detail = unchecked.json()["detail"]
        assert "DOCFLOW_TRUST_ANCHORS" in detail and "administrator" in detail

        weak = await client.post(PATH, content=sha1_signed(data), headers=stc)
        assert weak.status_code == 201, weak.text
        assert weak.json()["signature"] == "weak"
        assert "algorithm_weak" in [w["code"] for w in weak.json()["warnings"]]
    packages = await _rows(settings, ExchangePackage, ExchangePackage.direction == "in")
    assert [p.signature_state for p in packages] == ["weak"]
    refusals = await _rows(settings, AuditEvent, AuditEvent.action == "exchange.package_refused")
    assert [e.details["status"] for e in refusals] == [503]
