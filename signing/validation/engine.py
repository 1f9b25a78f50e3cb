"""Validation of every signature and document timestamp in a PDF.

The main path is pyHanko's ``async_validate_pdf_signature`` / ``async_validate_pdf_timestamp``
with one shared validation context per document (fed with the file's DSS, so B-LT and
B-LTA validate offline). pyHanko's AdES engine (ETSI EN 319 102-1) is consulted when a
signature fails only for reasons a proof of existence could cure, or on request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, BinaryIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from signing.validation._evidence import (
    _build_context,
    _read_evidence,
)
from signing.validation._input import (
    MAX_PDF_BYTES,
    PdfSource,
    _open_source,
    _reason,
    hash_file_and_byte_ranges,
)
from signing.validation._rules import trailing_garbage
from signing.validation._signature import (
    _DocState,
    _failed_signature,
    _safe_rev,
    _validate_doc_timestamp,
    _validate_signature,
)
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

log = logging.getLogger(__name__)


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


async def _validate_stream(
    stream: BinaryIO, size: int, trust: TrustConfig, moment: datetime, max_bytes: int
) -> DocumentReport:
    try:
        reader = PdfFileReader(stream, strict=True)
    except Exception as exc:  # noqa: BLE001
        raise UnreadablePdf(f"The file is not a readable PDF: {_reason(exc)}") from exc
    doc_errors: list[str] = []
    doc_warnings: list[str] = []
    revisions: int | None = None
    with suppress(Exception):
        revisions = int(reader.xrefs.total_revisions)
    try:
        encrypted = bool(reader.encrypted)
    except Exception as exc:  # noqa: BLE001
        raise UnreadablePdf(
            f"The file's encryption settings cannot be read: {_reason(exc)}"
        ) from exc
    if encrypted:
        opened = False
        try:
            from pyhanko.pdf_utils.crypt import AuthStatus, StandardSecurityHandler

            if isinstance(reader.security_handler, StandardSecurityHandler):
                opened = reader.decrypt(b"").status != AuthStatus.FAILED
        except Exception:  # noqa: BLE001,S110
            pass
        doc_warnings.append(
            "The file is encrypted; an official document must be readable by its recipients."
        )
        if not opened:
            doc_errors.append(
                "The file is encrypted and cannot be opened without its key, "
                "so its signatures cannot be checked."
            )
    sig_reports: list[SignatureReport] = []
    ts_reports: list[TimestampReport] = []
    embedded: list[EmbeddedPdfSignature] = []
    listed = 0
    too_many_revisions = revisions is not None and revisions > MAX_REVISIONS
    if too_many_revisions:
        doc_errors.append(
            f"The file has {revisions} revisions; at most {MAX_REVISIONS} are analysed, so its "
            "signatures were not checked."
        )
    try:
        fields: Iterable[Any] = (
            () if too_many_revisions else enumerate_sig_fields(reader, filled_status=True)
        )
        for fq_name, _sig_obj, sig_field in fields:
            listed += 1
            if listed > MAX_SIGNATURES:
                doc_errors.append(
                    f"The file has more than {MAX_SIGNATURES} signatures; the rest were not "
                    "checked."
                )
                break
            try:
                embedded.append(EmbeddedPdfSignature(reader, sig_field, fq_name))
            except Exception as exc:  # noqa: BLE001
                sig_reports.append(
                    _failed_signature(str(fq_name), f"The signature cannot be read: {_reason(exc)}")
                )
    except Exception as exc:  # noqa: BLE001
        doc_errors.append(f"The signatures in the file cannot be listed: {_reason(exc)}")
    embedded.sort(key=lambda e: _safe_rev(e) or 0)
    file_sha256 = hash_file_and_byte_ranges(stream, embedded, max_bytes)
    evidence = _read_evidence(reader, trust)
    doc_warnings += evidence.warnings
    backend = None
    if trust.allow_fetching:
        backend = AIOHttpFetcherBackend(
            session=trust.session, per_request_timeout=trust.fetch_timeout
        )
    vc = _build_context(trust, evidence, moment, backend)
    doc = _DocState(reader, trust, moment, evidence, vc)
    for emb in embedded:
        with suppress(Exception):
            if emb.sig_object_type == "/DocTimeStamp":
                doc.doc_ts_revisions.append(emb.signed_revision)
    try:
        for emb in embedded:
            try:
                is_ts = emb.sig_object_type == "/DocTimeStamp"
            except Exception:  # noqa: BLE001
                is_ts = False
            try:
                if is_ts:
                    ts_reports.append(await _validate_doc_timestamp(emb, doc))
                else:
                    sig_reports.append(await _validate_signature(emb, doc))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - last line of defence
                log.warning("unexpected error validating %s", emb.field_name, exc_info=True)
                sig_reports.append(
                    _failed_signature(
                        str(emb.field_name),
                        f"The signature could not be validated: {_reason(exc)}",
                        "GENERIC",
                        Indication.INDETERMINATE,
                    )
                )
    finally:
        with suppress(Exception):
            await vc.aclose()  # type: ignore[no-untyped-call]
        if backend is not None:
            await backend.close()  # type: ignore[no-untyped-call]
    if not sig_reports and not doc_errors:
        doc_errors.append("The document contains no signatures.")
    sig_reports = apply_document_rules(reader, embedded, sig_reports)
    ts_reports = _settle_archive_timestamps(ts_reports, sig_reports)
    findings: list[Finding] = []
    appended = trailing_garbage(reader, stream, size)
    if appended:
        found = finding("trailing_bytes", count=appended)
        findings.append(found)
        doc_errors.append(found.en)
    verdict = _verdict(sig_reports, ts_reports)
    for t in ts_reports:
        if t.indication is Indication.INDETERMINATE:
            doc_warnings.append(
                f"The document timestamp {t.field_name} could not be fully validated at the "
                f"validation time ({t.sub_indication}): " + " ".join(t.errors)
            )
    if doc_errors and verdict is Indication.TOTAL_PASSED:
        verdict = Indication.INDETERMINATE
    if findings:
        verdict = Indication.TOTAL_FAILED
    return DocumentReport(
        file_sha256=file_sha256,
        file_size=size,
        revisions=revisions,
        verdict=verdict,
        signatures=tuple(sig_reports),
        document_timestamps=tuple(ts_reports),
        validation_time=moment,
        encrypted=encrypted,
        errors=tuple(doc_errors),
        warnings=tuple(doc_warnings),
        findings=tuple(findings),
    )


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
