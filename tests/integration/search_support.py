"""Helpers for the search tests: a PDF whose text layer says what a test needs
(Vietnamese included: a ToUnicode map gives each character its code), indexing, and an
issued document with a text layer sent to recipients."""

from __future__ import annotations

from pathlib import Path

import signing
from docflow.core.jobs.runner import run_now
from docflow.core.runtime import Runtime
from docflow.devpki import dev_signer
from docflow.documents.jobs import IndexForSearch
from docflow.search.index import index_document
from docflow.transfers.routing import dispatch_document
from tests.integration.routing_support import issue_directly

__all__ = ["index_now", "issue_with_text", "text_pdf"]


def _objects(text: str) -> list[bytes]:
    chars = list(dict.fromkeys(text))
    assert len(chars) < 250, "one byte per distinct character"
    code = {c: i + 1 for i, c in enumerate(chars)}
    shown = "".join(f"{code[c]:02X}" for c in text)
    content = f"BT /F1 12 Tf 50 780 Td <{shown}> Tj ET".encode()
    bf = "".join(f"<{code[c]:02X}> <{ord(c):04X}>\n" for c in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bf}endbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]


def text_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer is ``text``."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(_objects(text), start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(offsets) + 1, xref)
    return bytes(out)


async def index_now(runtime: Runtime, *document_ids: int) -> None:
    """Run the search index jobs of these documents now (as the job runner would)."""
    for document_id in document_ids:
        if not await run_now(runtime, IndexForSearch(document_id)):  # none was queued
            await index_document(runtime, document_id)


async def issue_with_text(
    runtime: Runtime, sender: str, recipients: list[str], body: str, tmp: Path, **kw: object
) -> int:
    """An issued document whose PDF (sealed by ``sender``) carries ``body``, delivered."""
    key, cert, chain = dev_signer(sender)
    signer = await signing.async_load_signer(
        signing.PemSource(key=key, certificate=cert, chain=tuple(chain))
    )
    source = tmp / f"text-{abs(hash((sender, body)))}.pdf"
    source.write_bytes(text_pdf(body))
    sealed = tmp / f"sealed-{abs(hash((sender, body)))}.pdf"
    await signing.async_sign_pdf(
        source.read_bytes(), sealed, signing.SignRequest(level="B-B", field_name="DauCoQuan"),
        signer,
    )
    doc_id = await issue_directly(runtime, sender, recipients, signed_file=sealed, **kw)  # type: ignore[arg-type]
    await dispatch_document(runtime, doc_id)
    return doc_id
