"""Keeping issued documents verifiable for years: renewing their archive timestamps.

A B-LTA document validates offline as long as its newest archive (document) timestamp's
TSA certificate is valid and shown unrevoked after that timestamp (see
``signing.validation._freshness``). Before that certificate expires, the renewal adds
fresh revocation data and a new archive timestamp over everything, as a new version of
the document (its bytes start with the old), and records it in the audit trail. An issued
document without an archive timestamp (sealed at B-LT) gets its first one the same way.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select

from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.documents.documents import latest_version
from docflow.documents.files import materialize, run_job, store_version, working_dir
from docflow.documents.models import Document, DocumentState, DocumentVersion, VersionSource
from docflow.documents.signing_jobs import archive_facts, job_renew_archive

__all__ = [
    "RENEW_BEFORE",
    "RenewalReport",
    "due_documents",
    "renew_document",
    "renew_due",
]

logger = logging.getLogger("docflow.archive")

#: Renew this long before the newest archive timestamp's certificate expires.
RENEW_BEFORE = timedelta(days=400)


@dataclass(frozen=True)
class RenewalReport:
    renewed: tuple[int, ...]
    """Documents that got a new archive timestamp."""
    failed: tuple[tuple[int, str], ...]
    """Documents whose renewal failed, with the reason (tried again next run)."""


async def due_documents(session: AsyncSession, now: datetime, *, limit: int) -> list[int]:
    """Issued documents whose latest version's archive timestamp expires before
    ``now + RENEW_BEFORE``, or has none yet (its facts unknown: read on renewal)."""
    newest = (
        select(col(DocumentVersion.document_id), func.max(DocumentVersion.version).label("v"))
        .group_by(col(DocumentVersion.document_id))
        .subquery()
    )
    query = (
        select(Document.id)
        .join(newest, newest.c.document_id == Document.id)
        .join(
            DocumentVersion,
            (col(DocumentVersion.document_id) == Document.id)
            & (col(DocumentVersion.version) == newest.c.v),
        )
        .where(Document.state == DocumentState.ISSUED.value)
        .where(
            or_(
                col(DocumentVersion.archive_expires_at).is_(None),
                col(DocumentVersion.archive_expires_at) < now + RENEW_BEFORE,
            )
        )
        .order_by(col(Document.id))
        .limit(limit)
    )
    return [int(i) for i in (await session.exec(query)).all() if i is not None]


async def renew_document(runtime: Runtime, document_id: int, now: datetime) -> bool:
    """Renew one document's archive timestamp when due; ``True`` when a version was added.

    A latest version that has a timestamp good beyond the horizon only gets its expiry
    recorded (versions written before expiries were kept)."""
    config = runtime.signing
    async with runtime.session() as session:
        latest = await latest_version(session, document_id)
    with working_dir() as tmp:
        src = await materialize(runtime.store, latest.sha256, tmp / "latest.pdf")
        if latest.archive_expires_at is None:
            facts = await asyncio.to_thread(archive_facts, str(src))
            known = facts["archive_expires_at"]
            if known is not None and datetime.fromisoformat(known) >= now + RENEW_BEFORE:
                async with runtime.transaction() as session:
                    row = await session.get(DocumentVersion, latest.id)
                    assert row is not None
                    row.archive_expires_at = datetime.fromisoformat(known)
                    session.add(row)
                return False
        out = tmp / "renewed.pdf"
        result = await run_job(runtime.signing_pool, job_renew_archive, str(src), str(out), config)
        async with runtime.transaction() as session:
            current = await latest_version(session, document_id)
            if current.id != latest.id:
                return False  # something else added a version meanwhile: next run
            version = await store_version(
                runtime.store,
                session,
                document_id,
                latest.version + 1,
                out,
                result["sha256"],
                VersionSource.RENEWAL,
                None,
            )
            version.archive_expires_at = datetime.fromisoformat(result["archive_expires_at"])
            await record_event(
                session,
                "document.archive_renewed",
                subject_type="document",
                subject_id=document_id,
                details={
                    "version": latest.version + 1,
                    "sha256": result["sha256"],
                    "timestamp_time": result["timestamp_time"],
                    "archive_expires_at": result["archive_expires_at"],
                },
            )
    return True


async def renew_due(runtime: Runtime, *, limit: int = 50) -> RenewalReport:
    """Renew up to ``limit`` due documents, one at a time."""
    now = utcnow()
    renewed: list[int] = []
    failed: list[tuple[int, str]] = []
    async with runtime.session() as session:
        due = await due_documents(session, now, limit=limit)
    for document_id in due:
        try:
            if await renew_document(runtime, document_id, now):
                renewed.append(document_id)
        # Edge: a batch job; one document's failure (key, TSA, store, a defect) stops no
        # other and is reported in ``failed``.
        except Exception as exc:  # noqa: BLE001
            logger.exception(
                "archive renewal of document %s failed: %s: %s",
                document_id, type(exc).__name__, exc,
            )
            failed.append((document_id, str(exc)))
    return RenewalReport(tuple(renewed), tuple(failed))
