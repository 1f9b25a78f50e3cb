"""The CPU-bound signing work, as plain functions a worker process runs.

Each job takes paths and plain values (picklable), runs the ``signing`` package's async
API in its own event loop, and returns plain values. A refusal the user can act on is
raised as :class:`JobRefused` (message readable); anything else as :class:`JobFailed`.
Both pickle across the process boundary.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import signing
from docflow.core.keys import (
    JobFailed,
    JobRefused,
    SigningConfig,
    chain_for,
    long_term_source,
    result_dict,
    run_job_coroutine,
    seal_source,
    subject_texts,
    time_source,
    trust_config,
)

__all__ = [
    "JobFailed",
    "JobRefused",
    "SigningConfig",
    "job_add_fields",
    "job_check_pdf",
    "malformed_pdf_errors",
    "seal_level",
    "job_sign_attachment",
    "job_complete",
    "job_fill_and_seal",
    "job_prepare",
    "job_renew_archive",
    "job_validate",
    "trust_config",
]


# --------------------------------------------------------------------------- jobs


async def _check_unsigned_pdf(src: str) -> None:
    try:
        report = await signing.async_validate_pdf(src, signing.TrustConfig())
    except signing.UnreadablePdf as exc:
        raise JobRefused(str(exc), "pdf_unreadable") from None
    if report.encrypted:
        raise JobRefused(
            "The PDF is encrypted; an official document must be readable by its "
            "recipients: upload it without a password or restrictions.",
            "pdf_encrypted",
        )
    listing = [e for e in report.errors if "cannot be listed" in e]
    if listing:
        raise JobRefused(listing[0], "pdf_unreadable")
    if report.signatures or report.document_timestamps:
        raise JobRefused(
            "The PDF already carries signatures; upload the unsigned draft: docflow "
            "adds the signature fields before the signer signs.",
            "pdf_signed",
        )


def job_check_pdf(src: str) -> None:
    """Refuse ``src`` unless it is a readable, unencrypted, unsigned PDF."""
    run_job_coroutine(_check_unsigned_pdf(src))


def job_add_fields(src: str, out: str, layout: dict[str, Any]) -> dict[str, Any]:
    """Check that ``src`` is a readable, unencrypted, unsigned PDF; add the leader's
    signature field and the number/date fields. Returns sha256 and size of ``out``."""

    async def work() -> dict[str, Any]:
        await _check_unsigned_pdf(src)
        try:
            spec = dict(layout)
            spec["approver_fields"] = tuple(spec.get("approver_fields", ()))
            result = await signing.async_add_signature_fields(src, out, signing.FieldLayout(**spec))
        except signing.SigningError as exc:
            raise JobRefused(f"The PDF cannot take signature fields: {exc}", "pdf_fields") from None
        except malformed_pdf_errors() as exc:  # a malformed file, in words
            raise JobRefused(
                f"The PDF cannot be prepared for signing ({type(exc).__name__}: {exc}).",
                "pdf_unreadable",
            ) from None
        return {"sha256": result.sha256, "size": result.size}

    return run_job_coroutine(work())


def job_prepare(
    src: str,
    out: str,
    certificate_pem: bytes,
    field_name: str,
    signer_name: str,
    config: SigningConfig,
) -> str:
    """First step of the external signature; returns ``PreparedSignature`` as JSON.

    The stamp shows the certificate's name and title (``signer_name`` if it has none).
    """

    async def work() -> str:
        now = datetime.now(UTC)
        chain_pems = chain_for(certificate_pem, config)
        common_name, position = subject_texts(certificate_pem)
        signer_name_ = common_name or signer_name
        request = signing.SignRequest(
            level="B-T",
            field_name=field_name,
            appearance=signing.leader_appearance(signer_name_, position, now),
            **time_source(config),
        )
        prepared = await signing.async_prepare_external(
            src, out, certificate_pem, request, chain=chain_pems
        )
        return prepared.to_json()

    return run_job_coroutine(work())


def job_complete(
    prepared_path: str, out: str, prepared_json: str, signature_b64: str, config: SigningConfig
) -> dict[str, Any]:
    """Second step: check the client's signature and embed it with a timestamp (B-T)."""

    async def work() -> dict[str, Any]:
        prepared = signing.PreparedSignature.from_json(prepared_json)
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except ValueError:
            raise JobRefused("The signature is not valid base64.") from None
        kwargs: dict[str, Any] = {}
        source = time_source(config)
        if "timestamper" in source:
            kwargs["timestamper"] = source["timestamper"]
        else:
            kwargs["tsa_url"] = source["tsa_url"]
        result = await signing.async_complete_external(
            prepared_path, out, prepared, signature, **kwargs
        )
        return result_dict(result)

    return run_job_coroutine(work())


def job_validate(path: str, config: SigningConfig, full: bool = False) -> dict[str, Any]:
    """Validate every signature; a plain summary (verdict and per-signature facts), with
    the whole report under ``report`` when ``full`` (the issuance keeps it)."""

    async def work() -> dict[str, Any]:
        try:
            report = await signing.async_validate_pdf(path, trust_config(config))
        except signing.UnreadablePdf as exc:
            raise JobRefused(str(exc)) from None
        return {
            "verdict": report.verdict.value,
            "errors": list(report.errors),
            "signatures": [
                {
                    "field_name": s.field_name,
                    "indication": s.indication.value,
                    "sub_indication": s.sub_indication,
                    "modifications": s.modifications.kind.value,
                    "level": s.level,
                    "errors": list(s.errors),
                }
                for s in report.signatures
            ],
            **({"report": report.to_dict()} if full else {}),
        }

    return run_job_coroutine(work())


def job_fill_and_seal(
    src: str,
    out: str,
    number_text: str,
    date_text: str,
    agency_abbreviation: str,
    agency_name: str,
    leader_box: tuple[float, float, float, float],
    config: SigningConfig,
) -> dict[str, Any]:
    """Number, date and the agency seal in one revision, at the configured level."""

    async def work() -> dict[str, Any]:
        try:
            signer = await signing.async_load_signer(seal_source(config, agency_abbreviation))
        except (signing.SigningError, LookupError, OSError) as exc:
            reason = f"the seal key of {agency_abbreviation} cannot be used: {exc}"
            raise JobFailed(reason) from None
        level = seal_level(config)
        extra = long_term_source(config) if level in ("B-LT", "B-LTA") else {}
        box = signing.seal_box_for(leader_box)
        size = _seal_field_size(src) or (box[2] - box[0], box[3] - box[1])
        request = signing.SignRequest(
            level=level,
            field_name="DauCoQuan",
            box=box,
            appearance=signing.seal_appearance(agency_name, datetime.now(UTC), box_size=size),
            **time_source(config),
            **extra,
        )
        result = await signing.async_fill_and_seal(
            src, out, number_text, date_text, request, signer
        )
        return {**result_dict(result), **archive_facts(out)}

    return run_job_coroutine(work())


def archive_facts(path: str) -> dict[str, Any]:
    """When the newest archive timestamp of ``path`` expires (ISO 8601, or ``None``)."""
    status = signing.archive_status(path)
    expires = status.tsa_not_after
    return {"archive_expires_at": expires.isoformat() if expires is not None else None}


def job_renew_archive(src: str, out: str, config: SigningConfig) -> dict[str, Any]:
    """A new archive timestamp over ``src`` with fresh revocation data before and after
    it; returns sha256, size, the timestamp's time and the new expiry."""

    async def work() -> dict[str, Any]:
        sources = {**time_source(config), **long_term_source(config)}
        request = signing.SignRequest(level="B-LTA", **sources)
        result = await signing.async_renew_archive_timestamp(src, out, request)
        return {
            "sha256": result.sha256,
            "size": result.size,
            "timestamp_time": result.timestamp_time.isoformat(),
            "archive_expires_at": result.tsa_not_after.isoformat(),
        }

    return run_job_coroutine(work())


#: Size and margins (right, top) of an attachment's stamp, top right of page 1.
ATTACHMENT_BOX = (220.0, 42.0)
ATTACHMENT_MARGIN = (28.0, 14.0)


def seal_level(config: SigningConfig) -> signing.Level:
    """The configured seal level as a ``signing.Level`` (the settings accept only known
    levels; anything else is a configuration fault, not the file's)."""
    for level in signing.LEVELS:
        if level == config.seal_level:
            return level
    raise JobFailed(f"The seal level {config.seal_level!r} is not a signature level.")


def malformed_pdf_errors() -> tuple[type[Exception], ...]:
    """What reading a damaged or hostile PDF raises: ``signing.MALFORMED`` (pyHanko and
    asn1crypto) and pypdf's own errors. Anything else is a defect and leaves the job as a
    failure, not as a refusal of the file. Loaded on failure only, like the readers."""
    from pypdf.errors import PyPdfError

    return (*signing.MALFORMED, PyPdfError)


def _seal_field_size(src: str) -> tuple[float, float] | None:
    """(width, height) of the seal field made at upload: the appearance is laid out for
    it (a draft made before the seal's caption grew has a narrower field)."""
    import pypdf

    try:
        root: Any = pypdf.PdfReader(src).trailer["/Root"]
        form: Any = root.get("/AcroForm")
        for ref in form.get_object().get("/Fields", []) if form is not None else []:
            field: Any = ref.get_object()
            if field.get("/T") == "DauCoQuan" and "/Rect" in field:
                x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
                return abs(x2 - x1), abs(y2 - y1)
    except malformed_pdf_errors():
        return None
    return None


def _first_page_size(src: str) -> tuple[float, float]:
    import pypdf

    box = pypdf.PdfReader(src).pages[0].mediabox
    return float(box.width), float(box.height)


def job_sign_attachment(
    src: str,
    out: str,
    document_ref: str,
    agency_abbreviation: str,
    agency_name: str,
    config: SigningConfig,
) -> dict[str, Any]:
    """The agency's signature on an attachment: text only (no seal image), naming the
    main document's number and symbol, top right of page 1, at B-T."""

    async def work() -> dict[str, Any]:
        try:
            signer = await signing.async_load_signer(seal_source(config, agency_abbreviation))
        except (signing.SigningError, LookupError, OSError) as exc:
            reason = f"the seal key of {agency_abbreviation} cannot be used: {exc}"
            raise JobFailed(reason) from None
        try:
            width, height = _first_page_size(src)
        except malformed_pdf_errors():  # an odd page tree: assume A4
            width, height = 595.0, 842.0
        (w, h), (right, top) = ATTACHMENT_BOX, ATTACHMENT_MARGIN
        box = (width - right - w, height - top - h, width - right, height - top)
        request = signing.SignRequest(
            level="B-T",
            field_name="DauCoQuanPhuLuc",
            box=box,
            appearance=signing.attachment_appearance(
                document_ref, datetime.now(UTC), agency_name, box_size=(w, h)
            ),
            **time_source(config),
        )
        return result_dict(await signing.async_sign_pdf(src, out, request, signer))

    return run_job_coroutine(work())

