"""Two-step signing for keys that never reach the server (browser WebCrypto, USB-token agent).

1. :func:`async_prepare_external` writes the prepared PDF (signature placeholder
   reserved) and returns a JSON-serialisable :class:`PreparedSignature` whose
   ``to_be_signed`` is the DER of the CMS signed attributes (WebCrypto hashes its input
   itself, so the client signs these bytes with SHA-256).
2. :func:`async_complete_external` checks the signature against the certificate,
   embeds it (pyHanko's "interrupted signing": ``async_sign_prescribed_attributes`` +
   ``fill_with_cms``) with a signature timestamp (B-T), and optionally B-LT / B-LTA.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import BinaryIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfSigner

from signing.errors import ExternalSigningError, signing_errors
from signing.pades.levels import (
    Level,
    SignRequest,
    build_timestamper,
    field_spec,
    level_rank,
    signature_metadata,
)
from signing.pades.pdf_io import (
    PdfInput,
    PdfOutput,
    open_input,
    open_output,
    open_writer,
    stream_digest,
)
from signing.pades.sign import DEFAULT_STAMP_STYLE
from signing.signers.algorithms import algorithm_name, placeholder_size
from signing.signers.cms import FastExternalSigner
from signing.signers.sources import load_certificates, new_store

__all__ = ["PreparedSignature", "async_prepare_external"]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class PreparedSignature:
    """State between the two HTTP requests of an external signature (JSON-safe)."""

    to_be_signed: str
    """Base64 DER of the CMS signed attributes: the exact bytes the client signs."""
    algorithm: str
    """What the client must use, e.g. ``RSASSA-PKCS1-v1_5/SHA-256``, ``ECDSA-P256/SHA-256``."""
    digest_algorithm: str
    """Digest of the document and of the signed attributes (``sha256``)."""
    document_digest: str
    """Hex digest of the prepared file over its ``/ByteRange``."""
    reserved_start: int
    """Offset of the reserved ``/Contents`` region (the ``<``) in the prepared file."""
    reserved_end: int
    """Offset just after the reserved region (after the ``>``)."""
    prepared_sha256: str
    """SHA-256 (hex) of the whole prepared file, checked before completing."""
    prepared_size: int
    """Size of the prepared file in bytes."""
    certificate: str
    """Base64 DER of the signer's certificate."""
    chain: tuple[str, ...]
    """Base64 DER of the issuing CA certificates to embed."""
    field_name: str
    """Signature field that receives the signature."""
    level: Level
    """Level requested (completion makes at least B-T)."""
    signed_at: str
    """ISO 8601 signing time recorded in the signature dictionary."""
    tsa_url: str | None = None
    """Time-stamping authority named at preparation (completion may override)."""

    @property
    def byte_range(self) -> tuple[int, int, int, int]:
        """The ``/ByteRange`` of the signature: (0, start, end, size - end)."""
        return (0, self.reserved_start, self.reserved_end, self.prepared_size - self.reserved_end)

    def to_be_signed_bytes(self) -> bytes:
        """``to_be_signed`` decoded."""
        return base64.b64decode(self.to_be_signed)

    def signer_certificate(self) -> asn1_x509.Certificate:
        """The signer's certificate, parsed."""
        return asn1_x509.Certificate.load(base64.b64decode(self.certificate))

    def chain_certificates(self) -> list[asn1_x509.Certificate]:
        """The chain, parsed."""
        return [asn1_x509.Certificate.load(base64.b64decode(c)) for c in self.chain]

    def to_json(self) -> str:
        """JSON text (stable key order)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> PreparedSignature:
        """Parse what :meth:`to_json` produced."""
        try:
            data = json.loads(text)
            data["chain"] = tuple(data.get("chain", ()))
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise ExternalSigningError(
                f"The prepared signature record is unreadable ({exc})."
            ) from exc


async def async_prepare_external(
    input: PdfInput,
    output_prepared: PdfOutput,
    certificate: bytes,
    request: SignRequest,
    *,
    chain: tuple[bytes, ...] = (),
) -> PreparedSignature:
    """Write the prepared PDF and return what the client must sign.

    ``certificate`` (PEM or DER) is the signer's; ``chain`` its issuing CAs. Space for a
    signature timestamp is always reserved (completion makes at least B-T), so the
    request needs a ``tsa_url`` or a ``timestamper``.
    """
    certs = load_certificates(certificate)
    if not certs:
        raise ExternalSigningError("No signer certificate was given.")
    cert = certs[0]
    chain_certs = load_certificates(*chain)
    algorithm = algorithm_name(cert, request.md_algorithm)
    placeholder = bytes(placeholder_size(cert))
    signer = FastExternalSigner(cert, new_store(chain_certs), signature_value=placeholder)
    pdf_signer = _pdf_signer(signer, request)
    with (
        signing_errors("preparing an external signature"),
        open_input(input) as src,
        open_output(output_prepared) as (out, _path),
    ):
        writer = open_writer(src)
        prepared, attrs, signed_at = await _prepare(pdf_signer, signer, writer, out, request)
        sha, size = stream_digest(out)
    return PreparedSignature(
        to_be_signed=_b64(attrs.dump()),
        algorithm=algorithm,
        digest_algorithm=request.md_algorithm,
        document_digest=prepared.document_digest.hex(),
        reserved_start=prepared.reserved_region_start,
        reserved_end=prepared.reserved_region_end,
        prepared_sha256=sha,
        prepared_size=size,
        certificate=_b64(cert.dump()),
        chain=tuple(_b64(c.dump()) for c in chain_certs),
        field_name=request.field_name,
        level=request.level if level_rank(request.level) >= 1 else "B-T",
        signed_at=signed_at.isoformat(),
        tsa_url=request.tsa_url,
    )


def _pdf_signer(signer: FastExternalSigner, request: SignRequest) -> PdfSigner:
    """pyHanko's signer for the preparation, sized for a signature timestamp (B-LT data
    comes after completion, in a revision of its own)."""
    sized = replace(request, level="B-T")
    appearance = request.appearance
    return PdfSigner(
        signature_metadata(sized, None),
        signer,
        timestamper=build_timestamper(sized),
        stamp_style=appearance.style if appearance is not None else DEFAULT_STAMP_STYLE,
        new_field_spec=field_spec(request),
    )


async def _prepare(
    pdf_signer: PdfSigner,
    signer: FastExternalSigner,
    writer: IncrementalPdfFileWriter,
    out: BinaryIO,
    request: SignRequest,
) -> tuple[PreparedByteRangeDigest, cms.CMSAttributes, datetime]:
    """Write the document with its signature placeholder into ``out``; the byte range's
    digest, the signed attributes the client signs, and the signing time they carry."""
    appearance = request.appearance
    prepared, _tbs, _ = await pdf_signer.async_digest_doc_for_signing(
        writer,
        output=out,
        appearance_text_params=dict(appearance.text_params) if appearance else None,
    )
    signed_at = datetime.now().astimezone()
    attrs = await signer.signed_attrs(
        prepared.document_digest,
        request.md_algorithm,
        attr_settings=PdfCMSSignedAttributes(signing_time=signed_at),
        use_pades=True,
    )
    return prepared, attrs, signed_at


def signed_attributes(prepared: PreparedSignature) -> cms.CMSAttributes:
    """The signed attributes as pyHanko/asn1crypto objects."""
    return cms.CMSAttributes.load(prepared.to_be_signed_bytes())
