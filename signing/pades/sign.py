"""Sign a PDF at a PAdES baseline level (B-B, B-T, B-LT, B-LTA)."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from datetime import datetime
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, Signer
from pyhanko.sign.signers.pdf_signer import PdfSigner
from pyhanko.stamp import TextStampStyle

from signing.errors import (
    ExternalSigningError,
    SignatureCreationError,
    signing_errors,
)
from signing.pades.archive import finish_long_term
from signing.pades.fields import form_field_names
from signing.pades.levels import (
    SignRequest,
    SignResult,
    build_timestamper,
    build_validation_context,
    field_spec,
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
from signing.signers.algorithms import algorithm_name

__all__ = ["async_sign_pdf", "sign_pdf", "signer_subject", "DEFAULT_STAMP_STYLE"]

DEFAULT_STAMP_STYLE = TextStampStyle(stamp_text="Digitally signed\n%(ts)s")
"""Plain stamp used when a visible signature comes without an ``Appearance``."""

_reserved: dict[tuple[str, ...], int] = {}
_reserved_lock = threading.Lock()


def signer_subject(signer: Signer) -> str:
    cert = signer.signing_cert
    return "" if cert is None else str(cert.subject.human_friendly)


def _reserve_key(signer: Signer, request: SignRequest) -> tuple[str, ...] | None:
    cert = signer.signing_cert
    if cert is None:
        return None
    tsa = request.tsa_url or (type(request.timestamper).__name__ if request.timestamper else "")
    fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    return (fingerprint, request.level, tsa, request.md_algorithm, str(request.box is None))


async def sign_into(
    writer: IncrementalPdfFileWriter,
    output: Any,
    request: SignRequest,
    signer: Signer,
    *,
    existing_fields_only: bool = False,
) -> datetime:
    """Sign what ``writer`` holds into ``output`` (a ``'wb+'`` stream); the signing time.

    The CMS size is estimated once per (certificate, level, TSA) and then reused, so a
    signature costs one private-key operation, not two.
    """
    _check_algorithms(signer, request)
    timestamper = build_timestamper(request)
    context = build_validation_context(request, _chain_of(signer))
    meta = signature_metadata(request, context)
    appearance = request.appearance
    existing = form_field_names(writer.root) if request.lock_existing_fields else None
    pdf_signer = PdfSigner(
        meta,
        signer,
        timestamper=timestamper,
        stamp_style=appearance.style if appearance is not None else DEFAULT_STAMP_STYLE,
        new_field_spec=field_spec(request, existing),
    )
    session = pdf_signer.init_signing_session(writer, existing_fields_only=existing_fields_only)
    validation_info = await session.perform_presign_validation(writer)
    key = _reserve_key(signer, request)
    reserved = request.bytes_reserved
    if reserved is None and key is not None:
        with _reserved_lock:
            reserved = _reserved.get(key)
    if reserved is None:
        reserved = await session.estimate_signature_container_size(validation_info)
        if key is not None:
            with _reserved_lock:
                _reserved[key] = reserved
    tbs = session.prepare_tbs_document(
        validation_info=validation_info,
        bytes_reserved=reserved,
        appearance_text_params=dict(appearance.text_params) if appearance is not None else None,
    )
    prepared, res_output = tbs.digest_tbs_document(output=output)
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(
            signing_time=session.system_time,
            adobe_revinfo_attr=(
                None if validation_info is None else validation_info.adobe_revinfo_attr
            ),
            cades_signed_attrs=meta.cades_signed_attr_spec,
        ),
    )
    await post.post_signature_processing(res_output)
    await finish_long_term(res_output, request, timestamper, signer_chain=_chain_of(signer))
    return session.system_time


def _chain_of(signer: Signer) -> list[Any]:
    """The signer's certificate and the CA certificates it carries."""
    certs = [] if signer.signing_cert is None else [signer.signing_cert]
    registry = getattr(signer, "cert_registry", None)
    if registry is not None:
        certs += list(registry)
    return certs


def _check_algorithms(signer: Signer, request: SignRequest) -> None:
    """RSA >= 2048 bits or ECDSA >= 256 bits, SHA-256 or stronger (algorithms in force)."""
    cert = signer.signing_cert
    if cert is None:
        return
    try:
        algorithm_name(cert, request.md_algorithm)
    except ExternalSigningError as exc:
        raise SignatureCreationError(str(exc)) from None


def forget_reserved(signer: Signer, request: SignRequest) -> None:
    key = _reserve_key(signer, request)
    if key is not None:
        with _reserved_lock:
            _reserved.pop(key, None)


def _too_small(exc: PyHankoSigningError) -> bool:
    return "larger than expected" in str(exc)


async def _sign_once(
    input: PdfInput, output: PdfOutput, request: SignRequest, signer: Signer
) -> SignResult:
    with open_input(input) as src, open_output(output) as (out, path):
        writer = open_writer(src)
        signed_at = await sign_into(writer, out, request, signer)
        sha, size = stream_digest(out)
    return SignResult(
        field_name=request.field_name,
        level=request.level,
        signed_at=signed_at,
        sha256=sha,
        size=size,
        signer_subject=signer_subject(signer),
        output_path=path,
    )


async def async_sign_pdf(
    input: PdfInput,
    output: PdfOutput,
    request: SignRequest,
    signer: Signer,
) -> SignResult:
    """Sign ``input`` into ``output`` at ``request.level``; returns what was produced.

    The output is an incremental update: its bytes start with the input's bytes.
    Errors are :class:`~signing.errors.SigningError` subclasses with readable messages.
    """
    with signing_errors("signing a PDF"):
        try:
            return await _sign_once(input, output, request, signer)
        except PyHankoSigningError as exc:
            if not _too_small(exc) or request.bytes_reserved is not None:
                raise
            forget_reserved(signer, request)  # the cached estimate no longer fits
        return await _sign_once(input, output, request, signer)


def sign_pdf(
    input: PdfInput, output: PdfOutput, request: SignRequest, signer: Signer
) -> SignResult:
    """Synchronous :func:`async_sign_pdf` for the CLI and benchmarks (not inside a loop)."""
    return asyncio.run(async_sign_pdf(input, output, request, signer))
