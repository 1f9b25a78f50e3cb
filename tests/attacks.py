"""Crafted changes to signed PDFs, as an attacker would make them (no tests here).

Each function takes the bytes of a signed PDF and returns them with one incremental
update (or raw bytes) appended that tries to change what the document shows while
keeping every signature's bytes intact.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

__all__ = [
    "ATTACKS",
    "add_annotation_overlay",
    "add_painting_signature_field",
    "append_object_after_eof",
    "append_object_repointing_startxref",
    "change_field_value",
    "fill_empty_field",
    "find_field",
    "hide_widget",
    "repaint_widget",
    "replace_page_content",
    "with_text_fields",
]


def _writer(data: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(io.BytesIO(data), strict=False)


def _done(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _text_stream(
    writer: IncrementalPdfFileWriter, text: str, width: float, height: float, size: float = 14
) -> generic.IndirectObject:
    """A form XObject painting ``text`` in Helvetica on a white box (covers what is under)."""
    content = (
        f"1 1 1 rg 0 0 {width} {height} re f BT 0 0 0 rg /Helv {size} Tf 2 4 Td ({text}) Tj ET"
    ).encode()
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (0, 0, width, height)]
            ),
            pdf_name("/Resources"): generic.DictionaryObject(
                {
                    pdf_name("/Font"): generic.DictionaryObject(
                        {
                            pdf_name("/Helv"): generic.DictionaryObject(
                                {
                                    pdf_name("/Type"): pdf_name("/Font"),
                                    pdf_name("/Subtype"): pdf_name("/Type1"),
                                    pdf_name("/BaseFont"): pdf_name("/Helvetica"),
                                }
                            )
                        }
                    )
                }
            ),
        },
        stream_data=content,
    )
    return writer.add_object(stream)


def find_field(writer: IncrementalPdfFileWriter, name: str) -> generic.IndirectObject:
    for ref in writer.root["/AcroForm"]["/Fields"]:
        if ref.get_object().get("/T") == name:
            return ref
    raise LookupError(name)


def _rect(obj: generic.DictionaryObject) -> tuple[float, float]:
    x1, y1, x2, y2 = (float(v) for v in obj["/Rect"])
    return abs(x2 - x1) or 100.0, abs(y2 - y1) or 20.0


def change_field_value(data: bytes, name: str, text: str) -> bytes:
    """Rewrite the value AND appearance of a filled text field (e.g. the number)."""
    w = _writer(data)
    ref = find_field(w, name)
    field = ref.get_object()
    width, height = _rect(field)
    field[pdf_name("/V")] = generic.TextStringObject(text)
    field[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): _text_stream(w, text, width, height)}
    )
    w.update_container(field)
    return _done(w)


def fill_empty_field(data: bytes, name: str, text: str, *, keep_page_link: bool = True) -> bytes:
    """Fill an empty text field with text painted on a white box (covers a line)."""
    w = _writer(data)
    ref = find_field(w, name)
    field = ref.get_object()
    width, height = _rect(field)
    field[pdf_name("/V")] = generic.TextStringObject(text)
    field[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): _text_stream(w, text, width, height)}
    )
    if not keep_page_link and "/P" in field:
        del field[pdf_name("/P")]
    w.update_container(field)
    return _done(w)


def repaint_widget(data: bytes, name: str, text: str) -> bytes:
    """Give a field (e.g. a signature's widget) a new appearance, value untouched."""
    w = _writer(data)
    field = find_field(w, name).get_object()
    width, height = _rect(field)
    field[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): _text_stream(w, text, width, height)}
    )
    w.update_container(field)
    return _done(w)


def hide_widget(data: bytes, name: str) -> bytes:
    """Set the Hidden flag on a field's widget (a seal that no longer shows)."""
    w = _writer(data)
    field = find_field(w, name).get_object()
    field[pdf_name("/F")] = generic.NumberObject(2)
    w.update_container(field)
    return _done(w)


def _page_ref(w: IncrementalPdfFileWriter, page: int) -> generic.IndirectObject:
    return w.find_page_for_modification(page)[0]


def add_painting_signature_field(
    data: bytes, text: str = "So: 99/QD-GIA", rect: tuple[float, ...] = (60, 700, 300, 730)
) -> bytes:
    """A NEW, unsigned signature field whose appearance paints text over page 1."""
    w = _writer(data)
    page_ref = _page_ref(w, 0)
    x1, y1, x2, y2 = rect
    field = generic.DictionaryObject(
        {
            pdf_name("/FT"): pdf_name("/Sig"),
            pdf_name("/T"): generic.TextStringObject("ChuKyMoi"),
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/F"): generic.NumberObject(4),
            pdf_name("/P"): page_ref,
            pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in rect]),
            pdf_name("/AP"): generic.DictionaryObject(
                {pdf_name("/N"): _text_stream(w, text, x2 - x1, y2 - y1)}
            ),
        }
    )
    ref = w.add_object(field)
    fields = w.root["/AcroForm"]["/Fields"]
    fields.append(ref)
    w.update_container(fields)
    w.register_annotation(page_ref, ref)
    return _done(w)


def add_annotation_overlay(data: bytes, text: str = "DA HUY") -> bytes:
    """A FreeText annotation painting over the body text of page 1."""
    w = _writer(data)
    page_ref = _page_ref(w, 0)
    annot = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/FreeText"),
            pdf_name("/Rect"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (60, 600, 400, 640)]
            ),
            pdf_name("/Contents"): generic.TextStringObject(text),
            pdf_name("/DA"): generic.TextStringObject("/Helv 24 Tf 1 0 0 rg"),
            pdf_name("/AP"): generic.DictionaryObject(
                {pdf_name("/N"): _text_stream(w, text, 340, 40, 24)}
            ),
        }
    )
    w.register_annotation(page_ref, w.add_object(annot))
    return _done(w)


def replace_page_content(data: bytes, text: str = "Noi dung da bi thay the") -> bytes:
    """Replace page 1's content stream in a later revision."""
    w = _writer(data)
    page_ref = _page_ref(w, 0)
    stream = generic.StreamObject(stream_data=f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode())
    page_obj = page_ref.get_object()
    page_obj[pdf_name("/Contents")] = w.add_object(stream)
    w.update_container(page_obj)
    return _done(w)


_APPENDED = (
    b"\n999 0 obj\n<< /Type /Annot /Subtype /FreeText /Rect [60 600 400 640] "
    b"/Contents (DA HUY) >>\nendobj\n"
)


def append_object_after_eof(data: bytes) -> bytes:
    """Raw bytes after ``%%EOF``: an object, no cross-reference section."""
    return data + _APPENDED


def append_object_repointing_startxref(data: bytes) -> bytes:
    """An object after ``%%EOF``, then a ``startxref`` that points at the old xref."""
    at = data.rstrip().rfind(b"startxref")
    old = data[at:].split()[1]
    return data + _APPENDED + b"startxref\n" + old + b"\n%%EOF\n"


def with_text_fields(data: bytes, filled: dict[str, str], empty: tuple[str, ...]) -> bytes:
    """An unsigned PDF with ordinary form fields (as an agency's own template has)."""
    w = _writer(data)
    page_ref = _page_ref(w, 0)
    if "/AcroForm" not in w.root:
        w.root[pdf_name("/AcroForm")] = w.add_object(
            generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        )
        w.update_root()
    fields = w.root["/AcroForm"]["/Fields"]
    y = 560.0
    for name, value in [*filled.items(), *((n, None) for n in empty)]:
        rect = (60.0, y, 400.0, y + 20)
        field = generic.DictionaryObject(
            {
                pdf_name("/FT"): pdf_name("/Tx"),
                pdf_name("/T"): generic.TextStringObject(name),
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/F"): generic.NumberObject(4),
                pdf_name("/P"): page_ref,
                pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in rect]),
                pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            }
        )
        if value is not None:
            field[pdf_name("/V")] = generic.TextStringObject(value)
            field[pdf_name("/AP")] = generic.DictionaryObject(
                {pdf_name("/N"): _text_stream(w, value, 340, 20, 12)}
            )
        ref = w.add_object(field)
        fields.append(ref)
        w.register_annotation(page_ref, ref)
        y -= 30
    w.update_container(fields)
    return _done(w)


#: The attacks on a sealed docflow document: name -> (change, words the report must use).
ATTACKS: dict[str, tuple[Callable[[bytes], bytes], tuple[str, ...]]] = {
    "number rewritten after the seal": (
        lambda d: change_field_value(d, "so_van_ban", "Số: 99/QĐ-GIẢ"),
        ("number field",),
    ),
    "date rewritten after the seal": (
        lambda d: change_field_value(d, "ngay_ban_hanh", "Hậu Giang, ngày 01 tháng 01 năm 2020"),
        ("date field",),
    ),
    "new unsigned signature field paints text": (
        add_painting_signature_field,
        ("new signature field",),
    ),
    "annotation overlay": (add_annotation_overlay, ("annotation",)),
    "page content replaced": (replace_page_content, ("modified",)),
    "seal widget hidden": (lambda d: hide_widget(d, "DauCoQuan"), ("seal",)),
    "leader appearance repainted": (
        lambda d: repaint_widget(d, "ChuKyLanhDao", "Nguoi ky khac"),
        ("signer's signature field",),
    ),
    "object appended after %%EOF": (append_object_after_eof, ("appended",)),
    "object appended, startxref re-pointed": (append_object_repointing_startxref, ("appended",)),
}
