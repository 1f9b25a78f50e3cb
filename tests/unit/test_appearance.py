"""Stamp appearances without rendering: font, geometry, text layout, seal image.

Real rendering (pdftoppm) is in ``tests/integration/test_stamp_render.py``.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.stamp import TextStampStyle

from signing import SigningError
from signing.stamps import appearance as ap

TEST_STRINGS = [
    "Nguyễn Thị Hồng Nhung",
    "Sở Thông tin và Truyền thông tỉnh Hậu Giang",
    "Ủy ban nhân dân huyện Châu Thành",
    "Kèm theo văn bản số 07/QĐ-UBND",
    "Ký bởi: Chức vụ: Thời gian ký: 14:03:22 26/11/2026",
    "Phó Chủ tịch Thường trực; Đặng Ưng Ơn; Trần Thị Ỷ Lan; Lê Văn Tỵ; Ngô Bảo Châu",
]
VIETNAMESE_LETTERS = (
    "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
)
SIGNED_AT = datetime(2026, 11, 26, 7, 3, 22, tzinfo=UTC)


def rendered_text(style: TextStampStyle, params: object) -> str:
    """What pyHanko will draw: ``stamp_text % text_params``."""
    return str(style.stamp_text % dict(params))  # type: ignore[call-overload]


# --------------------------------------------------------------------------- font


def test_shipped_font_is_rescaled_to_1000_units_per_em() -> None:
    # pyHanko writes glyph widths in font units; PDF reads them as 1/1000 em.
    font = TTFont(ap.FONT_PATH)
    assert font["head"].unitsPerEm == 1000


def test_shipped_font_covers_vietnamese() -> None:
    cmap = TTFont(ap.FONT_PATH).getBestCmap()
    letters = VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper()
    missing = {c for s in [*TEST_STRINGS, letters] for c in s + s.upper() if ord(c) not in cmap}
    assert not missing, f"font lacks {sorted(missing)}"


def test_shipped_font_licence_and_name() -> None:
    licence = ap.FONT_PATH.parent / "OFL.txt"
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence.read_text()
    font = TTFont(ap.FONT_PATH)
    names = " ".join(str(n) for n in font["name"].names if n.nameID in (1, 4, 6, 16, 17))
    # OFL: a Modified Version must not use the Reserved Font Name.
    assert "Liberation" not in names
    assert ap.FONT_PATH.stat().st_size < 100_000


def test_font_is_read_once() -> None:
    assert ap._font_bytes() is ap._font_bytes()
    assert ap._font_factory(9) is ap._font_factory(9)


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        (SIGNED_AT, "14:03:22 26/11/2026"),
        (datetime(2026, 12, 31, 17, 0, 1, tzinfo=UTC), "00:00:01 01/01/2027"),
        (datetime(2026, 1, 2, 9, 5, 0, tzinfo=timezone(timedelta(hours=9))), "07:05:00 02/01/2026"),
    ],
)
def test_vietnam_time(dt: datetime, expected: str) -> None:
    assert ap.vietnam_time(dt) == expected


def test_vietnam_time_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ap.vietnam_time(datetime(2026, 11, 26, 14, 3, 22))


# --------------------------------------------------------------------------- geometry


def test_seal_box_covers_left_third_of_leader_box() -> None:
    leader = (340.0, 260.0, 540.0, 340.0)
    x1, y1, x2, y2 = ap.seal_box_for(leader)
    diameter = 80 * 1.1
    assert x1 == pytest.approx(340 + 200 / 3 - diameter)  # circle's right edge at 1/3
    assert y2 == pytest.approx(300 + diameter / 2)  # circle centred on the leader box
    assert x1 < 340 < 340 + 200 / 3 <= x2
    assert y1 < 260 and y2 > 340
    # corner order does not matter
    assert ap.seal_box_for((540.0, 340.0, 340.0, 260.0)) == (x1, y1, x2, y2)


def test_attachment_box_is_top_right() -> None:
    w, h = 595.28, 841.89
    x1, y1, x2, y2 = ap.attachment_box(w, h)
    assert x2 <= w and y2 <= h
    assert x1 > w / 2 and y1 > h - 72  # within the top inch, right half
    assert (x2 - x1, y2 - y1) == pytest.approx(ap.ATTACHMENT_BOX_SIZE)
    assert ap.attachment_box(w, h, size=(100, 20), margin=(10, 10)) == pytest.approx(
        (w - 110, h - 30, w - 10, h - 10)
    )


# --------------------------------------------------------------------------- text


def test_leader_text() -> None:
    app = ap.leader_appearance("Nguyễn Thị Hồng Nhung", "Phó Giám đốc", SIGNED_AT)
    assert isinstance(app.style, TextStampStyle)
    assert app.style.background is None
    assert rendered_text(app.style, app.text_params).splitlines() == [
        "Ký bởi: Nguyễn Thị Hồng Nhung",
        "Chức vụ: Phó Giám đốc",
        "Thời gian ký: 14:03:22 26/11/2026",
    ]
    assert app.text_params["signed_at"] == "14:03:22 26/11/2026"


def test_leader_without_position_has_no_empty_line() -> None:
    app = ap.leader_appearance("Nguyễn Thị Hồng Nhung", " ", SIGNED_AT)
    assert "Chức vụ" not in rendered_text(app.style, app.text_params)


def test_percent_signs_are_literal() -> None:
    app = ap.attachment_appearance("100%/QĐ", SIGNED_AT)
    assert "100%/QĐ" in rendered_text(app.style, app.text_params)


def test_long_text_wraps_within_the_box() -> None:
    position = "Phó Chủ tịch Thường trực Ủy ban nhân dân huyện Châu Thành, tỉnh Hậu Giang"
    app = ap.leader_appearance("Nguyễn Thị Hồng Nhung", position, SIGNED_AT)
    style = app.style
    assert isinstance(style, TextStampStyle)
    lines = rendered_text(style, app.text_params).splitlines()
    assert len(lines) > 3
    size = style.text_box_style.font_size
    width = ap.LEADER_BOX_SIZE[0] - 2 * ap._PADDING
    assert all(ap._text_width(line, size) <= width for line in lines)
    leading = style.text_box_style.leading
    assert len(lines) * leading <= ap.LEADER_BOX_SIZE[1]
    assert " ".join(" ".join(lines).split()).count(position) == 1


def test_fit_prefers_the_largest_size_that_fits() -> None:
    block = ap._fit_text(["Ngắn"], 200, 80, max_size=11)
    assert block.size == 11
    small = ap._fit_text(["Ngắn"] * 6, 200, 40, max_size=11)
    assert small.size < 11 and small.height <= 40


def test_attachment_text() -> None:
    app = ap.attachment_appearance("07/QĐ-UBND", SIGNED_AT, "Ủy ban nhân dân huyện Châu Thành")
    assert app.style.background is None
    assert rendered_text(app.style, app.text_params).splitlines() == [
        "Kèm theo văn bản số 07/QĐ-UBND",
        "Ký bởi: Ủy ban nhân dân huyện Châu Thành",
        "Thời gian ký: 14:03:22 26/11/2026",
    ]
    bare = ap.attachment_appearance("07/QĐ-UBND", SIGNED_AT)
    assert "Ký bởi" not in rendered_text(bare.style, bare.text_params)


def test_seal_text_and_image() -> None:
    agency = "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
    app = ap.seal_appearance(agency, SIGNED_AT)
    assert isinstance(app.style.background, PdfImage)
    assert app.style.background.image.mode == "RGBA"
    text = " ".join(rendered_text(app.style, app.text_params).split())
    assert f"Ký bởi: {agency}" in text
    assert "Thời gian ký: 14:03:22 26/11/2026" in text


def test_naive_time_is_refused_everywhere() -> None:
    naive = datetime(2026, 11, 26, 14, 3, 22)
    with pytest.raises(ValueError):
        ap.leader_appearance("A", "B", naive)
    with pytest.raises(ValueError):
        ap.seal_appearance("A", naive)
    with pytest.raises(ValueError):
        ap.attachment_appearance("A", naive)


# --------------------------------------------------------------------------- images


def test_default_seal_image_is_red_round_and_transparent() -> None:
    png = ap.default_seal_image("Ủy ban nhân dân huyện Châu Thành")
    assert png is ap.default_seal_image("Ủy ban nhân dân huyện Châu Thành")  # cached
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.mode == "RGBA"
    assert img.width == img.height
    assert img.getpixel((0, 0))[3] == 0  # type: ignore[index]  # corners transparent
    assert img.getpixel((img.width - 1, img.height - 1))[3] == 0  # type: ignore[index]
    centre = img.getpixel((img.width // 2, img.height // 2))  # the star
    assert centre == (*ap.SEAL_RED, 255)
    top_ring = img.getpixel((img.width // 2, 8))
    assert top_ring == (*ap.SEAL_RED, 255)


def test_unreadable_image_is_a_signing_error() -> None:
    with pytest.raises(SigningError, match="handwritten signature"):
        ap.leader_appearance("A", "B", SIGNED_AT, handwriting_png=b"not a png")
    with pytest.raises(SigningError, match="seal"):
        ap.seal_appearance("A", SIGNED_AT, seal_png=b"\x89PNG broken")


def test_large_images_are_scaled_down() -> None:
    big = Image.new("RGBA", (4000, 2000), (0, 0, 200, 255))
    out = io.BytesIO()
    big.save(out, format="PNG")
    app = ap.leader_appearance("A", "B", SIGNED_AT, handwriting_png=out.getvalue())
    assert isinstance(app.style.background, PdfImage)
    assert app.style.background.image.size == (1200, 600)


def test_palette_images_are_accepted() -> None:
    img = Image.new("P", (50, 20))
    out = io.BytesIO()
    img.save(out, format="PNG")
    app = ap.seal_appearance("A", SIGNED_AT, seal_png=out.getvalue())
    assert isinstance(app.style.background, PdfImage)
    assert app.style.background.image.mode == "RGBA"


def test_fit_never_splits_the_time_and_survives_unbreakable_words() -> None:
    block = ap._fit_text(["Thời gian ký: 14:03:22 26/11/2026"], 60, 200, max_size=11)
    assert any("14:03:22 26/11/2026" in line for line in block.lines)
    huge = ap._fit_text(["X" * 200], 50, 20, max_size=11)  # shrink-to-fit takes over
    assert huge.size == 5 and huge.lines == ("X" * 200,)
