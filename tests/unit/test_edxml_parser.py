"""The hardened parser: what real systems send is read; hostile input is refused with a
code and a sentence, never a traceback, and never reads a file or allocates a claim."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from docflow.exchange.edxml import (
    EdxmlError,
    Limits,
    PackageRefused,
    PackageTooLarge,
    SignaturePresence,
    build_package,
    check_package,
    errors_in,
    parse_package,
)
from tests.edxml_support import FIXTURES, document_package, status_package

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
HEADER = (
    f'<edXML xmlns="{NS}"><edXML:edXMLEnvelope xmlns:edXML="{NS}"><edXML:edXMLHeader>'
    "<edXML:MessageHeader><edXML:From><edXML:OrganId>000.00.12.H30</edXML:OrganId>"
    "</edXML:From></edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>"
)


def refusal(data: bytes | io.BytesIO, limits: Limits | None = None) -> EdxmlError:
    with pytest.raises(PackageRefused) as refused:
        parse_package(data, limits=limits or Limits())
    return refused.value


# --------------------------------------------------------------------------- real shapes


@pytest.mark.parametrize(
    "name",
    [
        "unsigned-bussiness-first.edxml",
        "placeholder-signature-bussiness-last.edxml",
        "crlf-wrapped-base64.edxml",
    ],
)
def test_document_packages_shaped_like_real_systems_are_read(name: str) -> None:
    parsed = parse_package(FIXTURES / name)
    package = parsed.document
    assert package.sender.organ_id == "000.00.12.H30"
    assert package.sender.name == "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
    assert [r.organ_id for r in package.recipients] == ["000.00.00.G22", "000.00.01.H30"]
    assert package.subject == "Về việc triển khai kết nối liên thông văn bản điện tử"
    assert package.signer is not None and package.signer.competence == "KT. GIÁM ĐỐC"
    trace = package.trace
    assert trace is not None and trace.business is not None
    assert trace.business.doc_type == 0 and trace.business.staff is not None
    assert [hop.organ_id for hop in trace.traces] == ["000.00.12.H30"]
    main, annex = package.attachments
    assert main.content_type == "application/pdf" and main.content.read().startswith(b"%PDF-1.4")
    assert annex.content_type == "application/zip" and annex.content.read().startswith(
        b"PK\x03\x04"
    )
    assert annex.name == "phu-luc.docx"
    assert errors_in(check_package(parsed)) == ()


def test_the_placeholder_and_the_missing_signature_are_told_apart() -> None:
    assert parse_package(FIXTURES / "unsigned-bussiness-first.edxml").signature is (
        SignaturePresence.UNSIGNED
    )
    placeholder = parse_package(FIXTURES / "placeholder-signature-bussiness-last.edxml")
    assert placeholder.signature is SignaturePresence.PLACEHOLDER


def test_crlf_line_ends_read_the_same_as_lf() -> None:
    crlf = parse_package(FIXTURES / "crlf-wrapped-base64.edxml")
    lf = parse_package(FIXTURES / "placeholder-signature-bussiness-last.edxml")
    assert (FIXTURES / "crlf-wrapped-base64.edxml").read_bytes().count(b"\r\n") > 100
    assert crlf.package == lf.package


def test_a_status_package_from_another_system_is_read() -> None:
    parsed = parse_package(FIXTURES / "status-assigned.edxml")
    status = parsed.status
    assert status.status_code == "04" and status.description == "Lãnh đạo: Phân công xử lý"
    assert status.sender.organ_id == "000.00.00.G22" and status.sender.fax is None
    assert status.response_for.document_id == "000.00.12.H30,2025/03/14,245/STTTT-VP"
    assert check_package(parsed) == ()


def test_packages_are_read_from_streams_and_files(tmp_path: Path) -> None:
    data = build_package(document_package())
    path = tmp_path / "p.edxml"
    path.write_bytes(data)
    assert parse_package(io.BytesIO(data)).package == parse_package(path).package
    assert parse_package(data).sha256 == parse_package(path).sha256


def test_a_manifest_and_attachments_that_disagree_are_reported() -> None:
    text = build_package(document_package()).decode("utf-8")
    text = text.replace("<ContentId>cid:annex</ContentId>", "<ContentId>cid:other</ContentId>")
    found = [p.code for p in parse_package(text.encode()).problems]
    assert found == ["attachment_unreferenced", "reference_without_attachment"]


# --------------------------------------------------------------------------- refusals


def test_the_minimal_header_used_below_is_itself_a_package() -> None:
    assert parse_package(HEADER.encode()).document.sender.organ_id == "000.00.12.H30"


XXE_TEMPLATE = """<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY secret SYSTEM "file://{path}">]>
<edXML xmlns="{ns}"><edXML:edXMLEnvelope xmlns:edXML="{ns}"><edXML:edXMLHeader>
<edXML:MessageHeader><edXML:From><edXML:OrganId>&secret;</edXML:OrganId></edXML:From>
</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<edXML>&lol9;</edXML>"""


def test_an_external_entity_never_reads_the_local_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-PASSWORD-42")
    data = XXE_TEMPLATE.format(path=secret, ns=NS).encode()
    refused = refusal(data)
    assert refused.code == "doctype_forbidden"
    assert "TOP-SECRET" not in str(refused) and "TOP-SECRET" not in refused.problems[0].vi


def test_billion_laughs_is_refused_at_the_doctype() -> None:
    assert refusal(BILLION_LAUGHS).code == "doctype_forbidden"


def test_any_doctype_is_refused_even_a_harmless_one() -> None:
    refused = refusal(b'<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/x.dtd">' + HEADER.encode())
    assert refused.code == "doctype_forbidden"
    assert "DOCTYPE" in refused.problems[0].vi


def test_an_undeclared_entity_is_refused() -> None:
    data = HEADER.replace("000.00.12.H30", "&xxe;").encode()
    refused = refusal(data)
    assert refused.code == "entity_forbidden" and "&xxe;" in str(refused)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<edXML><edXMLEnvelope></edXML>",
        HEADER.encode()[:-20],
        b"<edXML>\x00</edXML>",
    ],
)
def test_malformed_xml_is_refused_with_where_it_broke(data: bytes) -> None:
    refused = refusal(data)
    assert refused.code == "not_xml"
    assert refused.problems[0].vi.startswith("Gói tin không phải là XML hợp lệ")


def test_a_missing_edxml_header_is_refused_by_name() -> None:
    data = f'<edXML xmlns="{NS}"><edXMLEnvelope><edXMLBody/></edXMLEnvelope></edXML>'
    refused = refusal(data.encode())
    assert refused.code == "missing_element"
    assert refused.problems[0].where == "edXMLEnvelope/edXMLHeader"


def test_another_kind_of_xml_is_not_an_edxml_package() -> None:
    refused = refusal(b"<Invoice><Total>1</Total></Invoice>")
    assert refused.code == "not_edxml" and "Invoice" in str(refused)


def test_deep_nesting_is_refused_before_it_is_built() -> None:
    data = HEADER.replace("</edXML>", "<a>" * 5000 + "</a>" * 5000 + "</edXML>").encode()
    assert refusal(data).code == "too_deep"


def test_too_many_elements_are_refused() -> None:
    data = HEADER.replace("</edXML>", "<a/>" * 30_000 + "</edXML>").encode()
    assert refusal(data).code == "too_many_elements"


def test_a_package_over_the_size_limit_stops_being_read_at_the_limit() -> None:
    data = build_package(document_package())
    with pytest.raises(PackageTooLarge) as refused:
        parse_package(data, limits=Limits(max_package_bytes=len(data) - 1))
    assert refused.value.code == "package_too_large"
    assert parse_package(data, limits=Limits(max_package_bytes=len(data))).size == len(data)


class EndlessAttachment(io.RawIOBase):
    """A package whose one attachment goes on for ``claimed`` bytes of base64, made up
    as it is read; counts what the parser actually read."""

    def __init__(self, claimed: int) -> None:
        self._parts: Iterator[bytes] = self._generate(claimed)
        self._buffer = b""
        self.consumed = 0

    def _generate(self, claimed: int) -> Iterator[bytes]:
        yield HEADER.replace("</edXML>", "").encode()
        yield b"<AttachmentEncoded><Attachment><ContentId>cid:x</ContentId>"
        yield f'<edXML:ContentTransferEncoded xmlns:edXML="{NS}">'.encode()
        block = b"QUFB" * 16384
        for _ in range(claimed // len(block)):
            yield block
        yield b"</edXML:ContentTransferEncoded></Attachment></AttachmentEncoded></edXML>"

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while len(self._buffer) < max(size, 1):
            part = next(self._parts, None)
            if part is None:
                break
            self._buffer += part
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        self.consumed += len(out)
        return out


def test_a_2_gb_attachment_claim_is_refused_at_the_cap_without_reading_it() -> None:
    stream = EndlessAttachment(claimed=2 * 1024**3)
    limits = Limits(max_attachment_bytes=4 * 1024 * 1024)
    with pytest.raises(PackageTooLarge) as refused:
        parse_package(stream, limits=limits)  # type: ignore[arg-type]
    assert refused.value.code == "attachment_too_large"
    assert "4.0 MB" in str(refused.value)
    # refused once the decoded bytes passed the cap: a few MB read, not 2 GB
    assert stream.consumed < 8 * 1024 * 1024


def test_base64_that_is_not_base64_is_refused() -> None:
    text = build_package(document_package()).decode("utf-8")
    start = text.index("<edXML:ContentTransferEncoded")
    body = text.index(">", start) + 1
    data = (text[:body] + "***" + text[body + 3 :]).encode()
    refused = refusal(data)
    assert refused.code == "attachment_not_base64" and "1" in str(refused)


def test_refused_input_leaves_no_spool_file_behind(tmp_path: Path) -> None:
    limits = Limits(max_attachment_bytes=2 * 1024 * 1024, spool_threshold=1024, spool_dir=tmp_path)
    with pytest.raises(PackageTooLarge):
        parse_package(EndlessAttachment(claimed=64 * 1024 * 1024), limits=limits)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_spooled_attachments_live_as_long_as_they_are_used(tmp_path: Path) -> None:
    limits = Limits(spool_threshold=1024, spool_dir=tmp_path)
    parsed = parse_package(build_package(document_package()), limits=limits)
    assert len(list(tmp_path.iterdir())) == 1  # the 2 kB PDF spilled to disk; the annex did not
    assert parsed.document.attachments[0].content.read().startswith(b"%PDF")
    del parsed
    import gc

    gc.collect()
    assert list(tmp_path.iterdir()) == []


def test_a_status_package_reads_through_the_same_gate() -> None:
    data = build_package(status_package())
    assert parse_package(data).status.status_code == "04"
    assert refusal(b"<!DOCTYPE x>" + data[data.index(b"<edXML") :]).code == "doctype_forbidden"


def test_an_element_hidden_inside_an_attachment_is_refused() -> None:
    # the signed text and the delivered file must be the same bytes: no splitting
    text = build_package(document_package()).decode("utf-8")
    start = text.index("<edXML:ContentTransferEncoded")
    body = text.index(">", start) + 1
    data = (text[:body] + "QUFB<x/>" + text[body:]).encode()
    assert refusal(data).code == "attachment_malformed"


def test_only_ascii_digits_are_dates_and_numbers() -> None:
    text = build_package(document_package()).decode("utf-8")
    text = text.replace(">2025/03/31</edXML:DueDate>", ">٢٠٢٥/٠٣/٣١</edXML:DueDate>")
    text = text.replace(">2</edXML:Priority>", ">٢</edXML:Priority>")
    found = [p.code for p in parse_package(text.encode()).problems]
    assert found == ["date_unparseable", "number_unparseable"]
