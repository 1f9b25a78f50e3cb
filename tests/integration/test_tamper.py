"""Tampering with a signed document is caught and named; none of it passes."""

from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing.validation import (
    DocumentReport,
    Indication,
    ModificationKind,
    UnreadablePdf,
    async_validate_pdf,
)
from tests.integration.test_validation_helpers import dev_trust, sign_with, text_pdf
from tests.pki import DevPkiServices, pki_services  # noqa: F401 - fixture

TEXT = "Quyet dinh so 15"


@pytest.fixture
async def signed(pki_services: DevPkiServices) -> bytes:  # noqa: F811
    # B-LT: validates offline, so every failure below comes from the tampering
    return await sign_with(pki_services, "ubnd-leader", "B-LT", data=text_pdf(TEXT, pages=2))


async def _report(data: bytes) -> DocumentReport:
    return await async_validate_pdf(data, dev_trust())


def _not_passed_with_reason(report: DocumentReport) -> str:
    assert report.verdict is not Indication.TOTAL_PASSED, report.to_json()
    (sig,) = report.signatures
    assert sig.indication is not Indication.TOTAL_PASSED
    assert sig.sub_indication
    assert sig.errors and all(e.endswith(".") for e in sig.errors), sig.errors
    return sig.sub_indication


async def test_untampered_passes(signed: bytes) -> None:
    report = await _report(signed)
    assert report.verdict is Indication.TOTAL_PASSED, report.to_json()


async def test_flipped_byte_in_signed_range_is_hash_failure(signed: bytes) -> None:
    pos = signed.index(TEXT.encode())
    tampered = signed[:pos] + b"R" + signed[pos + 1 :]  # "Quyet" -> "Ruyet"
    report = await _report(tampered)
    assert _not_passed_with_reason(report) == "HASH_FAILURE"
    assert "altered" in report.signatures[0].errors[0]


def _byte_range(data: bytes) -> tuple[re.Match[bytes], list[int]]:
    m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert m is not None
    return m, [int(x) for x in m.groups()]


async def test_changed_byte_range_is_caught(signed: bytes) -> None:
    m, (a, b, c, d) = _byte_range(signed)
    original = m.group(0)
    changed = f"/ByteRange [{a} {b} {c} {d - 40}]".encode()
    changed = changed[:-1] + b" " * (len(original) - len(changed)) + b"]"
    assert len(changed) == len(original)
    tampered = signed.replace(original, changed)
    report = await _report(tampered)
    sub = _not_passed_with_reason(report)
    assert sub in ("HASH_FAILURE", "FORMAT_FAILURE")


async def test_zeroed_contents_is_caught(signed: bytes) -> None:
    _m, (a, b, c, _d) = _byte_range(signed)
    hex_start, hex_end = b + 1, c - 1  # inside the <...> of /Contents
    tampered = signed[:hex_start] + b"0" * (hex_end - hex_start) + signed[hex_end:]
    try:
        report = await _report(tampered)
    except UnreadablePdf:  # acceptable: a clean, typed error
        return
    assert report.verdict is not Indication.TOTAL_PASSED
    errors = [e for s in report.signatures for e in s.errors] + list(report.errors)
    assert errors, report.to_json()


def _incremental(signed: bytes, change: object) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    change(writer)  # type: ignore[operator]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def test_page_replaced_in_later_update_is_modification(signed: bytes) -> None:
    def replace_page_content(w: IncrementalPdfFileWriter) -> None:
        page_ref = w.root["/Pages"].raw_get("/Kids")[0]
        page = page_ref.get_object()
        stream = generic.StreamObject(
            stream_data=b"BT /F1 24 Tf 72 720 Td (Quyet dinh so 99) Tj ET"
        )
        page[pdf_name("/Contents")] = w.add_object(stream)
        w.update_container(page)

    report = await _report(_incremental(signed, replace_page_content))
    _not_passed_with_reason(report)
    sig = report.signatures[0]
    assert sig.modifications.kind is ModificationKind.OTHER
    assert any("modified after signing" in e for e in sig.errors), sig.errors


async def test_text_overlay_in_later_update_is_modification(signed: bytes) -> None:
    def overlay(w: IncrementalPdfFileWriter) -> None:
        ref = w.add_object(
            generic.StreamObject(
                stream_data=b"1 1 1 rg 70 710 300 40 re f "
                b"0 0 0 rg BT /F1 24 Tf 72 720 Td (Huy bo) Tj ET"
            )
        )
        w.add_stream_to_page(0, ref)

    report = await _report(_incremental(signed, overlay))
    _not_passed_with_reason(report)
    assert report.signatures[0].modifications.kind is ModificationKind.OTHER


async def test_annotation_added_after_signing_is_modification(signed: bytes) -> None:
    def annotate(w: IncrementalPdfFileWriter) -> None:
        page_ref = w.root["/Pages"].raw_get("/Kids")[0]
        page = page_ref.get_object()
        annot = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Text"),
                pdf_name("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (100, 100, 120, 120)]
                ),
                pdf_name("/Contents"): generic.TextStringObject("Đã duyệt"),
            }
        )
        page[pdf_name("/Annots")] = generic.ArrayObject([w.add_object(annot)])
        w.update_container(page)

    report = await _report(_incremental(signed, annotate))
    _not_passed_with_reason(report)
    sig = report.signatures[0]
    assert sig.modifications.kind is ModificationKind.OTHER
    assert any("modified after signing" in e for e in sig.errors), sig.errors


async def test_truncated_file_is_caught(signed: bytes) -> None:
    try:
        report = await _report(signed[: len(signed) - 200])
    except UnreadablePdf as exc:
        assert str(exc)
        return
    assert report.verdict is not Indication.TOTAL_PASSED
