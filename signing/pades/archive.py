"""Keeping a B-LTA document verifiable for years: revocation data issued *after* the
newest archive (document) timestamp, and renewal of the timestamp chain.

Offline, years after signing, nothing can say whether the newest archive timestamp's TSA
certificate is still unrevoked — except revocation data about it that was issued after
that timestamp was made, which is what ``add_archive_revinfo`` embeds in a last DSS-only
revision. Before that certificate expires (or its algorithms weaken),
``async_renew_archive_timestamp`` adds fresh revocation data for it and a new document
timestamp over everything, then the same after-the-timestamp revocation data for the new
one (ETSI EN 319 142-1, PAdES-LTA "augmentation").
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import (
    DocumentSecurityStore,
    async_add_validation_info,
    collect_validation_info,
)
from pyhanko_certvalidator import ValidationContext

from signing._failures import CHECK_FAILED, MALFORMED, reason
from signing.errors import SigningError, signing_errors
from signing.pades.levels import (
    SignRequest,
    archive_context,
    build_timestamper,
    build_validation_context,
    level_rank,
)
from signing.pades.pdf_io import CHUNK, PdfInput, PdfOutput, open_input, open_output, stream_digest

__all__ = [
    "ArchiveStatus",
    "RenewResult",
    "add_archive_revinfo",
    "archive_status",
    "async_renew_archive_timestamp",
    "embed_revinfo_of_others",
    "finish_long_term",
]

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ArchiveStatus:
    """The newest document timestamp of a file, as a renewal job needs to know it."""

    timestamps: int
    """How many document timestamps the file carries."""
    newest_time: datetime | None
    """genTime of the newest one."""
    tsa_not_after: datetime | None
    """When the newest one's TSA certificate expires (renew before then)."""


@dataclass(frozen=True)
class RenewResult:
    sha256: str
    size: int
    timestamp_time: datetime
    """genTime of the new document timestamp."""
    tsa_not_after: datetime
    """When the new timestamp's TSA certificate expires (the next renewal's deadline)."""


def archive_status(source: PdfInput) -> ArchiveStatus:
    """How many document timestamps, and when the newest one's certificate expires."""
    with open_input(source) as src:
        try:
            reader = PdfFileReader(src, strict=False)
            stamps = reader.embedded_timestamp_signatures
        except MALFORMED as exc:
            raise SigningError(f"The document's timestamps cannot be read ({exc}).") from exc
        if not stamps:
            return ArchiveStatus(0, None, None)
        newest = stamps[-1]
        tst = newest.signed_data["encap_content_info"]["content"].parsed
        cert = newest.signer_cert
        return ArchiveStatus(len(stamps), tst["gen_time"].native, cert.not_valid_after)


async def add_archive_revinfo(stream: IO[bytes], context: ValidationContext) -> None:
    """Append, in place, a DSS revision with revocation data for the newest document
    timestamp's TSA chain, fetched now (so it postdates that timestamp)."""
    stream.seek(0)
    reader = PdfFileReader(stream, strict=False)
    stamps = reader.embedded_timestamp_signatures
    if not stamps:
        raise SigningError("The document has no document timestamp to add revocation data for.")
    await async_add_validation_info(stamps[-1], context, in_place=True, force_write=True)


async def embed_revinfo_of_others(
    stream: IO[bytes], context_for: Callable[[list[Any]], ValidationContext], skip: str
) -> None:
    """Append, in place, one DSS revision with the validation data of every signature in
    the document except ``skip`` (the one just made, which carries its own): a B-LT seal
    makes the whole document verifiable offline, the leader's signature included.
    ``context_for(chain_certs)`` gives the context for a signature with that chain."""
    stream.seek(0)
    reader = PdfFileReader(stream, strict=False)
    covered = _signatures_with_vri(reader)
    others = [
        s
        for s in reader.embedded_regular_signatures
        if s.field_name != skip and not (_vri_keys(s) & covered)
    ]
    if not others:
        return
    writer = IncrementalPdfFileWriter.from_reader(reader)
    added = False
    for sig in others:
        chain = list(sig.signed_data["certificates"] or [])
        context = context_for([c.chosen for c in chain])
        try:
            paths = await collect_validation_info(sig, context)
        except CHECK_FAILED as exc:  # an untrusted earlier signature gets no data
            log.info("no validation data collected for %s: %s", sig.field_name, reason(exc))
            continue
        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            sig.pkcs7_content.hex().encode("ascii"),
            validation_context=context,
            paths=paths,
        )
        added = True
    if added:
        writer_any: Any = writer
        writer_any.write_in_place()


def _vri_keys(sig: Any) -> set[str]:
    """The VRI keys pyHanko may have written for ``sig``: SHA-1 of the contents it was given,
    raw when it signed, hex text when validation data was added later (as below)."""
    raw = sig.pkcs7_content
    return {
        hashlib.sha1(raw).hexdigest().upper(),  # noqa: S324 - the PDF's VRI key
        hashlib.sha1(raw.hex().encode("ascii")).hexdigest().upper(),  # noqa: S324
    }


def _signatures_with_vri(reader: PdfFileReader) -> set[str]:
    """Signatures whose validation data the DSS already records (its ``/VRI`` keys):
    touching an existing VRI entry again would count as a change after later signatures."""
    try:
        vri = reader.root["/DSS"]["/VRI"]
        return {str(k).lstrip("/").upper() for k in vri}
    except (KeyError, TypeError, AttributeError):
        return set()


async def finish_long_term(
    stream: IO[bytes],
    request: SignRequest,
    timestamper: TimeStamper | None,
    *,
    signer_chain: list[Any],
) -> None:
    """After a signature at B-LT or B-LTA (its own validation data already embedded): the
    other signatures' validation data, then for B-LTA a document timestamp and revocation
    data for it issued after it. In place."""
    rank = level_rank(request.level)
    if rank < 2:
        return

    def context_for(chain: list[Any]) -> ValidationContext:
        if request.validation_context is not None:
            return request.validation_context
        ctx = build_validation_context(request, chain)
        if ctx is None:  # only below B-LT, which returned above
            raise SigningError(f"A {request.level} signature needs a validation context.")
        return ctx

    await embed_revinfo_of_others(stream, context_for, skip=request.field_name)
    if rank < 3:
        return
    if timestamper is None:
        raise SigningError("A B-LTA signature needs a time-stamping authority.")
    stream.seek(0)
    writer = IncrementalPdfFileWriter(stream, strict=False)
    stamper: Any = PdfTimeStamper(timestamper)
    await stamper.async_timestamp_pdf(
        writer, request.md_algorithm, validation_context=context_for(signer_chain), in_place=True
    )
    archive = archive_context(request)
    if archive is not None:  # offline signing cannot get revocation data from later
        await add_archive_revinfo(stream, archive)


async def async_renew_archive_timestamp(
    input: PdfInput, output: PdfOutput, request: SignRequest
) -> RenewResult:
    """Fresh revocation data for the newest timestamp and a new document timestamp over
    everything (one revision), then revocation data for the new one (a second).

    ``request`` gives the time-stamping authority (``tsa_url`` or ``timestamper``) and how
    to gather revocation data (``trust_roots`` with fetching, or ``validation_context``);
    its level and field are not used."""
    timestamper = build_timestamper(dataclasses.replace(request, level="B-LTA"))
    assert timestamper is not None

    def context() -> ValidationContext:
        found = archive_context(request)
        if found is None:
            raise SigningError(
                "Renewing an archive timestamp needs current revocation data: allow "
                "fetching or give a validation context."
            )
        return found

    with (
        signing_errors("renewing the archive timestamp"),
        open_input(input) as src,
        tempfile.TemporaryFile(buffering=CHUNK) as mid,
        open_output(output) as (out, _path),
    ):
        reader = PdfFileReader(src, strict=False)
        stamper: Any = PdfTimeStamper(timestamper)
        await stamper.async_update_archival_timestamp_chain(
            reader, context(), in_place=False, output=mid
        )
        mid.seek(0)
        _copy(mid, out)
        await add_archive_revinfo(out, context())
        sha, size = stream_digest(out)
        out.seek(0)
        newest = PdfFileReader(out, strict=False).embedded_timestamp_signatures[-1]
        tst = newest.signed_data["encap_content_info"]["content"].parsed
        when = tst["gen_time"].native
        expires = newest.signer_cert.not_valid_after
    return RenewResult(sha256=sha, size=size, timestamp_time=when, tsa_not_after=expires)


def _copy(src: IO[bytes], dst: IO[bytes]) -> None:
    while chunk := src.read(CHUNK):
        dst.write(chunk)
    dst.flush()
