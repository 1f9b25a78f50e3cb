"""Second step of external signing: verify, embed, timestamp (and optionally LT/LTA)."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING

from asn1crypto import cms
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator import ValidationContext

from signing.errors import ExternalSigningError, SigningError, signing_errors
from signing.external.prepare import PreparedSignature, signed_attributes
from signing.external.verify import verify_and_normalise
from signing.pades.extend import add_validation_info_to
from signing.pades.levels import Level, SignResult, level_rank, make_validation_context
from signing.pades.pdf_io import CHUNK, PdfInput, PdfOutput, open_input, open_output, stream_digest
from signing.signers.cms import FastExternalSigner
from signing.signers.sources import load_certificates, new_store

if TYPE_CHECKING:
    import aiohttp

__all__ = ["async_complete_external"]


def _copy_checked(src: IO[bytes], dst: IO[bytes], prepared: PreparedSignature) -> None:
    digest = hashlib.sha256()
    size = 0
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        dst.write(chunk)
    if digest.hexdigest() != prepared.prepared_sha256 or size != prepared.prepared_size:
        raise ExternalSigningError(
            "The prepared file is not the one this signature was prepared for "
            "(its SHA-256 differs); prepare the signature again."
        )


def _timestamper(
    prepared: PreparedSignature,
    timestamper: TimeStamper | None,
    tsa_url: str | None,
    http_session: aiohttp.ClientSession | None,
) -> TimeStamper:
    if timestamper is not None:
        return timestamper
    url = tsa_url or prepared.tsa_url
    if not url:
        raise SigningError("Completing a signature needs a time-stamping authority: give tsa_url.")
    return HTTPTimeStamper(url, session=http_session)


async def async_complete_external(
    prepared_file: PdfInput,
    output: PdfOutput,
    prepared: PreparedSignature,
    signature: bytes,
    *,
    tsa_url: str | None = None,
    timestamper: TimeStamper | None = None,
    http_session: aiohttp.ClientSession | None = None,
    validation_context: ValidationContext | None = None,
    trust_roots: tuple[bytes, ...] = (),
) -> SignResult:
    """Embed the client's ``signature`` over ``prepared.to_be_signed`` into the prepared file.

    The signature is verified against the certificate first: a wrong one raises
    :class:`~signing.errors.InvalidExternalSignature` and nothing is written. ECDSA may
    be raw ``r || s`` (WebCrypto) or DER. The result is B-T, or B-LT when a validation
    context (or trust roots) is given or the preparation asked for B-LT; B-LTA adds a
    document timestamp.
    """
    cert = prepared.signer_certificate()
    signed_attrs = signed_attributes(prepared)
    sig_value = verify_and_normalise(
        cert, prepared.to_be_signed_bytes(), signature, prepared.digest_algorithm
    )
    ts = _timestamper(prepared, timestamper, tsa_url, http_session)
    level, context = _level_and_context(prepared, validation_context, trust_roots, http_session)
    store = new_store(prepared.chain_certificates())
    signer = FastExternalSigner(cert, store, signature_value=sig_value)
    digest = PreparedByteRangeDigest(
        document_digest=bytes.fromhex(prepared.document_digest),
        reserved_region_start=prepared.reserved_start,
        reserved_region_end=prepared.reserved_end,
    )
    with signing_errors("completing an external signature"):
        signature_cms = await signer.async_sign_prescribed_attributes(
            prepared.digest_algorithm, signed_attrs, timestamper=ts
        )
        with open_input(prepared_file) as src, open_output(output) as (out, path):
            filled = _Filled(prepared, digest, signature_cms)
            await _write(src, out, filled, level, context, ts)
            sha, size = stream_digest(out)
    return SignResult(
        field_name=prepared.field_name,
        level=level,
        signed_at=datetime.fromisoformat(prepared.signed_at),
        sha256=sha,
        size=size,
        signer_subject=str(cert.subject.human_friendly),
        output_path=path,
    )


def _level_and_context(
    prepared: PreparedSignature,
    validation_context: ValidationContext | None,
    trust_roots: tuple[bytes, ...],
    http_session: aiohttp.ClientSession | None,
) -> tuple[Level, ValidationContext | None]:
    """The level the completion reaches (at least B-T; B-LT as soon as there is a context
    to collect validation data with) and that context."""
    level: Level = prepared.level if level_rank(prepared.level) >= 1 else "B-T"
    context = validation_context
    if context is None and trust_roots:
        context = make_validation_context(load_certificates(*trust_roots), http_session)
    if context is not None and level == "B-T":
        level = "B-LT"
    if level_rank(level) >= 2 and context is None:
        raise SigningError(f"A {level} signature needs trust anchors or a validation context.")
    return level, context


@dataclass(frozen=True)
class _Filled:
    """The signature to put into the prepared file's reserved region."""

    prepared: PreparedSignature
    digest: PreparedByteRangeDigest
    signature_cms: cms.ContentInfo

    def into(self, src: IO[bytes], dst: IO[bytes]) -> None:
        """Copy the prepared file (checked to be the one prepared) and fill in the CMS."""
        _copy_checked(src, dst, self.prepared)
        self.digest.fill_with_cms(dst, self.signature_cms)


async def _write(
    src: IO[bytes],
    out: IO[bytes],
    filled: _Filled,
    level: Level,
    context: ValidationContext | None,
    ts: TimeStamper,
) -> None:
    """The signed file into ``out``: B-T as filled; B-LT with a revision of validation
    data; B-LTA with a document timestamp after that."""
    if context is None:
        filled.into(src, out)
        return
    with tempfile.TemporaryFile(buffering=CHUNK) as mid:
        filled.into(src, mid)
        mid.seek(0)
        if level != "B-LTA":
            await add_validation_info_to(mid, out, context)
            return
        with tempfile.TemporaryFile(buffering=CHUNK) as lt:
            await add_validation_info_to(mid, lt, context)
            lt.seek(0)
            await PdfTimeStamper(ts).async_timestamp_pdf(
                IncrementalPdfFileWriter(lt, strict=False),
                filled.prepared.digest_algorithm,
                validation_context=context,
                output=out,
            )
