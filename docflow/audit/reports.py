"""Validation reports for auditors: an uploaded PDF of any origin, or every version of a
document. Validation runs in the worker pool (never on the event loop)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import signing
from docflow.accounts.permissions import Principal
from docflow.core.errors import InvalidInput
from docflow.core.runtime import Runtime
from docflow.documents import documents
from docflow.documents.files import materialize, run_job, working_dir
from docflow.documents.signing_jobs import SigningConfig, trust_config

__all__ = ["document_reports", "job_reports", "validation_moment", "verify_file"]


def job_reports(
    path: str,
    config: SigningConfig,
    want_json: bool,
    want_xml: bool,
    at: str | None = None,
) -> dict[str, Any]:
    """Worker job: ``{"report": dict|None, "xml": str|None, "unreadable": reason|None}``.

    Never raises for a bad file: an unreadable or hostile one gives a reason.
    """

    async def work() -> dict[str, Any]:
        trust = trust_config(config)
        if at is not None:
            # revocation data fetched today says nothing about another moment, and would
            # mislead the long-term validation: only what the file itself holds counts
            trust = trust.replace(validation_time=datetime.fromisoformat(at), crls=())
        out: dict[str, Any] = {"report": None, "xml": None, "unreadable": None}
        try:
            if want_json:
                out["report"] = (await signing.async_validate_pdf(path, trust)).to_dict()
            if want_xml:
                xml = await signing.async_etsi_xml_report(path, trust)
                out["xml"] = xml.decode("utf-8") if isinstance(xml, bytes) else str(xml)
        except signing.UnreadablePdf as exc:
            out["unreadable"] = str(exc)
        # signing's public boundaries turn whatever a hostile file provokes into a
        # SigningError: a corpus file must give a reason, not a 500.
        except (signing.SigningError, OSError) as exc:
            detail = " ".join(str(exc).split())[:300]
            out["unreadable"] = f"The file cannot be validated ({type(exc).__name__}: {detail})."
        return out

    return asyncio.run(work())


def validation_moment(raw: str | None) -> str | None:
    """``?at=``: an ISO 8601 date or time (UTC when no zone), checked; ``None`` for now."""
    if raw is None or not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(
            "at must be an ISO 8601 date or time, e.g. 2031-12-01 or 2031-12-01T08:00:00+07:00."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not 1990 <= moment.year <= 2200:
        raise InvalidInput("at must lie between the years 1990 and 2200.")
    return moment.isoformat()


async def verify_file(
    runtime: Runtime, path: Path, *, etsi: bool = False, at: str | None = None
) -> dict[str, Any] | str:
    """The §8 report of ``path`` (or the ETSI XML) as of ``at`` (ISO 8601, default now);
    ``InvalidInput`` (422) when unreadable."""
    config = runtime.signing
    result = await run_job(runtime.signing_pool, job_reports, str(path), config, not etsi, etsi, at)
    if result["unreadable"]:
        raise InvalidInput(
            f"The file is not a PDF that can be validated: {result['unreadable']}",
            code="pdf_unreadable",
        )
    report: dict[str, Any] | str = result["xml"] if etsi else result["report"]
    return report


async def document_reports(
    runtime: Runtime,
    principal: Principal,
    document_id: int,
    at: str | None = None,
) -> list[dict[str, Any]]:
    """A report for every version of a document the caller may read (404 otherwise).
    The read (and its trail of confidential reads) commits before validation starts:
    no transaction stays open while the workers validate."""
    async with runtime.transaction() as session:
        await documents.load_readable(session, principal, document_id)
        versions = await documents.versions_of(session, document_id)
    config = runtime.signing
    answers = []
    with working_dir() as tmp:
        for v in versions:
            path = await materialize(runtime.store, v.sha256, tmp / f"v{v.version}.pdf")
            result = await run_job(
                runtime.signing_pool, job_reports, str(path), config, True, False, at
            )
            answers.append(
                {
                    "version": v.version,
                    "sha256": v.sha256,
                    "produced_by": v.produced_by,
                    "report": result["report"],
                    "error": result["unreadable"],
                }
            )
    return answers
