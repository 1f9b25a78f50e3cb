"""The stamp font's subset programs are made once per set of glyphs and reused: what a
stamp embeds is the font program pyHanko's own subsetting embeds for its text and the
digits and punctuation every subset keeps, table for table (only the subset's "modified"
time is that of the first one made; no services)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.writer import PdfFileWriter

from signing.stamps import _font


def _embedded_program(engine: Any, writer: PdfFileWriter) -> bytes:
    engine.prepare_write()
    cidfont = engine.cidfont_obj
    return bytes(cidfont._font_descriptor["/FontFile2"].get_object().data)


def _stamp(text: str) -> bytes:
    writer = PdfFileWriter()
    engine = _font.font_factory(11).create_font_engine(writer)
    engine.shape(text)
    return _embedded_program(engine, writer)


def _pyhanko_stamp(text: str) -> bytes:
    """pyHanko's own subsetting, of ``text`` and the characters every subset keeps."""
    writer = PdfFileWriter()
    engine = GlyphAccumulator(writer, io.BytesIO(_font.font_bytes()), 11)
    engine.shape(text + _font.ALWAYS_KEPT)
    return _embedded_program(engine, writer)


def _tables(program: bytes) -> dict[str, bytes]:
    """Each table's bytes; ``head`` without the time fontTools stamps on every save."""
    # Not recalcTimestamp: compiling would stamp "now" again, and two calls a second
    # apart then differ (a flaky failure in CI).
    font = TTFont(io.BytesIO(program), recalcTimestamp=False)
    head = font["head"]
    head.modified = head.created
    head.checkSumAdjustment = 0
    out = {tag: bytes(font.reader[tag]) for tag in font.reader.tables if tag != "head"}
    out["head"] = head.compile(font)
    return out


@pytest.fixture
def subsets(monkeypatch: pytest.MonkeyPatch) -> dict[frozenset[int], bytes]:
    """The cache, empty for this test; how many subsets fontTools made."""
    fresh: Any = type(_font._SUBSETS)()
    monkeypatch.setattr(_font, "_SUBSETS", fresh)
    return fresh  # type: ignore[no-any-return]


def test_a_repeated_text_reuses_the_program_pyhanko_would_embed(
    subsets: dict[frozenset[int], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "Số: 07/QĐ-STTTT — Hậu Giang, ngày 01 tháng 12 năm 2026"
    made: list[int] = []
    extract = _font._SubsetCachingAccumulator._extract_subset

    def counting(self: Any, *args: Any) -> None:
        made.append(1)
        extract(self, *args)

    monkeypatch.setattr(_font._SubsetCachingAccumulator, "_extract_subset", counting)
    first = _stamp(text)
    second = _stamp(text)
    assert len(made) == 1  # the second stamp reused the first one's program
    assert len(subsets) == 1
    assert first == second  # the very same program
    assert _tables(first) == _tables(_pyhanko_stamp(text))


def test_other_glyphs_get_their_own_program(subsets: dict[frozenset[int], bytes]) -> None:
    one = _stamp("Sở Tài chính")
    other = _stamp("Sở Thông tin và Truyền thông")
    assert one != other and len(subsets) == 2
    assert _tables(other) == _tables(_pyhanko_stamp("Sở Thông tin và Truyền thông"))
    # A subset holds only its glyphs: far smaller than the whole stamp font.
    assert len(one) < len(_font.font_bytes()) / 2


def test_numbers_and_times_share_one_program(subsets: dict[frozenset[int], bytes]) -> None:
    """An agency's seal differs from one document to the next only by its number and
    time: one subset serves them all, and each keeps the digits it shows."""
    stamps = [_stamp(f"Số: {n:02d}/QĐ-STTTT, 0{n}:1{n}:5{n} +07:00") for n in range(10)]
    assert len(subsets) == 1
    assert len(set(stamps)) == 1
    digits = TTFont(io.BytesIO(stamps[0])).getBestCmap()
    assert all(ord(d) in digits for d in "0123456789")


def test_every_text_box_reads_one_parsed_font_and_subsetting_leaves_it_whole(
    subsets: dict[frozenset[int], bytes],
) -> None:
    """The font is parsed once per process and shared by the text boxes; a subset is
    made from a copy, so a box after it still has every glyph of the font."""
    shared = _font._shared_font()
    glyphs = shared["maxp"].numGlyphs
    writer = PdfFileWriter()
    engines = [_font.font_factory(11).create_font_engine(writer) for _ in range(2)]
    assert engines[0].tt is shared and engines[1].tt is shared
    first = _stamp("Sở Tài chính")  # a new subset: made from a copy
    assert len(subsets) == 1
    assert shared["maxp"].numGlyphs == glyphs
    assert len(shared.getGlyphOrder()) == glyphs
    # a box with other glyphs after it: what pyHanko's own subsetting embeds for them
    text = "Ủy ban nhân dân tỉnh Hậu Giang — Chữ ký số"
    assert _tables(_stamp(text)) == _tables(_pyhanko_stamp(text))
    assert _tables(first) == _tables(_pyhanko_stamp("Sở Tài chính"))


def test_other_fonts_opened_by_pyhanko_are_parsed_as_before() -> None:
    shared = _font._shared_font()
    engine = GlyphAccumulator(PdfFileWriter(), io.BytesIO(_font.font_bytes()), 11)
    assert engine.tt is not shared
    assert engine.tt["maxp"].numGlyphs == shared["maxp"].numGlyphs
