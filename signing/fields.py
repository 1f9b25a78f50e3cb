# mypy: disallow-untyped-calls=False
"""Form fields placed before the leader signs: the leader's (and seal's) empty signature
fields and the text fields that will later receive the document number and issue date.

Fields that exist *before* the leader's signature and are filled in the revision that
carries the agency seal are judged FORM_FILLING by pyHanko's difference analysis.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.form_tools import populate_static_text_field
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from signing.errors import FieldError
from signing.levels import Box
from signing.sign_io import PdfInput, PdfOutput, open_input, open_output, open_writer, stream_digest

__all__ = [
    "DATE_FIELD",
    "NUMBER_FIELD",
    "FieldLayout",
    "FieldsResult",
    "add_signature_fields",
    "async_add_signature_fields",
    "fill_text_fields",
]

NUMBER_FIELD = "so_van_ban"
"""Default name of the document-number text field."""
DATE_FIELD = "ngay_ban_hanh"
"""Default name of the issue-date text field."""

_FONT = Path(__file__).resolve().parent / "fonts" / "DocflowStampSerif.ttf"


@dataclass(frozen=True)
class FieldLayout:
    """Where the fields go (PDF points, origin bottom left). Defaults suit A4 page 1."""

    leader_field: str = "ChuKyLanhDao"
    """Name of the leader's signature field."""
    leader_box: Box = (330.0, 120.0, 530.0, 200.0)
    """Box of the leader's signature (signature block, between title and name)."""
    number_box: Box = (60.0, 742.0, 280.0, 760.0)
    """Box of the document number ("Số: .../...") under the issuing agency's name."""
    date_box: Box = (300.0, 742.0, 560.0, 760.0)
    """Box of the place and date line, top right."""
    seal_field: str | None = None
    """Name of an (empty) seal signature field to add as well; ``None`` adds none."""
    seal_box: Box | None = None
    """Box of the seal field; defaults to overlapping the leader box's left third."""
    page: int = 0
    """Page for all fields, 0-based (``-1`` is the last page)."""
    number_field: str = NUMBER_FIELD
    """Name of the number text field."""
    date_field: str = DATE_FIELD
    """Name of the date text field."""


@dataclass(frozen=True)
class FieldsResult:
    """The revision that added the fields."""

    sha256: str
    """SHA-256 (hex) of the output file."""
    size: int
    """Size of the output file in bytes."""
    field_names: tuple[str, ...]
    """Names of the fields added, signature fields first."""


def _seal_box(layout: FieldLayout) -> Box:
    if layout.seal_box is not None:
        return layout.seal_box
    x1, y1, x2, y2 = layout.leader_box
    third = (x2 - x1) / 3
    size = max(y2 - y1, third * 2)
    cx, cy = x1 + third / 2, (y1 + y2) / 2
    return (cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2)


def _int_box(box: Box) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = box
    return (int(x1), int(y1), int(x2), int(y2))


def _add_text_field(writer: IncrementalPdfFileWriter, name: str, box: Box, page: int) -> None:
    page_ref = writer.find_page_for_modification(page)[0]
    root = writer.root
    if "/AcroForm" not in root:
        root[pdf_name("/AcroForm")] = writer.add_object(
            generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        )
        writer.update_root()
    form = root["/AcroForm"]
    fields = form.setdefault(pdf_name("/Fields"), generic.ArrayObject())
    for ref in fields:
        if ref.get_object().get("/T") == name:
            raise FieldError(f"The document already has a field named {name!r}.")
    field = generic.DictionaryObject(
        {
            pdf_name("/FT"): pdf_name("/Tx"),
            pdf_name("/T"): generic.TextStringObject(name),
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in box),
            pdf_name("/F"): generic.NumberObject(4),
            pdf_name("/P"): page_ref,
            pdf_name("/DA"): generic.TextStringObject("/Helv 11 Tf 0 g"),
        }
    )
    ref = writer.add_object(field)
    fields.append(ref)
    writer.update_container(fields)
    writer.register_annotation(page_ref, ref)


def _add_fields(writer: IncrementalPdfFileWriter, layout: FieldLayout) -> tuple[str, ...]:
    names = [layout.leader_field]
    try:
        append_signature_field(
            writer,
            SigFieldSpec(layout.leader_field, on_page=layout.page, box=_int_box(layout.leader_box)),
        )
        if layout.seal_field is not None:
            append_signature_field(
                writer,
                SigFieldSpec(
                    layout.seal_field, on_page=layout.page, box=_int_box(_seal_box(layout))
                ),
            )
            names.append(layout.seal_field)
    except FieldError:
        raise
    except Exception as exc:
        raise FieldError(f"The signature fields could not be added: {exc}") from exc
    _add_text_field(writer, layout.number_field, layout.number_box, layout.page)
    _add_text_field(writer, layout.date_field, layout.date_box, layout.page)
    return (*names, layout.number_field, layout.date_field)


def add_signature_fields(
    input: PdfInput, output: PdfOutput, layout: FieldLayout | None = None
) -> FieldsResult:
    """Add, in one incremental revision, the leader's empty signature field, the number
    and date text fields and optionally an empty seal field (before anyone signs)."""
    layout = layout or FieldLayout()
    with open_input(input) as src, open_output(output) as (out, _path):
        writer = open_writer(src)
        names = _add_fields(writer, layout)
        writer.write(out)
        sha, size = stream_digest(out)
    return FieldsResult(sha256=sha, size=size, field_names=names)


async def async_add_signature_fields(
    input: PdfInput, output: PdfOutput, layout: FieldLayout | None = None
) -> FieldsResult:
    """:func:`add_signature_fields` off the event loop (in a worker thread)."""
    return await asyncio.to_thread(add_signature_fields, input, output, layout)


@cache
def _text_style(size: int) -> TextBoxStyle:
    if _FONT.exists():
        return TextBoxStyle(font=GlyphAccumulatorFactory(str(_FONT), font_size=size))
    return TextBoxStyle(font_size=size)


def fill_text_fields(
    writer: IncrementalPdfFileWriter, values: dict[str, str], *, font_size: int = 11
) -> None:
    """Fill empty text fields (read-only afterwards) with Vietnamese-capable text."""
    for name, text in values.items():
        try:
            populate_static_text_field(writer, name, _text_style(font_size), text)
        except Exception as exc:
            raise FieldError(
                f"The text field {name!r} could not be filled (missing or already filled): {exc}"
            ) from exc
