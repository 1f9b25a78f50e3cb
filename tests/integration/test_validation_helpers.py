"""Helpers for the validation tests (no tests here): signed PDFs at every PAdES level,
made with pyHanko directly against the dev PKI, and the matching TrustConfig."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

from signing.validation import TrustConfig
from tests.pki import AGENCIES, DevPkiServices, cert, root_cert, serve_dev_pki, simple_signer

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


def text_pdf(text: str = "Cong van so 01", pages: int = 1) -> bytes:
    """A small PDF with visible text on each page (classic xref table)."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    font = 3 + 2 * pages
    for i in range(pages):
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        stream = f"BT /F1 24 Tf 72 720 Td ({text} - {i + 1}) Tj ET".encode()
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    )
    return out.getvalue()


class _FrozenDatetime(datetime):
    frozen_at: datetime = datetime(2025, 6, 1, tzinfo=UTC)

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        t = cls.frozen_at
        return t.astimezone(tz) if tz is not None else t.replace(tzinfo=None)


@contextmanager
def frozen_signing_clock(at: datetime | None) -> Iterator[None]:
    """pyHanko reads the signing time from datetime.now(); freeze it (no freezegun here)."""
    if at is None:
        yield
        return
    _FrozenDatetime.frozen_at = at
    with (
        mock.patch("pyhanko.sign.signers.pdf_signer.datetime", _FrozenDatetime),
        mock.patch("pyhanko.sign.signers.pdf_cms.datetime", _FrozenDatetime),
    ):
        yield


async def sign_with(
    pki: DevPkiServices,
    label: str,
    level: str,
    *,
    data: bytes | None = None,
    field: str = "Sig1",
    at: datetime | None = None,
    md_algorithm: str = "sha256",
) -> bytes:
    """Sign ``data`` (default: a fresh text PDF) as ``label`` at PAdES ``level``."""
    lt = level in ("B-LT", "B-LTA")
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm=md_algorithm,
        embed_validation_info=lt,
        validation_context=pki.validation_context(moment=at) if lt else None,
        use_pades_lta=level == "B-LTA",
    )
    timestamper = pki.timestamper() if level != "B-B" else None
    pdf_signer = signers.PdfSigner(meta, signer=simple_signer(label), timestamper=timestamper)
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(data or text_pdf()), strict=False)
    with frozen_signing_clock(at):
        await pdf_signer.async_sign_pdf(writer, output=out)
    return out.getvalue()


async def sign_at(label: str, level: str, at: datetime, **kw: Any) -> bytes:
    """Sign with the dev PKI services' clock (TSA, CRL, OCSP) and pyHanko's fixed at ``at``."""
    async with serve_dev_pki(at_time=at) as pki:
        return await sign_with(pki, label, level, at=at, **kw)


@asynccontextmanager
async def dev_services() -> Any:
    async with serve_dev_pki() as pki:
        yield pki


def dev_trust(**changes: Any) -> TrustConfig:
    """Trust the dev root; knows the agency CAs; offline unless told otherwise."""
    base = TrustConfig(
        trust_anchors=(root_cert(),),
        intermediates=tuple(cert(f"ca-{a}") for a in AGENCIES),
    )
    return base.replace(**changes)
