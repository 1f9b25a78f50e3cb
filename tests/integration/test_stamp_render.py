"""Signature stamps, rendered for real: sign a blank A4 page with pyHanko, rasterise it
with poppler's ``pdftoppm``, and look at the pixels.

The PNGs land in ``test-artifacts/stamps/`` (gitignored) for a human to look at.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from PIL import Image, ImageChops, ImageDraw
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader, PdfWriter

from signing.stamps.appearance import (
    Appearance,
    attachment_appearance,
    attachment_box,
    leader_appearance,
    seal_appearance,
    seal_box_for,
    vietnam_time,
)
from tests.services import require_tool

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "stamps"
A4 = (595.28, 841.89)
DPI = 150
SCALE = DPI / 72

LEADER = "Nguyễn Thị Hồng Nhung"
POSITION = "Phó Giám đốc"
AGENCY = "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
DISTRICT = "Ủy ban nhân dân huyện Châu Thành"
SIGNED_AT = datetime(2026, 11, 26, 7, 3, 22, tzinfo=UTC)  # 14:03:22 in Vietnam
VN_TIME = "14:03:22 26/11/2026"

LEADER_BOX = (340.0, 260.0, 540.0, 340.0)  # a 200 x 80 pt signature block


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def signer() -> signers.SimpleSigner:
    """A throwaway self-signed RSA-2048 signer (appearance tests do not validate trust)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LEADER)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return signers.SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert]),
    )


def blank_a4() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=A4[0], height=A4[1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign(
    pdf: bytes,
    signer: signers.SimpleSigner,
    appearance: Appearance,
    box: tuple[float, float, float, float],
    field_name: str,
) -> bytes:
    meta = signers.PdfSignatureMetadata(field_name=field_name)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        stamp_style=appearance.style,
        new_field_spec=fields.SigFieldSpec(field_name, on_page=0, box=box),
    )
    out = pdf_signer.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        appearance_text_params=dict(appearance.text_params),
        output=io.BytesIO(),
    )
    return bytes(out.getvalue())


def render(pdf: bytes, name: str, tmp_path: Path) -> Image.Image:
    pdftoppm = require_tool("pdftoppm", "poppler-utils")
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", str(DPI), "-png", "-singlefile", str(src), str(tmp_path / name)],
        check=True,
        timeout=60,
    )
    png = tmp_path / f"{name}.png"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.png").write_bytes(png.read_bytes())
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    return Image.open(png).convert("RGB")


def extract_text(pdf: bytes, tmp_path: Path) -> str:
    pdftotext = require_tool("pdftotext", "poppler-utils")
    src = tmp_path / "extract.pdf"
    src.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext, "-layout", "-enc", "UTF-8", str(src), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return result.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Join wrapped lines: the stamp wraps long names at word boundaries."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class PixelBox:
    left: int
    top: int
    right: int  # inclusive
    bottom: int  # inclusive

    @classmethod
    def from_pdf(cls, box: tuple[float, float, float, float]) -> PixelBox:
        x1, y1, x2, y2 = box
        return cls(
            left=round(x1 * SCALE),
            top=round((A4[1] - y2) * SCALE),
            right=round(x2 * SCALE) - 1,
            bottom=round((A4[1] - y1) * SCALE) - 1,
        )

    def grow(self, px: int) -> PixelBox:
        return PixelBox(self.left - px, self.top - px, self.right + px, self.bottom + px)

    def contains(self, other: PixelBox) -> bool:
        return (
            self.left <= other.left
            and self.top <= other.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )


def ink(img: Image.Image, threshold: int = 235) -> Image.Image:
    """A mask of the pixels that are not (almost) white."""
    gray = img.convert("L")
    return gray.point(lambda v: 255 if v < threshold else 0)


def ink_bbox(img: Image.Image) -> PixelBox:
    bbox = ink(img).getbbox()
    assert bbox is not None, "nothing was drawn on the page"
    left, top, right, bottom = bbox
    return PixelBox(left, top, right - 1, bottom - 1)


def _threshold(band: Image.Image, test: str, value: int) -> Image.Image:
    if test == ">":
        return band.point(lambda v: 255 if v > value else 0)
    return band.point(lambda v: 255 if v < value else 0)


def _red(img: Image.Image) -> Image.Image:
    """Mask of seal-red pixels."""
    r, g, b = img.convert("RGB").split()
    mask = ImageChops.multiply(_threshold(r, ">", 150), _threshold(g, "<", 110))
    return ImageChops.multiply(mask, _threshold(b, "<", 110))


def _blue(img: Image.Image) -> Image.Image:
    """Mask of ink-blue pixels (the test's handwritten signature)."""
    r, _, b = img.convert("RGB").split()
    return ImageChops.multiply(_threshold(b, ">", 120), _threshold(r, "<", 100))


def count(mask: Image.Image) -> int:
    return mask.histogram()[255]


def red_bbox_in(img: Image.Image, region: PixelBox) -> tuple[int, PixelBox | None]:
    crop = img.crop((region.left, region.top, region.right + 1, region.bottom + 1))
    mask = _red(crop)
    bbox = mask.getbbox()
    if bbox is None:
        return count(mask), None
    return count(mask), PixelBox(
        region.left + bbox[0],
        region.top + bbox[1],
        region.left + bbox[2] - 1,
        region.top + bbox[3] - 1,
    )


def assert_text_inside(img: Image.Image, box: tuple[float, float, float, float]) -> PixelBox:
    """All ink on the (otherwise blank) page lies inside ``box``, clear of its border."""
    field = PixelBox.from_pdf(box)
    drawn = ink_bbox(img)
    assert field.grow(1).contains(drawn), f"ink {drawn} spills outside the field {field}"
    # Clipped text would run right up to the appearance's BBox: demand a gap.
    assert drawn.right < field.right - 1, f"text touches the right edge: {drawn} vs {field}"
    assert drawn.left > field.left, f"text touches the left edge: {drawn} vs {field}"
    assert drawn.bottom < field.bottom, f"text touches the bottom edge: {drawn} vs {field}"
    assert drawn.top > field.top, f"text touches the top edge: {drawn} vs {field}"
    return drawn


def handwriting_png() -> bytes:
    """A blue scribble standing in for a scanned handwritten signature (transparent)."""
    img = Image.new("RGBA", (480, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    points = [(20 + 11 * i, 100 + int(60 * ((-1) ** i) * (1 - i / 45))) for i in range(41)]
    draw.line(points, fill=(20, 40, 170, 255), width=7, joint="curve")
    draw.line([(60, 160), (440, 130)], fill=(20, 40, 170, 255), width=5)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


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
    blue = count(_blue(img.crop((field.left, field.top, field.right, field.bottom))))
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
