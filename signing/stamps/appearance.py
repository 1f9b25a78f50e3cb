"""Visible appearances ("stamps") of docflow's signatures, as pyHanko stamp styles.

Three kinds, as they look on agencies' documents:

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

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.stamp import BaseStampStyle, TextStampStyle

from signing.stamps._font import FONT_PATH

# Font and layout internals stay reachable here as before (the unit tests use them).
from signing.stamps._font import font_bytes as _font_bytes  # noqa: F401
from signing.stamps._font import font_factory as _font_factory  # noqa: F401
from signing.stamps._font import text_width as _text_width  # noqa: F401
from signing.stamps._layout import TEXT_COLOR as TEXT_COLOR
from signing.stamps._layout import fit_text as _fit_text
from signing.stamps._layout import text_box_style as _text_box_style
from signing.stamps._seal_image import SEAL_RED, default_seal_image
from signing.stamps._seal_image import pdf_image as _image

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

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
"""Asia/Ho_Chi_Minh: UTC+07:00 all year (no daylight saving since 1975)."""

LEADER_BOX_SIZE: tuple[float, float] = (200.0, 80.0)
ATTACHMENT_BOX_SIZE: tuple[float, float] = (220.0, 42.0)

_PADDING = 2  # pt between the stamp's edge and its text
_SEAL_TEXT_HEIGHT = 40.0  # pt below the seal circle for "Ký bởi / Thời gian ký"
_SEAL_TEXT_SIZES = (8, 7)  # largest and smallest pt of that text: readable when printed


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


# --------------------------------------------------------------------------- helpers


def _uniform(margin: int) -> Margins:
    return Margins(left=margin, right=margin, top=margin, bottom=margin)


def _escape(text: str) -> str:
    """pyHanko applies ``stamp_text % text_params``: protect literal percent signs."""
    return text.replace("%", "%%")


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
    time) sits in a strip below the circle, as wide as the leader's box, so that even a
    long agency name fits in three or four lines of 7-8 pt.
    """
    x1, y1, x2, y2 = _normalise(leader_box)
    width, height = x2 - x1, y2 - y1
    diameter = min(max(height * 1.1, 60.0), 113.0)
    right_of_circle = x1 + width / 3
    left = right_of_circle - diameter
    centre_y = (y1 + y2) / 2
    top = centre_y + diameter / 2
    bottom = centre_y - diameter / 2 - _SEAL_TEXT_HEIGHT
    box_width = max(diameter, width)
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
        max_size=_SEAL_TEXT_SIZES[0],
        min_size=_SEAL_TEXT_SIZES[1],
        min_unwrapped_size=_SEAL_TEXT_SIZES[1],
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


# --------------------------------------------------------------------------- attachments


def attachment_box(
    page_width: float,
    page_height: float,
    *,
    size: tuple[float, float] = ATTACHMENT_BOX_SIZE,
    margin: tuple[float, float] = (28.0, 14.0),
) -> Box:
    """The attachment signature's box: top right of the page, inside its top margin.

    ``margin`` is (right, top) distance from the page edge in pt. Agencies differ in this
    placement: callers may pass any other box.
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
