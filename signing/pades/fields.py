# mypy: disallow-untyped-calls=False
"""Form fields placed before anyone signs, in ONE first revision: the approvers'
(invisible) and the leader's signature fields, the agency seal's signature field, and the
text fields that later receive the document number and issue date.

Each signature field carries a FieldMDP lock (``/Lock``, copied into the signature's
``/Reference`` when it is signed) naming what that signature freezes:

- an approver's or the leader's signature locks every field that exists then except
  the number, the date, the seal and the signature fields still to be signed after it;
- the seal's signature locks every field of the first revision (``/Include``, not
  ``/All``, and no ``/P``: the recipient agencies may still add their own signatures
  in new fields).

The number and date are filled in the seal's own revision; ``signing.validation``
checks that rule and the rest of the document's own rules on top of pyHanko's analysis.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import Any, BinaryIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.form_tools import populate_static_text_field
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign.fields import (
    FieldMDPAction,
    FieldMDPSpec,
    SigFieldSpec,
    append_signature_field,
)
from pypdf.errors import PyPdfError

from signing._failures import MALFORMED
from signing.errors import FieldError
from signing.pades.levels import Box
from signing.pades.pdf_io import (
    PdfInput,
    PdfOutput,
    open_input,
    open_output,
    open_writer,
    stream_digest,
)
from signing.pades.placement import (
    customary_date_box,
    customary_number_box,
    free_box,
    page_text_layout,
)
from signing.stamps._font import font_factory, font_metrics

__all__ = [
    "DATE_FIELD",
    "NUMBER_FIELD",
    "SEAL_FIELD",
    "FieldLayout",
    "FieldsResult",
    "add_signature_fields",
    "async_add_signature_fields",
    "fill_text_fields",
    "form_field_names",
    "lock_of",
    "place_text_fields",
]

NUMBER_FIELD = "so_van_ban"
"""Default name of the document-number text field."""
DATE_FIELD = "ngay_ban_hanh"
"""Default name of the issue-date text field."""
SEAL_FIELD = "DauCoQuan"
"""Default name of the agency seal's signature field."""

@dataclass(frozen=True)
class FieldLayout:
    """Where the fields go (PDF points, origin bottom left). Defaults suit A4 page 1."""

    leader_field: str = "ChuKyLanhDao"
    """Name of the leader's signature field."""
    leader_box: Box = (330.0, 120.0, 530.0, 200.0)
    """Box of the leader's signature (signature block, between title and name)."""
    number_box: Box | None = None
    """Box of the document number ("Số: .../..."); ``None``: under the issuing agency's
    name (top left) if the page's text leaves that free, else the nearest free place
    (``signing.pades.placement``)."""
    date_box: Box | None = None
    """Box of the place and date line; ``None``: top right if free, else the nearest
    free place."""
    seal_field: str | None = SEAL_FIELD
    """Name of the (empty) seal signature field; ``None`` adds none (then the seal makes
    its own field when it signs, and the leader's lock cannot name it)."""
    seal_box: Box | None = None
    """Box of the seal field; defaults to overlapping the leader box's left third."""
    approver_fields: tuple[str, ...] = ()
    """Invisible signature fields of the approvers, in signing order (before the leader)."""
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
    from signing.stamps.appearance import seal_box_for

    return layout.seal_box if layout.seal_box is not None else seal_box_for(layout.leader_box)


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


def form_field_names(root: Any) -> list[str]:
    """Fully qualified names of the terminal form fields under ``root``'s AcroForm."""
    names: list[str] = []

    def walk(ref: Any, prefix: str, depth: int) -> None:
        field = ref.get_object()
        if depth > 32 or not hasattr(field, "get"):
            return
        part = field.get("/T")
        name = f"{prefix}.{part}" if prefix and part is not None else str(part or prefix)
        kids = [k for k in field.get("/Kids", ()) if "/T" in k.get_object()]
        if kids:
            for kid in kids:
                walk(kid, name, depth + 1)
        elif part is not None or prefix:
            names.append(name)

    try:
        form = root["/AcroForm"]
        for ref in form.get("/Fields", ()):
            walk(ref, "", 0)
    except (KeyError, TypeError, AttributeError):
        return names
    return names


def lock_of(fields: list[str]) -> FieldMDPSpec:
    """A FieldMDP lock freezing exactly ``fields`` (``/Include``)."""
    return FieldMDPSpec(action=FieldMDPAction.INCLUDE, fields=list(dict.fromkeys(fields)))


def _sig_field(
    writer: IncrementalPdfFileWriter, name: str, page: int, box: Box | None, lock: list[str]
) -> None:
    spec = SigFieldSpec(
        name,
        on_page=page,
        box=_int_box(box) if box is not None else None,
        field_mdp_spec=lock_of(lock),
    )
    append_signature_field(writer, spec)


_UNREADABLE_TEXT: tuple[type[Exception], ...] = (*MALFORMED, PyPdfError)


def place_text_fields(src: BinaryIO, layout: FieldLayout) -> FieldLayout:
    """``layout`` with a box for the number and the date: the caller's where given,
    else the customary one if no text of the page is in it, else the nearest free one."""
    if layout.number_box is not None and layout.date_box is not None:
        return layout
    try:
        page, obstacles = page_text_layout(src, layout.page)
    except _UNREADABLE_TEXT:
        # the text cannot be read: the customary places (pyHanko judges the file next)
        page, obstacles = (0.0, 0.0, 595.28, 841.89), []
    obstacles += [layout.leader_box, _seal_box(layout)]
    number = layout.number_box or free_box(customary_number_box(page), obstacles, page)
    date = layout.date_box or free_box(customary_date_box(page), [*obstacles, number], page)
    return dataclasses.replace(layout, number_box=number, date_box=date)


def _add_fields(writer: IncrementalPdfFileWriter, layout: FieldLayout) -> tuple[str, ...]:
    existing = form_field_names(writer.root)
    sig_fields = [*layout.approver_fields, layout.leader_field]
    ours = [*sig_fields, layout.number_field, layout.date_field]
    if layout.seal_field is not None:
        ours.append(layout.seal_field)
    clash = sorted(set(ours) & set(existing))
    if clash or len(set(ours)) != len(ours):
        raise FieldError(f"The document already has a field named {(clash or ours)[0]!r}.")
    everything = [*existing, *ours]
    try:
        # each signature locks what exists and is signed up to it, never what comes after
        for i, name in enumerate(sig_fields):
            visible = name == layout.leader_field
            box = layout.leader_box if visible else None
            _sig_field(writer, name, layout.page, box, [*existing, *sig_fields[: i + 1]])
        if layout.seal_field is not None:
            _sig_field(writer, layout.seal_field, layout.page, _seal_box(layout), everything)
    except MALFORMED as exc:  # pyHanko's own SigningError is a ValueError
        raise FieldError(f"The signature fields could not be added: {exc}") from exc
    assert layout.number_box is not None and layout.date_box is not None
    _add_text_field(writer, layout.number_field, layout.number_box, layout.page)
    _add_text_field(writer, layout.date_field, layout.date_box, layout.page)
    seal = (layout.seal_field,) if layout.seal_field is not None else ()
    return (*sig_fields, *seal, layout.number_field, layout.date_field)


def add_signature_fields(
    input: PdfInput, output: PdfOutput, layout: FieldLayout | None = None
) -> FieldsResult:
    """Add, in one incremental revision and before anyone signs, every sender-side field
    with its lock: approvers', leader's and seal's signature fields, number and date."""
    layout = layout or FieldLayout()
    with open_input(input) as src, open_output(output) as (out, _path):
        layout = place_text_fields(src, layout)
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
    # the stamps' font: pyHanko's default Helvetica has no Vietnamese letters. pyHanko's
    # text box ends at the last baseline: the bottom margin keeps the descenders (g, y,
    # ạ) inside the field, and a text longer than the field shrinks rather than clips.
    descent = font_metrics()[3] * size / 1000
    return TextBoxStyle(
        font=font_factory(size),
        font_size=size,
        box_layout_rule=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins(left=1, right=1, top=0, bottom=int(descent + 1)),
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
    )


def fill_text_fields(
    writer: IncrementalPdfFileWriter, values: dict[str, str], *, font_size: int = 11
) -> None:
    """Fill empty text fields (read-only afterwards) with Vietnamese-capable text."""
    for name, text in values.items():
        try:
            populate_static_text_field(writer, name, _text_style(font_size), text)
        except MALFORMED as exc:  # pyHanko's FormFillingError is a ValueError
            raise FieldError(
                f"The text field {name!r} could not be filled (missing or already filled): {exc}"
            ) from exc
