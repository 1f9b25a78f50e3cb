"""The stand-in seal picture (Pillow), and decoding of uploaded stamp images.

Private to :mod:`signing.stamps.appearance`.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils.images import PdfImage

from signing.errors import SigningError
from signing.stamps._font import font_bytes, text_width

SEAL_RED: tuple[int, int, int] = (218, 18, 30)

_SEAL_IMAGE_PX = 600
_MAX_IMAGE_PX = 1200


def pdf_image(data: bytes, what: str) -> PdfImage:
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
    while size > 10 and text_width(text, size) * 1.08 / radius > max_sweep:
        size -= 1
    # Capitals (0.66 em) plus Vietnamese stacked marks: centre them on the band, nudged
    # inwards by the height the marks add on top.
    radius -= size * 0.24
    font = ImageFont.truetype(io.BytesIO(font_bytes()), size)
    spacing = 1.08
    advances = [text_width(ch, size) * spacing for ch in text]
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
