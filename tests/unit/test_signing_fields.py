"""The number and date text fields, filled without a key (the seal signs them later)."""

from __future__ import annotations

import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from signing import DATE_FIELD, NUMBER_FIELD, add_signature_fields
from signing.pades.fields import fill_text_fields
from tests.unit.test_validation import _blank_pdf


def _fonts_of_field(pdf: bytes, name: str) -> list[str]:
    reader = PdfFileReader(io.BytesIO(pdf))
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == name:
            resources = field["/AP"]["/N"]["/Resources"]
            return [str(f.get_object()["/BaseFont"]) for f in resources["/Font"].values()]
    raise AssertionError(f"no field {name}")


def test_number_and_date_are_set_in_the_stamp_font() -> None:
    """Vietnamese number and date lines need the shipped font: pyHanko's default
    Helvetica has no Vietnamese letters (a lost font path falls back to it silently)."""
    prepared = io.BytesIO()
    add_signature_fields(_blank_pdf(), prepared)
    writer = IncrementalPdfFileWriter(io.BytesIO(prepared.getvalue()))
    fill_text_fields(
        writer,
        {NUMBER_FIELD: "Số: 07/QĐ-UBND", DATE_FIELD: "Hậu Giang, ngày 26 tháng 11 năm 2026"},
    )
    filled = io.BytesIO()
    writer.write(filled)
    for name in (NUMBER_FIELD, DATE_FIELD):
        fonts = _fonts_of_field(filled.getvalue(), name)
        assert fonts and all("DocflowStampSerif" in f for f in fonts), (name, fonts)
