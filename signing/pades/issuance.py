"""Issuance: the number and date land in their form fields and the agency seal signs,
all in ONE incremental revision, so the leader's signature sees only form filling."""

from __future__ import annotations

import asyncio

from pyhanko.sign.signers.pdf_cms import Signer

from signing.errors import signing_errors
from signing.pades.fields import DATE_FIELD, NUMBER_FIELD, fill_text_fields
from signing.pades.levels import SignRequest, SignResult
from signing.pades.pdf_io import (
    PdfInput,
    PdfOutput,
    open_input,
    open_output,
    open_writer,
    stream_digest,
)
from signing.pades.sign import sign_into, signer_subject

__all__ = ["async_fill_and_seal", "fill_and_seal"]


async def async_fill_and_seal(
    input: PdfInput,
    output: PdfOutput,
    number_text: str,
    date_text: str,
    seal_request: SignRequest,
    seal_signer: Signer,
    *,
    number_field: str = NUMBER_FIELD,
    date_field: str = DATE_FIELD,
    font_size: int = 11,
) -> SignResult:
    """Fill the number and date fields and apply the agency seal in the same revision.

    The seal goes into ``seal_request.field_name``: an existing empty signature field,
    or a new one at ``seal_request.box``. The fields must exist and be empty (added by
    :func:`signing.add_signature_fields` before the leader signed).
    """
    with (
        signing_errors("filling the number and date and sealing"),
        open_input(input) as src,
        open_output(output) as (out, path),
    ):
        writer = open_writer(src)
        fill_text_fields(
            writer, {number_field: number_text, date_field: date_text}, font_size=font_size
        )
        signed_at = await sign_into(writer, out, seal_request, seal_signer)
        sha, size = stream_digest(out)
    return SignResult(
        field_name=seal_request.field_name,
        level=seal_request.level,
        signed_at=signed_at,
        sha256=sha,
        size=size,
        signer_subject=signer_subject(seal_signer),
        output_path=path,
    )


def fill_and_seal(
    input: PdfInput,
    output: PdfOutput,
    number_text: str,
    date_text: str,
    seal_request: SignRequest,
    seal_signer: Signer,
) -> SignResult:
    """Synchronous :func:`async_fill_and_seal` (CLI, benchmarks; not inside a loop)."""
    return asyncio.run(
        async_fill_and_seal(input, output, number_text, date_text, seal_request, seal_signer)
    )
