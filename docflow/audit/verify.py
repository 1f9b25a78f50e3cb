"""The whole check an auditor asks for: the log, the checkpoints in the database, their
copies in the object store (and an exported directory), every signature that matters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from docflow.audit.chain import ChainStatus, check_chain
from docflow.audit.chain_words import chain_sentence
from docflow.audit.checkpoints import check_signature
from docflow.audit.copies import load_copies
from docflow.audit.sequencer import sequence_pending
from docflow.core.audit_models import AuditEvent
from docflow.core.db import AsyncSession
from docflow.core.runtime import Runtime

__all__ = ["newest_event_time", "trail_summary", "verify_trail"]


async def verify_trail(runtime: Runtime, export_dir: Path | None = None) -> ChainStatus:
    """``check_chain`` with the store's copies (and ``export_dir``'s) and seal checks,
    after sequencing every event committed so far."""
    await sequence_pending(runtime, full=True)
    copies = await load_copies(runtime, export_dir)

    async def signature_check(
        statement: bytes, signature: bytes, token: bytes
    ) -> tuple[bool, tuple[str, ...]]:
        return await check_signature(runtime.signing, statement, signature, token)

    async with runtime.session() as session:
        return await check_chain(session, signature_check=signature_check, copies=copies)


async def newest_event_time(session: AsyncSession) -> datetime | None:
    """When the newest event was recorded (None: the trail is empty)."""
    query = select(AuditEvent.occurred_at).order_by(col(AuditEvent.seq).desc()).limit(1)
    return (await session.exec(query)).first()


async def trail_summary(runtime: Runtime, lang: str) -> tuple[ChainStatus, str]:
    """The whole check and its one sentence in ``lang`` (``docflow.audit.chain_words``)."""
    status = await verify_trail(runtime)
    async with runtime.session() as session:
        newest = await newest_event_time(session)
    return status, chain_sentence(status, newest, lang)
