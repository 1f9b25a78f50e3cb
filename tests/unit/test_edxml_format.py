"""edXML packages as written and read back: the layout peers read, and round trips."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from docflow.exchange.edxml import (
    NAMESPACE,
    VIETNAM_TIME,
    AttachmentContent,
    DocumentPackage,
    Organization,
    SignaturePresence,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    build_package,
    format_date,
    format_timestamp,
    is_organ_id,
    parse_date,
    parse_package,
    parse_timestamp,
)
from tests.edxml_support import document_package, pdf_bytes, status_package

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "docflow" / "exchange" / "edxml"


def test_a_document_package_reads_back_equal_to_what_was_built() -> None:
    package = document_package(pdf=pdf_bytes(50_000))
    parsed = parse_package(build_package(package))
    assert parsed.package == package
    assert parsed.problems == ()
    assert parsed.signature is SignaturePresence.UNSIGNED
    assert parsed.document.attachments[0].content.read() == package.attachments[0].content.read()


def test_a_status_package_reads_back_equal_to_what_was_built() -> None:
    package = status_package(
        trace=TraceHeaderList(traces=(TraceHeader("000.00.01.H30", None),), business=None)
    )
    parsed = parse_package(build_package(package))
    assert parsed.is_status
    assert parsed.package == package
    assert parsed.status.description == "Lãnh đạo: Phân công xử lý"


def test_the_layout_is_the_one_peers_read() -> None:
    root = etree.fromstring(build_package(document_package()))
    q = f"{{{NAMESPACE}}}"
    assert root.tag == f"{q}edXML" and root.prefix is None
    envelope, encoded = list(root)
    assert envelope.tag == f"{q}edXMLEnvelope" and envelope.prefix == "edXML"
    header, body = list(envelope)
    assert [etree.QName(e).localname for e in header] == ["MessageHeader", "TraceHeaderList"]
    manifest = body[0]
    assert etree.QName(manifest).localname == "edXMLManifest" and manifest.get("version") == "1.0"
    assert [etree.QName(r[0]).localname for r in manifest] == ["ContentId", "ContentId"]
    assert encoded.tag == f"{q}AttachmentEncoded" and encoded.prefix is None
    attachment = encoded[0]
    names = [etree.QName(e).localname for e in attachment]
    assert names == [
        "ContentId",
        "AttachmentName",
        "Description",
        "ContentType",
        "ContentTransferEncoded",
    ]
    assert attachment[-1].prefix == "edXML"
    message = header[0]
    order = [etree.QName(e).localname for e in message]
    assert order[:3] == ["From", "To", "To"]
    assert order.index("DocumentId") < order.index("Subject") < order.index("OtherInfo")


def test_dates_and_times_are_written_as_the_axis_writes_them() -> None:
    package = document_package(
        trace=TraceHeaderList(
            traces=(TraceHeader("000.00.12.H30", datetime(2025, 1, 1, tzinfo=UTC)),)
        )
    )
    text = build_package(package).decode("utf-8")
    assert "<edXML:PromulgationDate>2025/03/14</edXML:PromulgationDate>" in text
    # midnight UTC is 07:00 in Vietnam, written with no zone
    assert "<edXML:Timestamp>2025/01/01 07:00:00</edXML:Timestamp>" in text
    assert "000.00.12.H30,2025/03/14,245/STTTT-VP" in text


def test_values_read_only_in_the_axis_forms() -> None:
    assert parse_date("2025/03/14") == date(2025, 3, 14)
    assert parse_date(" 2025/03/14 ") == date(2025, 3, 14)
    for bad in ("14/03/2025", "2025-03-14", "2025/02/30", "2025/3/14", ""):
        assert parse_date(bad) is None, bad
    moment = parse_timestamp("2025/03/14 09:15:02")
    assert moment == datetime(2025, 3, 14, 2, 15, 2, tzinfo=UTC)
    assert parse_timestamp("14/03/2025 09:15:02") is None
    assert format_date(date(2025, 1, 2)) == "2025/01/02"
    assert format_timestamp(datetime(2025, 1, 1, 17, 0, 0, tzinfo=UTC)) == "2025/01/02 00:00:00"
    assert moment is not None and moment.tzinfo == VIETNAM_TIME


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("000.00.00.H30", True),
        ("000.00.12.H30", True),
        ("G01.123.45.G22", True),
        ("000.00.00.h30", False),
        ("000.00.H30", False),
        ("000.00.00.00.H30", False),
        ("000.00.00.H3", False),
        ("000.00.00.HH0", False),
        ("H37.DN.002", False),
        ("", False),
    ],
)
def test_agency_codes_are_checked_for_shape_only(code: str, valid: bool) -> None:
    assert is_organ_id(code) is valid


def test_a_package_without_optional_parts_round_trips() -> None:
    package = DocumentPackage(sender=Organization("000.00.12.H30"), recipients=())
    parsed = parse_package(build_package(package, check=False))
    assert parsed.package == package


def test_an_attachment_in_a_file_is_read_from_the_file(tmp_path: Path) -> None:
    data = pdf_bytes(400_000)
    source = tmp_path / "main.pdf"
    source.write_bytes(data)
    base = document_package()
    main = replace(base.attachments[0], content=AttachmentContent.from_file(source))
    parsed = parse_package(build_package(replace(base, attachments=(main,))))
    got = parsed.document.attachments[0].content
    assert got.size == len(data) and got.read() == data


def test_the_library_imports_nothing_from_the_rest_of_docflow() -> None:
    """The service side builds on this package; it must not build on the service."""
    offenders = []
    for path in PACKAGE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                inside = name.startswith("docflow.exchange.edxml")
                if (top == "docflow" and not inside) or top in {
                    "litestar",
                    "sqlalchemy",
                    "sqlmodel",
                }:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_status_and_document_are_told_apart_by_the_status_code() -> None:
    parsed = parse_package(build_package(status_package()))
    assert isinstance(parsed.package, StatusPackage)
    with pytest.raises(TypeError):
        _ = parsed.document
