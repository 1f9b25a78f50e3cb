"""Signature stamps, rendered for real: sign a blank A4 page with pyHanko, rasterise it
with poppler's ``pdftoppm``, and look at the pixels.

The PNGs land in ``test-artifacts/stamps/`` (gitignored) for a human to look at.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.sign import signers
from pypdf import PdfReader

from signing.stamps.appearance import (
    attachment_appearance,
    attachment_box,
    leader_appearance,
    seal_appearance,
    seal_box_for,
    vietnam_time,
)
from tests.integration.stamp_support import (
    A4,
    AGENCY,
    ARTIFACTS,
    DISTRICT,
    LEADER,
    LEADER_BOX,
    POSITION,
    SIGNED_AT,
    VN_TIME,
    PixelBox,
    assert_text_inside,
    blank_a4,
    blue_ink,
    count,
    extract_text,
    handwriting_png,
    ink_bbox,
    red_bbox_in,
    render,
    sign,
    squash,
    throwaway_signer,
)


@pytest.fixture(scope="module")
def signer() -> signers.SimpleSigner:
    return throwaway_signer()


@pytest.fixture
def artifacts() -> Iterator[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield ARTIFACTS


# --------------------------------------------------------------------------- tests


def test_vietnam_time_is_utc_plus_7() -> None:
    assert vietnam_time(SIGNED_AT) == VN_TIME


def test_leader_stamp_renders_inside_its_box_with_diacritics(
    signer: signers.SimpleSigner, tmp_path: Path
) -> None:
    appearance = leader_appearance(LEADER, POSITION, SIGNED_AT)
    pdf = sign(blank_a4(), signer, appearance, LEADER_BOX, "LanhDao")
    img = render(pdf, "leader", tmp_path)
    drawn = assert_text_inside(img, LEADER_BOX)
    field = PixelBox.from_pdf(LEADER_BOX)
    # sized to the box, not a speck in the middle of it (or twice too wide)
    assert drawn.right - drawn.left > 0.6 * (field.right - field.left)

    text = squash(extract_text(pdf, tmp_path))
    assert LEADER in text
    assert POSITION in text
    assert VN_TIME in text


def test_leader_stamp_with_handwriting(signer: signers.SimpleSigner, tmp_path: Path) -> None:
    appearance = leader_appearance(LEADER, POSITION, SIGNED_AT, handwriting_png())
    pdf = sign(blank_a4(), signer, appearance, LEADER_BOX, "LanhDao")
    img = render(pdf, "leader-handwriting", tmp_path)
    assert_text_inside(img, LEADER_BOX)
    field = PixelBox.from_pdf(LEADER_BOX)
    blue = count(blue_ink(img.crop((field.left, field.top, field.right, field.bottom))))
    assert blue > 500, "the handwritten signature is not visible"
    text = squash(extract_text(pdf, tmp_path))
    assert LEADER in text and VN_TIME in text


def test_seal_overlaps_left_third_of_leader(signer: signers.SimpleSigner, tmp_path: Path) -> None:
    leader = leader_appearance(LEADER, POSITION, SIGNED_AT)
    seal = seal_appearance(AGENCY, SIGNED_AT)
    seal_box = seal_box_for(LEADER_BOX)

    seal_only = sign(blank_a4(), signer, seal, seal_box, "DauCoQuan")
    img = render(seal_only, "seal", tmp_path)
    drawn = ink_bbox(img)
    assert PixelBox.from_pdf(seal_box).grow(1).contains(drawn)
    text = squash(extract_text(seal_only, tmp_path))
    assert AGENCY in text, text
    assert VN_TIME in text, text

    both = sign(
        sign(blank_a4(), signer, leader, LEADER_BOX, "LanhDao"), signer, seal, seal_box, "DauCoQuan"
    )
    img = render(both, "leader-and-seal", tmp_path)
    x1, y1, x2, y2 = LEADER_BOX
    left_third = PixelBox.from_pdf((x1, y1, x1 + (x2 - x1) / 3, y2))
    right_part = PixelBox.from_pdf((x1 + (x2 - x1) * 0.45, y1, x2, y2))
    red_count, red = red_bbox_in(img, left_third)
    assert red_count > 500, "no red seal over the left third of the leader's stamp"
    assert red is not None
    assert red.right >= left_third.right - 3, "the seal does not reach a third into the box"
    assert red_bbox_in(img, right_part)[0] == 0, "the seal covers more than the left third"

    # The leader's text keeps clear of the seal: nothing inked left of the text but red.
    text = squash(extract_text(both, tmp_path))
    assert LEADER in text and AGENCY in text, text


def test_seal_over_handwritten_signature(signer: signers.SimpleSigner, tmp_path: Path) -> None:
    leader = leader_appearance(LEADER, POSITION, SIGNED_AT, handwriting_png())
    seal = seal_appearance(DISTRICT, SIGNED_AT)
    pdf = sign(blank_a4(), signer, leader, LEADER_BOX, "LanhDao")
    pdf = sign(pdf, signer, seal, seal_box_for(LEADER_BOX), "DauCoQuan")
    img = render(pdf, "leader-handwriting-and-seal", tmp_path)
    x1, y1, x2, y2 = LEADER_BOX
    red_count, _ = red_bbox_in(img, PixelBox.from_pdf((x1, y1, x1 + (x2 - x1) / 3, y2)))
    assert red_count > 500
    text = squash(extract_text(pdf, tmp_path))
    assert LEADER in text and DISTRICT in text and VN_TIME in text, text


def test_attachment_stamp_top_right(signer: signers.SimpleSigner, tmp_path: Path) -> None:
    box = attachment_box(*A4)
    assert box[2] <= A4[0] and box[3] <= A4[1]
    assert box[0] > A4[0] / 2 and box[1] > A4[1] * 0.9, "not at the top right"
    appearance = attachment_appearance("07/QĐ-UBND", SIGNED_AT, DISTRICT)
    pdf = sign(blank_a4(), signer, appearance, box, "DinhKem")
    img = render(pdf, "attachment", tmp_path)
    assert_text_inside(img, box)
    assert red_bbox_in(img, PixelBox.from_pdf(box))[0] == 0, "attachment stamps carry no image"
    text = squash(extract_text(pdf, tmp_path))
    assert "Kèm theo văn bản số 07/QĐ-UBND" in text, text
    assert DISTRICT in text, text
    assert VN_TIME in text, text


def test_pypdf_extracts_the_same_vietnamese(signer: signers.SimpleSigner) -> None:
    appearance = leader_appearance(LEADER, POSITION, SIGNED_AT)
    pdf = sign(blank_a4(), signer, appearance, LEADER_BOX, "LanhDao")
    reader = PdfReader(io.BytesIO(pdf))
    annots = reader.pages[0]["/Annots"]
    widget = annots[0].get_object()
    stream = widget["/AP"]["/N"].get_object()
    fonts: list[object] = []

    def collect(xobj: object) -> None:
        res = xobj.get("/Resources")  # type: ignore[attr-defined]
        if res is None:
            return
        res = res.get_object()
        for font in (res.get("/Font") or {}).values():
            fonts.append(font.get_object())
        for sub in (res.get("/XObject") or {}).values():
            collect(sub.get_object())

    collect(stream)
    assert fonts, "no font in the appearance"
    for font in fonts:
        assert "/ToUnicode" in font, "without a ToUnicode map, text extraction loses diacritics"
        # /W is in 1/1000 em: a font left at 2048 units/em would show widths near 2000
        # and render about twice too wide.
        cid_font = font["/DescendantFonts"][0].get_object()
        widths = [w for entry in cid_font["/W"] if isinstance(entry, list) for w in entry]
        assert widths and max(widths) <= 1000, f"glyph widths out of scale: {max(widths)}"


LONG_POSITION = "Phó Chủ tịch Thường trực Ủy ban nhân dân huyện Châu Thành, tỉnh Hậu Giang"
LONG_AGENCY = (
    "Trung tâm Công nghệ thông tin và Truyền thông thuộc Sở Thông tin và Truyền thông "
    "tỉnh Hậu Giang"
)


@pytest.mark.parametrize(
    ("case", "box"),
    [
        ("leader-long", LEADER_BOX),
        ("leader-small-box", (340.0, 260.0, 490.0, 310.0)),
        ("leader-big-box", (300.0, 240.0, 580.0, 360.0)),
        ("leader-handwriting-small-box", (340.0, 260.0, 490.0, 320.0)),
        ("attachment-long", attachment_box(*A4)),
    ],
)
def test_long_text_stays_inside_any_box(
    signer: signers.SimpleSigner,
    tmp_path: Path,
    case: str,
    box: tuple[float, float, float, float],
) -> None:
    if case.startswith("leader-handwriting"):
        appearance = leader_appearance(LEADER, LONG_POSITION, SIGNED_AT, handwriting_png())
        expected = [LEADER, VN_TIME]
    elif case.startswith("leader"):
        appearance = leader_appearance(LEADER, LONG_POSITION, SIGNED_AT)
        expected = [LEADER, LONG_POSITION, VN_TIME]
    else:
        appearance = attachment_appearance("1234/QĐ-UBND-VPUB", SIGNED_AT, LONG_AGENCY)
        expected = ["1234/QĐ-UBND-VPUB", LONG_AGENCY, VN_TIME]
    pdf = sign(blank_a4(), signer, appearance, box, "Field")
    img = render(pdf, case, tmp_path)
    assert_text_inside(img, box)
    text = squash(extract_text(pdf, tmp_path))
    for fragment in expected:
        assert fragment in text, text


def test_long_agency_seal_stays_inside(signer: signers.SimpleSigner, tmp_path: Path) -> None:
    seal_box = seal_box_for(LEADER_BOX)
    pdf = sign(blank_a4(), signer, seal_appearance(LONG_AGENCY, SIGNED_AT), seal_box, "Dau")
    img = render(pdf, "seal-long", tmp_path)
    assert PixelBox.from_pdf(seal_box).grow(1).contains(ink_bbox(img))
    text = squash(extract_text(pdf, tmp_path))
    assert LONG_AGENCY in text and VN_TIME in text, text
