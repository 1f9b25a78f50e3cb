"""Where the number and date fields go when the caller does not say: never over text.

A Vietnamese official document (Decree 30/2020, appendix I) carries its number
("Số: 07/QĐ-UBND") under the issuing agency's name, top left, and its place and date
line under the national motto, top right. A draft typed with that header leaves the
band free and the fields go there; a draft whose body starts higher has text in the
band, and each field then goes to the free rectangle nearest to its customary place.

"Free" is judged on the page's text layer (pypdf, positions from a text visitor, widths
estimated on the wide side) and on the boxes of the other fields (leader, seal, and the
field placed before). Graphics without text (a logo, a rule) are not seen. When nothing
on the page is free, or the text cannot be read, the customary place is kept: placement
never refuses a document.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

from signing.pades.levels import Box

__all__ = [
    "FIELD_HEIGHT",
    "customary_date_box",
    "customary_number_box",
    "free_box",
    "incoming_box",
    "intersects",
    "page_text_layout",
]

FIELD_HEIGHT = 18.0
"""Height of the number and date fields: 11 pt text with room above and below (1.6 x)."""
_GAP = 2.0  # pt kept between a field and any text
_STEP = 4.0  # pt between candidate positions
_EM = 0.6  # estimated advance width of a character, in em (wide side of Latin fonts)
_MARGIN = 14.0  # pt kept from the page's edge


def customary_number_box(page: Box) -> Box:
    """Under the agency name, top left (``(60, 742, 280, 760)`` on A4)."""
    x1, _, _, y2 = page
    top = y2 - 82.0
    return (x1 + 60.0, top - FIELD_HEIGHT, x1 + 280.0, top)


def customary_date_box(page: Box) -> Box:
    """Under the national motto, top right (``(300, 742, 560, 760)`` on A4)."""
    _, _, x2, y2 = page
    top = y2 - 82.0
    return (x2 - 295.0, top - FIELD_HEIGHT, x2 - 35.0, top)


def intersects(a: Box, b: Box, gap: float = 0.0) -> bool:
    """Whether ``a`` and ``b`` overlap, or come closer than ``gap``."""
    return not (
        a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]
    )


def _product(tm: Sequence[float], cm: Sequence[float]) -> tuple[float, ...]:
    a, b, c, d, e, f = (float(v) for v in tm)
    p, q, r, s, t, u = (float(v) for v in cm)
    return (
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    )


def _line_box(text: str, matrix: Sequence[float], font_size: float) -> Box | None:
    """The box a run of text covers: from the baseline origin, descenders to ascenders."""
    a, b, c, d, x, y = matrix
    size = abs(font_size) * math.hypot(c, d)
    if size <= 0 or not text.strip():
        return None
    width = _EM * abs(font_size) * math.hypot(a, b) * len(text.rstrip())
    return (x, y - 0.3 * size, x + max(width, size), y + 1.0 * size)


def page_text_layout(stream: BinaryIO, page_index: int) -> tuple[Box, list[Box]]:
    """The page's visible box and the boxes of its text runs (user space); raises what
    reading a damaged file raises (pypdf's errors, ``MALFORMED``). Leaves ``stream`` at
    its start."""
    from pypdf import PdfReader

    boxes: list[Box] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, font_size: Any) -> None:
        if not text or not isinstance(font_size, int | float):
            return
        matrix = _product(tm, cm)
        for n, part in enumerate(text.split("\n")):
            # pypdf reports a run with its line breaks at the first line's position
            shifted = (*matrix[:5], matrix[5] - n * 1.2 * font_size * math.hypot(*matrix[2:4]))
            box = _line_box(part, shifted, float(font_size))
            if box is not None:
                boxes.append(box)

    try:
        reader = PdfReader(stream, strict=False)
        page = reader.pages[page_index]
        crop = page.cropbox
        page_box = (float(crop.left), float(crop.bottom), float(crop.right), float(crop.top))
        page.extract_text(visitor_text=visit)
    finally:
        stream.seek(0)
    return page_box, boxes


def free_box(preferred: Box, obstacles: Iterable[Box], page: Box, *, gap: float = _GAP) -> Box:
    """``preferred`` if it keeps ``gap`` from every obstacle, else the free box of the
    same size nearest to it on ``page``; ``preferred`` when no box of that size is free."""
    blocked = list(obstacles)
    if not any(intersects(preferred, box, gap) for box in blocked):
        return preferred
    width, height = preferred[2] - preferred[0], preferred[3] - preferred[1]
    left, bottom = page[0] + _MARGIN, page[1] + _MARGIN
    right, top = page[2] - _MARGIN - width, page[3] - _MARGIN - height
    if right < left or top < bottom:
        return preferred
    columns = int((right - left) // _STEP) + 1
    rows = int((top - bottom) // _STEP) + 1
    candidates = [
        (left + i * _STEP, bottom + j * _STEP) for i in range(columns) for j in range(rows)
    ]
    # nearest first; a move across the page counts more than one up or down the column
    candidates.sort(key=lambda p: math.hypot(1.5 * (p[0] - preferred[0]), p[1] - preferred[1]))
    for x, y in candidates:
        box = (x, y, x + width, y + height)
        if not any(intersects(box, other, gap) for other in blocked):
            return box
    return preferred


def _widget_boxes(page: Any) -> list[Box]:
    """The rectangles of the page's annotations (signature fields and their stamps)."""
    boxes: list[Box] = []
    for ref in page.get("/Annots") or []:
        rect = ref.get_object().get("/Rect")
        if rect is not None and len(rect) == 4:
            x1, y1, x2, y2 = (float(v) for v in rect)
            boxes.append((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
    return boxes


def incoming_box(stream: BinaryIO, preferred: Box) -> Box:
    """Where a recipient's incoming stamp ("ĐẾN") goes on page 1: ``preferred`` (top
    right, in the margin) unless it would cover text or another field's stamp (the
    national motto of a letterhead that starts high, the number or the date), else the
    nearest free box of its size. An unreadable text layer keeps ``preferred``."""
    from pypdf import PdfReader

    try:
        page_box, obstacles = page_text_layout(stream, 0)
        obstacles += _widget_boxes(PdfReader(stream, strict=False).pages[0])
    except Exception:  # noqa: BLE001 - edge: placement never refuses a document
        return preferred
    finally:
        stream.seek(0)
    return free_box(preferred, obstacles, page_box)
