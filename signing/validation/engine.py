"""Validation of every signature and document timestamp in a PDF.

The main path is pyHanko's ``async_validate_pdf_signature`` / ``async_validate_pdf_timestamp``
with one shared validation context per document (fed with the file's DSS, so B-LT and
B-LTA validate offline). pyHanko's AdES engine (ETSI EN 319 102-1) is consulted when a
signature fails only for reasons a proof of existence could cure, or on request.
"""

from __future__ import annotations

import asyncio
import dataclasses
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

import aiohttp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from signing._failures import MALFORMED, log_unexpected
from signing._failures import reason as _reason
from signing.validation._evidence import _build_context, _Evidence, _read_evidence
from signing.validation._facts import signed_revision
from signing.validation._input import (
    MAX_PDF_BYTES,
    PdfSource,
    _open_source,
    hash_file_and_byte_ranges,
    open_reader,
)
from signing.validation._longterm import _DocState
from signing.validation._rules import trailing_garbage
from signing.validation._signature import _failed_signature, _validate_signature
from signing.validation._timestamp import _validate_doc_timestamp
from signing.validation._verdict import apply_document_rules
from signing.validation.errors import UnreadablePdf
from signing.validation.messages import Finding, finding
from signing.validation.model import (
    DocumentReport,
    Indication,
    SignatureReport,
    TimestampReport,
)
from signing.validation.trust import TrustConfig

MAX_SIGNATURES = 100
"""Signatures and document timestamps checked per file (pathological-input guard)."""
MAX_REVISIONS = 1000
"""Incremental updates accepted per file (difference analysis grows with them)."""

__all__ = ["MAX_PDF_BYTES", "PdfSource", "async_validate_pdf", "validate_pdf"]


def _verdict(sigs: list[SignatureReport], tss: list[TimestampReport]) -> Indication:
    """All signatures must pass. A document timestamp fails the document when it is broken
    (TOTAL_FAILED); one that cannot be fully checked *now* (e.g. its authority's revocation
    data has aged) is a warning: the signatures' long-term validation already weighed it."""
    if not sigs:
        return Indication.INDETERMINATE
    inds = [s.indication for s in sigs] + [
        t.indication for t in tss if t.indication is Indication.TOTAL_FAILED
    ]
    if all(i is Indication.TOTAL_PASSED for i in inds):
        return Indication.TOTAL_PASSED
    if any(i is Indication.TOTAL_FAILED for i in inds):
        return Indication.TOTAL_FAILED
    return Indication.INDETERMINATE


async def async_validate_pdf(
    source: PdfSource, trust: TrustConfig, *, max_bytes: int = MAX_PDF_BYTES
) -> DocumentReport:
    """Validate every signature and document timestamp of a PDF.

    Raises :class:`UnreadablePdf` only when the file cannot be read as a PDF at all;
    anything wrong with a signature becomes a failed or indeterminate entry with a reason.
    """
    moment = trust.validation_time or datetime.now(UTC)
    with _open_source(source, max_bytes) as (stream, size):
        return await _validate_stream(stream, size, trust, moment, max_bytes)


@dataclass
class _Notes:
    """What the document as a whole gets: errors (it cannot pass) and warnings."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


async def _validate_stream(
    stream: BinaryIO, size: int, trust: TrustConfig, moment: datetime, max_bytes: int
) -> DocumentReport:
    reader = open_reader(stream)
    notes = _Notes()
    revisions: int | None = None
    with suppress(*MALFORMED):
        revisions = int(reader.xrefs.total_revisions)
    encrypted = _check_encryption(reader, notes)
    embedded, unreadable = _list_signatures(reader, revisions, notes)
    file_sha256 = hash_file_and_byte_ranges(stream, embedded, max_bytes)
    evidence = _read_evidence(reader, trust)
    notes.warnings += evidence.warnings
    sig_reports, ts_reports = await _validate_each(reader, trust, moment, evidence, embedded)
    sig_reports = unreadable + sig_reports
    if not sig_reports and not notes.errors:
        notes.errors.append("The document contains no signatures.")
    sig_reports = apply_document_rules(reader, embedded, sig_reports)
    ts_reports = _settle_archive_timestamps(ts_reports, sig_reports)
    findings: list[Finding] = []
    appended = trailing_garbage(reader, stream, size)
    if appended:
        found = finding("trailing_bytes", count=appended)
        findings.append(found)
        notes.errors.append(found.en)
    verdict = _document_verdict(sig_reports, ts_reports, notes, findings)
    return DocumentReport(
        file_sha256=file_sha256,
        file_size=size,
        revisions=revisions,
        verdict=verdict,
        signatures=tuple(sig_reports),
        document_timestamps=tuple(ts_reports),
        validation_time=moment,
        encrypted=encrypted,
        errors=tuple(notes.errors),
        warnings=tuple(notes.warnings),
        findings=tuple(findings),
    )


def _check_encryption(reader: PdfFileReader, notes: _Notes) -> bool:
    """Whether the file is encrypted; an encrypted file is a warning, and an error when it
    cannot be opened without a key (its signatures cannot be checked then)."""
    try:
        encrypted = bool(reader.encrypted)
    except MALFORMED as exc:
        raise UnreadablePdf(
            f"The file's encryption settings cannot be read: {_reason(exc)}"
        ) from exc
    if not encrypted:
        return False
    opened = False
    from pyhanko.pdf_utils.crypt import AuthStatus, StandardSecurityHandler

    with suppress(*MALFORMED):  # an unusable handler: the file stays closed
        if isinstance(reader.security_handler, StandardSecurityHandler):
            opened = reader.decrypt(b"").status != AuthStatus.FAILED
    notes.warnings.append(
        "The file is encrypted; an official document must be readable by its recipients."
    )
    if not opened:
        notes.errors.append(
            "The file is encrypted and cannot be opened without its key, "
            "so its signatures cannot be checked."
        )
    return True


def _list_signatures(
    reader: PdfFileReader, revisions: int | None, notes: _Notes
) -> tuple[list[EmbeddedPdfSignature], list[SignatureReport]]:
    """The signatures and document timestamps to check, in signing order, and a failed
    entry for each one that cannot even be read. Bounded (pathological files)."""
    embedded: list[EmbeddedPdfSignature] = []
    unreadable: list[SignatureReport] = []
    if revisions is not None and revisions > MAX_REVISIONS:
        notes.errors.append(
            f"The file has {revisions} revisions; at most {MAX_REVISIONS} are analysed, so its "
            "signatures were not checked."
        )
        return embedded, unreadable
    try:
        for listed, (fq_name, _sig_obj, sig_field) in enumerate(
            enumerate_sig_fields(reader, filled_status=True), start=1
        ):
            if listed > MAX_SIGNATURES:
                notes.errors.append(
                    f"The file has more than {MAX_SIGNATURES} signatures; the rest were not "
                    "checked."
                )
                break
            try:
                embedded.append(EmbeddedPdfSignature(reader, sig_field, fq_name))
            except MALFORMED as exc:
                unreadable.append(
                    _failed_signature(str(fq_name), f"The signature cannot be read: {_reason(exc)}")
                )
    except MALFORMED as exc:
        notes.errors.append(f"The signatures in the file cannot be listed: {_reason(exc)}")
    embedded.sort(key=lambda e: signed_revision(e) or 0)
    return embedded, unreadable


def _is_doc_timestamp(emb: EmbeddedPdfSignature) -> bool:
    try:
        return bool(emb.sig_object_type == "/DocTimeStamp")
    except MALFORMED:
        return False


async def _validate_each(
    reader: PdfFileReader,
    trust: TrustConfig,
    moment: datetime,
    evidence: _Evidence,
    embedded: list[EmbeddedPdfSignature],
) -> tuple[list[SignatureReport], list[TimestampReport]]:
    """Every signature and document timestamp through pyHanko, with one validation context
    for the document; a failure of one never stops the others."""
    backend = None
    if trust.allow_fetching:
        backend = AIOHttpFetcherBackend(
            session=trust.session, per_request_timeout=trust.fetch_timeout
        )
    vc = _build_context(trust, evidence, moment, backend)
    doc = _DocState(reader, trust, moment, evidence, vc)
    for emb in embedded:
        with suppress(*MALFORMED):
            if _is_doc_timestamp(emb):
                doc.doc_ts_revisions.append(emb.signed_revision)
    sig_reports: list[SignatureReport] = []
    ts_reports: list[TimestampReport] = []
    try:
        for emb in embedded:
            await _validate_one(emb, doc, sig_reports, ts_reports)
    finally:
        with suppress(aiohttp.ClientError, OSError):  # closing must not hide the report
            await vc.aclose()  # type: ignore[no-untyped-call]
        if backend is not None:
            await backend.close()  # type: ignore[no-untyped-call]
    return sig_reports, ts_reports


async def _validate_one(
    emb: EmbeddedPdfSignature,
    doc: _DocState,
    sig_reports: list[SignatureReport],
    ts_reports: list[TimestampReport],
) -> None:
    """One signature or document timestamp into its list; whatever its content makes
    fail is a failed entry, never an exception."""
    try:
        if _is_doc_timestamp(emb):
            ts_reports.append(await _validate_doc_timestamp(emb, doc))
        else:
            sig_reports.append(await _validate_signature(emb, doc))
    except Exception as exc:  # the boundary: a signature's content becomes a finding
        log_unexpected(exc, f"validating {emb.field_name}")
        sig_reports.append(
            _failed_signature(
                str(emb.field_name),
                f"The signature could not be validated: {_reason(exc)}",
                "GENERIC",
                Indication.INDETERMINATE,
            )
        )


def _document_verdict(
    sigs: list[SignatureReport],
    tss: list[TimestampReport],
    notes: _Notes,
    findings: list[Finding],
) -> Indication:
    """The verdict; a document timestamp that cannot be fully checked now adds a warning."""
    verdict = _verdict(sigs, tss)
    for t in tss:
        if t.indication is Indication.INDETERMINATE:
            notes.warnings.append(
                f"The document timestamp {t.field_name} could not be fully validated at the "
                f"validation time ({t.sub_indication}): " + " ".join(t.errors)
            )
    if notes.errors and verdict is Indication.TOTAL_PASSED:
        verdict = Indication.INDETERMINATE
    if findings:
        verdict = Indication.TOTAL_FAILED
    return verdict


_TIME_ONLY = {
    "TRY_LATER",
    "REVOCATION_OUT_OF_BOUNDS_NO_POE",
    "OUT_OF_BOUNDS_NO_POE",
    "NO_POE",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE",
    "OUT_OF_BOUNDS_NOT_REVOKED",
}


def _settle_archive_timestamps(
    tss: list[TimestampReport], sigs: list[SignatureReport]
) -> list[TimestampReport]:
    """A document timestamp that cannot be checked *now* only for want of current
    revocation data is settled when the long-term validation of a signature it protects
    accepted the whole chain of document timestamps (ETSI EN 319 102-1 evidence record)."""
    chain_ok = any(
        s.ades is not None
        and s.ades.get("process") == "LTA"
        and s.ades.get("indication") == Indication.TOTAL_PASSED.value
        and s.passed
        for s in sigs
    )
    if not chain_ok:
        return tss
    out = []
    for t in tss:
        if t.indication is Indication.INDETERMINATE and t.sub_indication in _TIME_ONLY:
            note = (
                "Validated as part of the chain of archive timestamps (ETSI long-term "
                "validation), with the revocation data the file holds; at the validation time "
                f"alone the result would be {t.indication.value}/{t.sub_indication}."
            )
            t = dataclasses.replace(
                t,
                indication=Indication.TOTAL_PASSED,
                sub_indication=None,
                errors=(),
                warnings=(*t.warnings, note),
            )
        out.append(t)
    return out


def validate_pdf(
    source: PdfSource, trust: TrustConfig, *, max_bytes: int = MAX_PDF_BYTES
) -> DocumentReport:
    """Synchronous wrapper (CLI, scripts). Not for use inside a running event loop."""
    return asyncio.run(async_validate_pdf(source, trust, max_bytes=max_bytes))
