"""Validation reports for auditors: an uploaded PDF of any origin, or every version of a
document. Validation runs in the worker pool (never on the event loop)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import signing
from docflow.db import AsyncSession
from docflow.errors import InvalidInput
from docflow.permissions import Principal
from docflow.runtime import Runtime
from docflow.services import documents
from docflow.services.document_files import materialize, run_job, working_dir
from docflow.services.signing_jobs import SigningConfig, trust_config

__all__ = ["document_reports", "job_reports", "verify_file"]


def job_reports(
    path: str, config: SigningConfig, want_json: bool, want_xml: bool
) -> dict[str, Any]:
    """Worker job: ``{"report": dict|None, "xml": str|None, "unreadable": reason|None}``.

    Never raises for a bad file: an unreadable or hostile one gives a reason.
    """

    async def work() -> dict[str, Any]:
        trust = trust_config(config)
        out: dict[str, Any] = {"report": None, "xml": None, "unreadable": None}
        try:
            if want_json:
                out["report"] = (await signing.async_validate_pdf(path, trust)).to_dict()
            if want_xml:
                xml = await signing.async_etsi_xml_report(path, trust)
                out["xml"] = xml.decode("utf-8") if isinstance(xml, bytes) else str(xml)
        except signing.UnreadablePdf as exc:
            out["unreadable"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - a corpus file must give a reason, not a 500
            detail = " ".join(str(exc).split())[:300]
            out["unreadable"] = f"The file cannot be validated ({type(exc).__name__}: {detail})."
        return out

    return asyncio.run(work())


async def verify_file(runtime: Runtime, path: Path, *, etsi: bool = False) -> dict[str, Any] | str:
    """The §8 report of ``path`` (or the ETSI XML); ``InvalidInput`` (422) when unreadable."""
    config = SigningConfig.from_settings(runtime.settings)
    result = await run_job(runtime, job_reports, str(path), config, not etsi, etsi)
    if result["unreadable"]:
        raise InvalidInput(f"The file is not a PDF that can be validated: {result['unreadable']}")
    return result["xml"] if etsi else result["report"]  # type: ignore[no-any-return]


async def document_reports(
    runtime: Runtime, session: AsyncSession, principal: Principal, document_id: int
) -> list[dict[str, Any]]:
    """A report for every version of a document the caller may read (404 otherwise)."""
    await documents.load_readable(session, principal, document_id)
    versions = await documents.versions_of(session, document_id)
    await session.commit()  # end the read: validation takes a while
    config = SigningConfig.from_settings(runtime.settings)
    answers = []
    with working_dir() as tmp:
        for v in versions:
            path = await materialize(runtime, v.sha256, tmp / f"v{v.version}.pdf")
            result = await run_job(runtime, job_reports, str(path), config, True, False)
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
