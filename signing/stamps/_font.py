"""The stamp font: the shipped ``fonts/DocflowStampSerif.ttf``, read once per process.

Private to :mod:`signing.stamps.appearance` (and the number and date text fields of
:mod:`signing.pades.fields`): raw bytes, metrics (1/1000 em) for measuring text, and
pyHanko font factories that read the font from memory.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Any

from fontTools import subset, ttLib
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font import opentype
from pyhanko.pdf_utils.font.opentype import (
    CIDFontType2,
    GlyphAccumulator,
    GlyphAccumulatorFactory,
)

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


#: Subset font programs of the stamp font by the glyph ids they keep, per process.
_SUBSETS: OrderedDict[frozenset[int], bytes] = OrderedDict()
_SUBSETS_LOCK = threading.Lock()
_SUBSETS_SIZE = 512
#: Characters every subset keeps, used or not: numbers, dates and times differ from one
#: stamp to the next, so without them nearly every stamp would need a subset of its own.
ALWAYS_KEPT = "0123456789:/.,-+ "


@cache
def _always_kept_gids() -> frozenset[int]:
    tt = TTFont(io.BytesIO(font_bytes()))
    cmap = tt.getBestCmap()
    return frozenset(tt.getGlyphID(cmap[ord(c)]) for c in ALWAYS_KEPT if ord(c) in cmap)


class _StampFontHandle(io.BytesIO):
    """The stamp font's bytes, handed to pyHanko's glyph accumulator: its ``TTFont()``
    of this handle is the font parsed once per process (:func:`_shared_font`)."""

    def __init__(self) -> None:
        super().__init__(font_bytes())


@cache
def _shared_font() -> TTFont:
    """The stamp font, parsed once per process, every table read in advance.

    pyHanko's accumulator parsed the font anew for each text box (its glyph table
    alone about 1.5 ms, five or six boxes a document) and only reads it: metrics, glyph
    names, widths. The one thing that changes a font, subsetting, is done here on a
    copy of its own (:meth:`_SubsetCachingAccumulator._extract_subset`). Every table is
    decompiled here, so that threads reading it later do not load tables at once.
    """
    tt = TTFont(io.BytesIO(font_bytes()))
    tags = tt.keys()  # a TTFont is not iterable
    for tag in tags:
        tt[tag]  # noqa: B018  # decompiled now, not on a first read from some thread
    tt.getGlyphSet(preferCFF=True)
    tt.getReverseGlyphMap()
    return tt


class _TTLibForPyHanko:
    """What pyHanko's ``opentype`` module calls ``ttLib``: fontTools' ``ttLib``, but
    ``TTFont()`` of a :class:`_StampFontHandle` is the shared parsed stamp font. Any
    other font pyHanko opens is parsed as before."""

    def __getattr__(self, name: str) -> Any:
        return getattr(ttLib, name)

    @staticmethod
    def TTFont(file: Any = None, *args: Any, **kwargs: Any) -> TTFont:  # noqa: N802  # fontTools' name
        if isinstance(file, _StampFontHandle) and not args and not kwargs:
            return _shared_font()
        return ttLib.TTFont(file, *args, **kwargs)


opentype.ttLib = _TTLibForPyHanko()  # type: ignore[attr-defined]


class _SubsetCachingAccumulator(GlyphAccumulator):
    """pyHanko's glyph accumulator for the stamp font, reusing the subset font program
    made earlier for the same glyphs.

    Every text box of every stamp (a seal has three: number, date, appearance) parsed
    the font, subset it with fontTools and saved the subset again: about 21 ms each,
    40% of a seal's CPU. A TrueType subset keeps the font's glyph ids (pyHanko's
    ``retain_gids``), and fontTools makes the same program from the same glyphs (but
    for the "modified" time it stamps in ``head`` on every save), so a program made
    once serves every later box with those glyphs. Digits and the punctuation of
    numbers, dates and times are always kept (:data:`ALWAYS_KEPT`, about 1 KB), so one
    program serves an agency's seal whatever its number and time. Everything else (the
    font dictionaries, widths, ``ToUnicode``) pyHanko still writes for each box.
    """

    def _extract_subset(self, options: Any = None) -> None:
        """pyHanko's subsetting (TrueType: glyph ids kept), of the glyphs used and
        :data:`ALWAYS_KEPT`, into a font of this accumulator's own: subsetting changes
        the font in place, and ``self.tt`` is shared with every other text box."""
        options = subset.Options(layout_closure=False)
        options.drop_tables += ["GPOS", "GDEF", "GSUB"]
        options.retain_gids = True
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(gids=sorted(set(self._glyphs) | _always_kept_gids()))
        own = TTFont(io.BytesIO(font_bytes()))
        subsetter.subset(own)
        self.tt = own

    def prepare_write(self) -> None:
        if self._write_prepared or not isinstance(self.cidfont_obj, CIDFontType2):
            super().prepare_write()  # type: ignore[no-untyped-call]
            return
        key = frozenset(self._glyphs) | _always_kept_gids()
        with _SUBSETS_LOCK:
            program = _SUBSETS.get(key)
            if program is not None:
                _SUBSETS.move_to_end(key)
        if program is None:
            self._extract_subset()
            buffer = io.BytesIO()
            self.tt.save(buffer)
            program = buffer.getvalue()
            with _SUBSETS_LOCK:
                _SUBSETS[key] = program
                while len(_SUBSETS) > _SUBSETS_SIZE:
                    _SUBSETS.popitem(last=False)
        self._subset_created = True  # pyHanko's own subsetting is skipped
        cidfont = self.cidfont_obj

        def set_font_file(writer: Any) -> Any:
            # CIDFontType2.set_font_file, with the program made once
            stream = generic.StreamObject(stream_data=program)
            stream.compress()  # type: ignore[no-untyped-call]
            ref = writer.add_object(stream)
            cidfont._font_descriptor[generic.pdf_name("/FontFile2")] = ref
            return ref

        cidfont.set_font_file = set_font_file  # type: ignore[method-assign]
        super().prepare_write()  # type: ignore[no-untyped-call]


class CachedFontFactory(GlyphAccumulatorFactory):
    """``GlyphAccumulatorFactory`` that reads the font from memory, not from disk, and
    reuses subset font programs (:class:`_SubsetCachingAccumulator`).

    The stock factory opens (and never closes) the font file for every signature.
    """

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return _SubsetCachingAccumulator(
            writer=writer,
            font_handle=_StampFontHandle(),
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
