"""Visible appearances ("stamps") of docflow's signatures, as pyHanko stamp styles.

Three kinds, per DOMAIN.md ("How the signatures look"):

* the leader's signature: name, position and signing time, optionally above a
  handwritten-signature image, sized for a signature block of about 200 x 80 pt;
* the agency's seal: a red round seal image overlapping the left third of the leader's
  stamp (``seal_box_for``), with the agency name and the signing time below it;
* attachments: text only, giving the main document's number/symbol and the time,
  by default at the top right of page 1 (``attachment_box``).

Each function returns an :class:`Appearance`; pass ``style`` as
``PdfSigner(stamp_style=...)`` and ``text_params`` as ``appearance_text_params``.
Times are shown in Vietnam time (UTC+07:00) as ``hh:mm:ss dd/mm/yyyy``.

Text uses the shipped font ``fonts/DocflowStampSerif.ttf`` (Liberation Serif subset,
SIL OFL 1.1, rescaled to 1000 units per em: see ``fonts/build_stamp_font.py``). It is
read once per process. Framework-free: imports only pyHanko, fontTools and Pillow.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import BaseStampStyle, TextStampStyle

from signing.errors import SigningError

__all__ = [
    "ATTACHMENT_BOX_SIZE",
    "FONT_PATH",
    "LEADER_BOX_SIZE",
    "SEAL_RED",
    "VIETNAM_TZ",
    "Appearance",
    "attachment_appearance",
    "attachment_box",
    "INCOMING_BOX_SIZE",
    "default_seal_image",
    "incoming_appearance",
    "leader_appearance",
    "seal_appearance",
    "seal_box_for",
    "vietnam_time",
]

Box = tuple[float, float, float, float]
"""A rectangle in PDF user space: ``(x1, y1, x2, y2)``, lower left then upper right."""

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "DocflowStampSerif.ttf"

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
"""Asia/Ho_Chi_Minh: UTC+07:00 all year (no daylight saving since 1975)."""

LEADER_BOX_SIZE: tuple[float, float] = (200.0, 80.0)
ATTACHMENT_BOX_SIZE: tuple[float, float] = (220.0, 42.0)

SEAL_RED: tuple[int, int, int] = (218, 18, 30)
TEXT_COLOR: tuple[float, float, float] = (0.0, 0.0, 0.0)

_PADDING = 2  # pt between the stamp's edge and its text
_SEAL_TEXT_HEIGHT = 26.0  # pt below the seal circle for "Ký bởi / Thời gian ký"
_SEAL_IMAGE_PX = 600
_MAX_IMAGE_PX = 1200


@dataclass(frozen=True)
class Appearance:
    """What a signature looks like: hand both fields to pyHanko unchanged."""

    style: BaseStampStyle  # PdfSigner(stamp_style=...)
    text_params: Mapping[str, str]  # sign_pdf(appearance_text_params=...)


# --------------------------------------------------------------------------- time


def vietnam_time(dt: datetime) -> str:
    """``hh:mm:ss dd/mm/yyyy`` in Vietnam time (UTC+07:00) for an aware datetime."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(
            "vietnam_time needs a timezone-aware datetime (e.g. datetime.now(timezone.utc)); "
            "a naive one is ambiguous."
        )
    return dt.astimezone(VIETNAM_TZ).strftime("%H:%M:%S %d/%m/%Y")


# --------------------------------------------------------------------------- font


@cache
def _font_bytes() -> bytes:
    return FONT_PATH.read_bytes()


@cache
def _font_metrics() -> tuple[dict[int, int], int, float, float]:
    """(advance width by code point, fallback advance, ascent, descent) in 1/1000 em."""
    tt = TTFont(io.BytesIO(_font_bytes()))
    upem = tt["head"].unitsPerEm
    hmtx = tt["hmtx"]
    cmap = tt.getBestCmap()
    scale = 1000 / upem
    advances = {cp: round(hmtx[glyph][0] * scale) for cp, glyph in cmap.items()}
    fallback = round(hmtx[".notdef"][0] * scale)
    hhea = tt["hhea"]
    return advances, fallback, hhea.ascent * scale, -hhea.descent * scale


def _text_width(text: str, size: float) -> float:
    """Width in pt of ``text`` set in the stamp font (no kerning: errs on the wide side)."""
    advances, fallback, _, _ = _font_metrics()
    return sum(advances.get(ord(c), fallback) for c in text) * size / 1000


class _CachedFontFactory(GlyphAccumulatorFactory):
    """``GlyphAccumulatorFactory`` that reads the font from memory, not from disk.

    The stock factory opens (and never closes) the font file for every signature.
    """

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(_font_bytes()),
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )


@cache
def _font_factory(size: int) -> _CachedFontFactory:
    return _CachedFontFactory(font_file=str(FONT_PATH), font_size=size, bcp47_lang_code="vi")


# --------------------------------------------------------------------------- text layout


@dataclass(frozen=True)
class _TextBlock:
    lines: tuple[str, ...]
    size: int
    leading: int

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def bottom_pad(self) -> int:
        """Room under the last baseline for descenders (pyHanko's box ends at the baseline)."""
        return math.ceil(self.size * _font_metrics()[3] / 1000)

    @property
    def height(self) -> float:
        return len(self.lines) * self.leading + self.bottom_pad

    @property
    def width(self) -> float:
        return max(_text_width(line, self.size) for line in self.lines)


_TOKEN = re.compile(r"\d{2}:\d{2}:\d{2} \d{2}/\d{2}/\d{4}|\S+")
"""Words for wrapping; a ``hh:mm:ss dd/mm/yyyy`` time is never split across lines."""


def _wrap(paragraph: str, width: float, size: int, indent: str = "   ") -> list[str]:
    """Greedy word wrap; continuation lines are indented. A too-long word overflows."""
    words = _TOKEN.findall(paragraph)
    if not words:
        return [""]
    lines: list[str] = []
    current = words[0]
    for word in words[1:]:
        candidate = f"{current} {word}"
        if _text_width(candidate, size) <= width:
            current = candidate
        else:
            lines.append(current)
            current = indent + word
    lines.append(current)
    return lines


def _fit_text(
    paragraphs: Sequence[str],
    width: float,
    height: float,
    max_size: int,
    min_size: int = 5,
    min_unwrapped_size: int = 8,
) -> _TextBlock:
    """The largest font size (whole points) at which the text fits ``width x height``.

    One line per paragraph if that works at ``min_unwrapped_size`` or more; otherwise
    the largest size at which the word-wrapped text fits. If even ``min_size`` does not
    fit, the smallest layout is returned and pyHanko's shrink-to-fit scales it down.
    """
    smallest: _TextBlock | None = None
    for allow_wrap, lowest in ((False, max(min_unwrapped_size, min_size)), (True, min_size)):
        for size in range(max_size, lowest - 1, -1):
            leading = math.ceil(size * 1.18)
            lines: list[str] = []
            for paragraph in paragraphs:
                lines.extend(_wrap(paragraph, width if allow_wrap else math.inf, size))
            block = _TextBlock(tuple(lines), size, leading)
            if block.width <= width and block.height <= height:
                return block
            smallest = block
    assert smallest is not None
    return smallest


def _text_box_style(block: _TextBlock) -> TextBoxStyle:
    return TextBoxStyle(
        font=_font_factory(block.size),
        font_size=block.size,
        leading=block.leading,
        text_color=TEXT_COLOR,
        box_layout_rule=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MIN,
            margins=Margins(left=0, right=0, top=0, bottom=block.bottom_pad),
            inner_content_scaling=InnerScaling.NO_SCALING,
        ),
    )


def _uniform(margin: int) -> Margins:
    return Margins(left=margin, right=margin, top=margin, bottom=margin)


def _escape(text: str) -> str:
    """pyHanko applies ``stamp_text % text_params``: protect literal percent signs."""
    return text.replace("%", "%%")


def _image(data: bytes, what: str) -> PdfImage:
    """A Pillow-readable image (PNG with transparency preferred) as a pyHanko background.

    A fresh ``PdfImage`` per appearance (it remembers the PDF writer it was written
    to); the decoded picture is shared, as pyHanko only reads it.
    """
    return PdfImage(_decoded(data, what))


@lru_cache(maxsize=32)
def _decoded(data: bytes, what: str) -> Image.Image:
    """Decode once per distinct image. Larger than ``_MAX_IMAGE_PX`` on the long side
    is scaled down: a stamp is a few centimetres wide and a phone photo would bloat
    every signed copy."""
    try:
        img: Image.Image = Image.open(io.BytesIO(data))
        img.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SigningError(
            f"The {what} image cannot be read ({exc}); upload a PNG with a transparent background."
        ) from exc
    if img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA")
    if max(img.size) > _MAX_IMAGE_PX:
        img.thumbnail((_MAX_IMAGE_PX, _MAX_IMAGE_PX), Image.Resampling.LANCZOS)
    return img


def _params(**values: str) -> Mapping[str, str]:
    return MappingProxyType(dict(values))


# --------------------------------------------------------------------------- leader


def leader_appearance(
    name: str,
    position: str,
    signed_at: datetime,
    handwriting_png: bytes | None = None,
    *,
    box_size: tuple[float, float] = LEADER_BOX_SIZE,
    clear_of_seal: bool = True,
) -> Appearance:
    """The leader's stamp: optional handwritten signature above name, position and time.

    Laid out for a field of ``box_size`` (width, height) pt; a smaller field shrinks it.
    With ``clear_of_seal`` the text keeps out of the left third of the box, which the
    agency's seal covers (``seal_box_for``), so the seal hides the handwritten
    signature's left third, as on paper, but never the signer's name.
    """
    when = vietnam_time(signed_at)
    paragraphs = [f"Ký bởi: {name}"]
    if position.strip():
        paragraphs.append(f"Chức vụ: {position}")
    paragraphs.append(f"Thời gian ký: {when}")
    box_width, box_height = box_size
    left = math.ceil(box_width / 3) + _PADDING if clear_of_seal else _PADDING
    text_width = box_width - left - _PADDING
    text_height = box_height - 2 * _PADDING
    if handwriting_png is not None:
        text_height *= 0.45  # the signature image takes the top ~55 %
    block = _fit_text(paragraphs, text_width, text_height, max_size=9 if handwriting_png else 11)
    text_layout = SimpleBoxLayoutRule(
        x_align=AxisAlignment.ALIGN_MIN if clear_of_seal else AxisAlignment.ALIGN_MID,
        y_align=AxisAlignment.ALIGN_MID if handwriting_png is None else AxisAlignment.ALIGN_MIN,
        margins=Margins(left=left, right=_PADDING, top=_PADDING, bottom=_PADDING),
        inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
    )
    style_kwargs: dict[str, Any] = {}
    if handwriting_png is not None:
        style_kwargs.update(
            background=_image(handwriting_png, "handwritten signature"),
            background_layout=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MID,
                y_align=AxisAlignment.ALIGN_MAX,
                margins=Margins(
                    left=_PADDING,
                    right=_PADDING,
                    top=_PADDING,
                    bottom=math.ceil(block.height + 2 * _PADDING),
                ),
                inner_content_scaling=InnerScaling.STRETCH_TO_FIT,
            ),
            background_opacity=1.0,
        )
    style = TextStampStyle(
        stamp_text=_escape(block.text),
        text_box_style=_text_box_style(block),
        inner_content_layout=text_layout,
        border_width=0,
        **style_kwargs,
    )
    return Appearance(style, _params(name=name, position=position, signed_at=when))


# --------------------------------------------------------------------------- seal


def seal_box_for(leader_box: Box) -> Box:
    """Where the agency seal goes, given the leader's signature box ``(x1, y1, x2, y2)``.

    The seal circle (diameter 1.1 x the leader box's height, within 60..113 pt, i.e. a
    real 21..40 mm seal) is centred vertically on the leader's box and its right edge
    reaches one third into it, so it covers the left third. The seal's text (agency,
    time) sits in a strip below the circle, at least 0.6 x the leader's width wide.
    """
    x1, y1, x2, y2 = _normalise(leader_box)
    width, height = x2 - x1, y2 - y1
    diameter = min(max(height * 1.1, 60.0), 113.0)
    right_of_circle = x1 + width / 3
    left = right_of_circle - diameter
    centre_y = (y1 + y2) / 2
    top = centre_y + diameter / 2
    bottom = centre_y - diameter / 2 - _SEAL_TEXT_HEIGHT
    box_width = max(diameter, 0.6 * width)
    return (left, bottom, left + box_width, top)


def _normalise(box: Box) -> Box:
    x1, y1, x2, y2 = box
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def seal_appearance(
    agency_name: str,
    signed_at: datetime,
    seal_png: bytes | None = None,
    *,
    box_size: tuple[float, float] | None = None,
) -> Appearance:
    """The agency's stamp: the red seal image with "Ký bởi / Thời gian ký" below it.

    ``seal_png`` is the agency's seal (transparent background); without it a seal is
    drawn from the agency name (``default_seal_image``). Laid out for the box that
    ``seal_box_for`` gives for a 200 x 80 pt leader box unless ``box_size`` says otherwise.
    """
    if box_size is None:
        x1, y1, x2, y2 = seal_box_for((0.0, 0.0, *LEADER_BOX_SIZE))
        box_size = (x2 - x1, y2 - y1)
    when = vietnam_time(signed_at)
    png = seal_png if seal_png is not None else default_seal_image(agency_name)
    text_height = min(_SEAL_TEXT_HEIGHT, box_size[1] / 3)
    block = _fit_text(
        [f"Ký bởi: {agency_name}", f"Thời gian ký: {when}"],
        box_size[0] - 2 * _PADDING,
        text_height - _PADDING,
        max_size=7,
        min_size=4,
    )
    style = TextStampStyle(
        stamp_text=_escape(block.text),
        text_box_style=_text_box_style(block),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MIN,
            margins=Margins(left=_PADDING, right=_PADDING, top=0, bottom=_PADDING),
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
        background=_image(png, "seal"),
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MAX,
            margins=Margins(left=0, right=0, top=0, bottom=math.ceil(text_height)),
            inner_content_scaling=InnerScaling.STRETCH_TO_FIT,
        ),
        background_opacity=0.9,
        border_width=0,
    )
    return Appearance(style, _params(agency_name=agency_name, signed_at=when))


@lru_cache(maxsize=64)
def default_seal_image(agency_name: str) -> bytes:
    """A red round seal drawn from the agency name: PNG, transparent background.

    Double outer ring, the name in capitals around the top, an inner ring and a
    five-pointed star in the centre. A stand-in for agencies without a seal image.
    """
    n = _SEAL_IMAGE_PX
    c = n / 2
    ink = (*SEAL_RED, 255)
    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)

    def ring(radius: float, width: int) -> None:
        draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=ink, width=width)

    ring(c - 4, 16)  # outer ring
    ring(c - 30, 4)  # thin ring inside it
    inner = c * 0.6
    ring(inner, 5)  # inner ring around the star
    _draw_star(draw, c, c, inner * 0.62, ink)

    band_outer, band_inner = c - 36, inner + 6
    _draw_arc_text(img, agency_name.upper(), c, band_outer, band_inner, ink)

    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw_star(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, ink: tuple[int, ...]
) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=ink)


def _draw_arc_text(
    img: Image.Image,
    text: str,
    c: float,
    band_outer: float,
    band_inner: float,
    ink: tuple[int, ...],
) -> None:
    """Set ``text`` clockwise along the band, centred on the top, at most 300 degrees."""
    band = band_outer - band_inner
    max_sweep = math.radians(300)
    size = int(band * 0.62)
    radius = band_inner + band * 0.5  # where the middle of the capitals goes
    while size > 10 and _text_width(text, size) * 1.08 / radius > max_sweep:
        size -= 1
    # Capitals (0.66 em) plus Vietnamese stacked marks: centre them on the band, nudged
    # inwards by the height the marks add on top.
    radius -= size * 0.24
    font = ImageFont.truetype(io.BytesIO(_font_bytes()), size)
    spacing = 1.08
    advances = [_text_width(ch, size) * spacing for ch in text]
    total = sum(advances) / radius
    angle = -total / 2  # clockwise from the top
    tile = int(size * 2.2)
    for ch, adv in zip(text, advances, strict=True):
        mid = angle + adv / 2 / radius
        angle += adv / radius
        if ch.isspace():
            continue
        glyph = Image.new("RGBA", (tile, tile), (0, 0, 0, 0))
        gdraw = ImageDraw.Draw(glyph)
        # anchor "ms": middle of the glyph horizontally, baseline vertically
        gdraw.text(
            (tile / 2, tile / 2 + size * 0.35),
            ch,
            font=font,
            fill=ink,
            anchor="ms",
            stroke_width=max(1, size // 28),
            stroke_fill=ink,
        )
        glyph = glyph.rotate(-math.degrees(mid), resample=Image.Resampling.BICUBIC)
        x = c + radius * math.sin(mid) - tile / 2
        y = c - radius * math.cos(mid) - tile / 2
        img.alpha_composite(glyph, (round(x), round(y)))


# --------------------------------------------------------------------------- attachments


def attachment_box(
    page_width: float,
    page_height: float,
    *,
    size: tuple[float, float] = ATTACHMENT_BOX_SIZE,
    margin: tuple[float, float] = (28.0, 14.0),
) -> Box:
    """The attachment signature's box: top right of the page, inside its top margin.

    ``margin`` is (right, top) distance from the page edge in pt. DOMAIN.md marks this
    placement as uncertain: callers may pass any other box.
    """
    width, height = size
    right, top = margin
    x2, y2 = page_width - right, page_height - top
    return (x2 - width, y2 - height, x2, y2)


def attachment_appearance(
    document_ref: str,
    signed_at: datetime,
    agency_name: str = "",
    *,
    box_size: tuple[float, float] = ATTACHMENT_BOX_SIZE,
) -> Appearance:
    """Text-only stamp for a file attached to a document: which document, who, when."""
    when = vietnam_time(signed_at)
    paragraphs = [f"Kèm theo văn bản số {document_ref}"]
    if agency_name:
        paragraphs.append(f"Ký bởi: {agency_name}")
    paragraphs.append(f"Thời gian ký: {when}")
    block = _fit_text(
        paragraphs, box_size[0] - 2 * _PADDING, box_size[1] - 2 * _PADDING, max_size=10
    )
    style = TextStampStyle(
        stamp_text=_escape(block.text),
        text_box_style=_text_box_style(block),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MAX,
            y_align=AxisAlignment.ALIGN_MAX,
            margins=_uniform(_PADDING),
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=0,
    )
    return Appearance(
        style, _params(document_ref=document_ref, agency_name=agency_name, signed_at=when)
    )


# --------------------------------------------------------------------------- incoming stamp

INCOMING_BOX_SIZE: tuple[float, float] = (170.0, 58.0)


def incoming_appearance(
    agency_name: str,
    number: int,
    received_at: datetime,
    *,
    box_size: tuple[float, float] = INCOMING_BOX_SIZE,
) -> Appearance:
    """The receiving agency's incoming stamp ("ĐẾN"): incoming number and date received.

    Shown as ``ĐẾN — Số: 12 — Ngày: 26/11/2026`` over three lines plus the agency name;
    placed like an attachment stamp (``attachment_box``, top right of page 1) by default.
    """
    day = received_at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")
    paragraphs = ["ĐẾN", f"Số: {number:02d}", f"Ngày: {day}"]
    if agency_name:
        paragraphs.append(agency_name)
    block = _fit_text(
        paragraphs, box_size[0] - 2 * _PADDING, box_size[1] - 2 * _PADDING, max_size=10
    )
    style = TextStampStyle(
        stamp_text=_escape(block.text),
        text_box_style=_text_box_style(block),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID,
            y_align=AxisAlignment.ALIGN_MID,
            margins=_uniform(_PADDING),
            inner_content_scaling=InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=1,
    )
    return Appearance(
        style, _params(agency_name=agency_name, number=f"{number:02d}", received=day)
    )
