"""Raise an existing signature's level: B-T → B-LT (DSS with certificates, CRLs, OCSP)
→ B-LTA (document timestamp over everything)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko_certvalidator import ValidationContext

from signing.errors import SigningError, signing_errors
from signing.pades.levels import make_validation_context
from signing.pades.pdf_io import CHUNK, PdfInput, PdfOutput, open_input, open_output, stream_digest
from signing.signers.sources import load_certificates

if TYPE_CHECKING:
    import aiohttp

__all__ = ["ExtendResult", "async_extend_to_lt", "async_extend_to_lta", "add_validation_info_to"]


@dataclass(frozen=True)
class ExtendResult:
    """The revision(s) that raised the level."""

    sha256: str
    """SHA-256 (hex) of the output file."""
    size: int
    """Size of the output file in bytes."""
    signatures: tuple[str, ...]
    """Field names of the signatures whose validation data was embedded."""


def _context(
    validation_context: ValidationContext | None,
    trust_roots: tuple[bytes, ...],
    http_session: aiohttp.ClientSession | None,
) -> ValidationContext:
    if validation_context is not None:
        return validation_context
    if not trust_roots:
        raise SigningError("Embedding validation data needs trust anchors or a validation context.")
    return make_validation_context(load_certificates(*trust_roots), http_session)


async def add_validation_info_to(
    src: IO[bytes], out: IO[bytes], context: ValidationContext
) -> tuple[str, ...]:
    """One incremental revision adding a DSS entry for every signature in ``src``."""
    reader = PdfFileReader(src, strict=False)
    signatures = reader.embedded_regular_signatures
    if not signatures:
        raise SigningError("The document has no signature to embed validation data for.")
    writer = IncrementalPdfFileWriter.from_reader(reader)
    names = []
    for sig in signatures:
        paths = await collect_validation_info(sig, context)
        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            sig.pkcs7_content.hex().encode("ascii"),
            validation_context=context,
            paths=paths,
        )
        names.append(sig.field_name)
    writer_any: Any = writer
    writer_any.write(out)
    return tuple(names)


async def async_extend_to_lt(
    input: PdfInput,
    output: PdfOutput,
    *,
    validation_context: ValidationContext | None = None,
    trust_roots: tuple[bytes, ...] = (),
    http_session: aiohttp.ClientSession | None = None,
) -> ExtendResult:
    """Raise B-T signatures to B-LT: embed certificates, CRLs and OCSP responses in the DSS."""
    context = _context(validation_context, trust_roots, http_session)
    with (
        signing_errors("adding validation data (B-LT)"),
        open_input(input) as src,
        open_output(output) as (out, _path),
    ):
        names = await add_validation_info_to(src, out, context)
        sha, size = stream_digest(out)
    return ExtendResult(sha256=sha, size=size, signatures=names)


async def async_extend_to_lta(
    input: PdfInput,
    output: PdfOutput,
    *,
    tsa_url: str | None = None,
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
    trust_roots: tuple[bytes, ...] = (),
    http_session: aiohttp.ClientSession | None = None,
) -> ExtendResult:
    """Raise to B-LTA: validation data for every signature, then a document timestamp."""
    context = _context(validation_context, trust_roots, http_session)
    if timestamper is None:
        if not tsa_url:
            raise SigningError(
                "A document timestamp needs a time-stamping authority: give tsa_url."
            )
        timestamper = HTTPTimeStamper(tsa_url, session=http_session)
    with (
        signing_errors("raising to B-LTA"),
        open_input(input) as src,
        tempfile.TemporaryFile(buffering=CHUNK) as mid,
        open_output(output) as (out, _path),
    ):
        names = await add_validation_info_to(src, mid, context)
        mid.seek(0)
        writer = IncrementalPdfFileWriter(mid, strict=False)
        await PdfTimeStamper(timestamper).async_timestamp_pdf(
            writer, "sha256", validation_context=context, output=out
        )
        sha, size = stream_digest(out)
    return ExtendResult(sha256=sha, size=size, signatures=names)

