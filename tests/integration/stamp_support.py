"""What the stamp rendering tests share (``test_stamp_render.py``): a throwaway signer,
signing a blank A4 page, rasterising it with poppler's ``pdftoppm``, and reading the
pixels (ink, the red seal, the blue handwriting)."""


from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from pypdf import PdfWriter

from signing.stamps.appearance import (
    Appearance,
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


def throwaway_signer() -> signers.SimpleSigner:
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


def render_png(pdf: bytes, name: str, tmp_path: Path, artifacts: Path) -> Path:
    """The first page of ``pdf`` rendered by poppler at ``DPI``, kept in ``artifacts``
    for a person to look at; the PNG's path."""
    pdftoppm = require_tool("pdftoppm", "poppler-utils")
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", str(DPI), "-png", "-singlefile", str(src), str(tmp_path / name)],
        check=True,
        timeout=60,
    )
    png = tmp_path / f"{name}.png"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / f"{name}.png").write_bytes(png.read_bytes())
    return png


def render(pdf: bytes, name: str, tmp_path: Path) -> Image.Image:
    png = render_png(pdf, name, tmp_path, ARTIFACTS)
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


def blue_ink(img: Image.Image) -> Image.Image:
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
