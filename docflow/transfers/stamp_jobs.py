"""Worker-process jobs of the routing between agencies (run through ``SigningPool``):
verifying an arriving file and applying the recipient's incoming stamp.

Plain picklable functions, like ``docflow.documents.signing_jobs`` whose helpers (trust,
time source, seal keys) they share.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import signing
from docflow.core.keys import (
    JobRefused,
    SigningConfig,
    broken_signatures,
    long_term_source,
    run_job_coroutine,
    time_source,
    trust_config,
)
from docflow.documents.signing_jobs import malformed_pdf_errors, seal_level

__all__ = ["INCOMING_FIELD", "job_stamp_incoming", "job_verify_report"]

#: Signature field of the recipient's incoming stamp.
INCOMING_FIELD = "DauDen"


def verdict_word(indication: str) -> str:
    """``passed|failed|indeterminate`` for an ETSI indication."""
    return {"TOTAL_PASSED": "passed", "TOTAL_FAILED": "failed"}.get(indication, "indeterminate")


def job_verify_report(path: str, config: SigningConfig) -> dict[str, Any]:
    """Validate every signature of ``path``: ``{"verdict", "report"}`` (report as a dict).

    An unreadable file is a failed verification with the reason, never an exception.
    """

    async def work() -> dict[str, Any]:
        try:
            report = await signing.async_validate_pdf(path, trust_config(config))
        except signing.UnreadablePdf as exc:
            return {"verdict": "failed", "report": {"verdict": "TOTAL_FAILED",
                                                   "errors": [str(exc)], "signatures": []}}
        data = report.to_dict()
        return {"verdict": verdict_word(report.verdict.value), "report": data}

    return run_job_coroutine(work())


def _page_size(path: str) -> tuple[float, float]:
    # Read with pyHanko's reader: signing offers no page-size helper yet.
    from pyhanko.pdf_utils.reader import PdfFileReader

    with open(path, "rb") as handle:
        reader = PdfFileReader(handle, strict=False)
        page = reader.root["/Pages"]
        while "/Kids" in page:
            page = page["/Kids"][0]
        box = page.get("/MediaBox") or [0, 0, 595, 842]
        return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])


def job_stamp_incoming(
    src: str,
    out: str,
    abbreviation: str,
    seal_key_ref: str | None,
    agency_name: str,
    number: int,
    received_at: str,
    config: SigningConfig,
    check_first: bool = True,
) -> dict[str, Any]:
    """The recipient's "ĐẾN" stamp (incoming number and date) as its own PAdES signature
    with its agency seal, top right of page 1, in an incremental update, at the seal level
    (B-LTA by default: the recipient's copy is an archive record too). ``check_first``:
    refuse when the sender's signatures are already broken (skip it only when the arrival
    check already said they are not)."""

    async def work() -> dict[str, Any]:
        if check_first:
            try:
                report = await signing.async_validate_pdf(src, trust_config(config))
            except signing.UnreadablePdf as exc:
                raise JobRefused(f"The received PDF cannot be read: {exc}") from None
            problems = broken_signatures(report)
            if problems:
                raise JobRefused("The incoming stamp is not applied: " + " ".join(problems))
        when = datetime.fromisoformat(received_at)
        signer = await signing.async_load_signer(
            config.seal_keys.seal_source(abbreviation, seal_key_ref)
        )
        try:
            width, height = _page_size(src)
        except malformed_pdf_errors() as exc:  # a malformed file, in words
            raise JobRefused(f"The received PDF cannot be read: {exc}") from None
        # Top right in the margin, unless a letterhead or a field's stamp is there.
        margin = signing.attachment_box(width, height, size=signing.INCOMING_BOX_SIZE)
        with open(src, "rb") as stream:
            box = signing.incoming_box(stream, margin)
        level = seal_level(config)
        request = signing.SignRequest(
            level=level,
            field_name=INCOMING_FIELD,
            box=box,
            page=0,
            appearance=signing.incoming_appearance(agency_name, number, when),
            reason=f"Văn bản đến số {number:02d}",
            **time_source(config),
            **(long_term_source(config) if level in ("B-LT", "B-LTA") else {}),
        )
        result = await signing.async_sign_pdf(src, out, request, signer)
        return {"sha256": result.sha256, "size": result.size}

    return run_job_coroutine(work())
