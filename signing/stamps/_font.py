"""The stamp font: the shipped ``fonts/DocflowStampSerif.ttf``, read once per process.

Private to :mod:`signing.stamps.appearance` (and the number and date text fields of
:mod:`signing.pades.fields`): raw bytes, metrics (1/1000 em) for measuring text, and
pyHanko font factories that read the font from memory.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "DocflowStampSerif.ttf"


@cache
def font_bytes() -> bytes:
    return FONT_PATH.read_bytes()


@cache
def font_metrics() -> tuple[dict[int, int], int, float, float]:
    """(advance width by code point, fallback advance, ascent, descent) in 1/1000 em."""
    tt = TTFont(io.BytesIO(font_bytes()))
    upem = tt["head"].unitsPerEm
    hmtx = tt["hmtx"]
    cmap = tt.getBestCmap()
    scale = 1000 / upem
    advances = {cp: round(hmtx[glyph][0] * scale) for cp, glyph in cmap.items()}
    fallback = round(hmtx[".notdef"][0] * scale)
    hhea = tt["hhea"]
    return advances, fallback, hhea.ascent * scale, -hhea.descent * scale


def text_width(text: str, size: float) -> float:
    """Width in pt of ``text`` set in the stamp font (no kerning: errs on the wide side)."""
    advances, fallback, _, _ = font_metrics()
    return sum(advances.get(ord(c), fallback) for c in text) * size / 1000


class CachedFontFactory(GlyphAccumulatorFactory):
    """``GlyphAccumulatorFactory`` that reads the font from memory, not from disk.

    The stock factory opens (and never closes) the font file for every signature.
    """

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(font_bytes()),
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )


@cache
def font_factory(size: int) -> CachedFontFactory:
    return CachedFontFactory(font_file=str(FONT_PATH), font_size=size, bcp47_lang_code="vi")
