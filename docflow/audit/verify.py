"""The whole check an auditor asks for: the log, the checkpoints in the database, their
copies in the object store (and an exported directory), every signature that matters."""

from __future__ import annotations

from pathlib import Path

from docflow.audit.chain import ChainStatus, check_chain
from docflow.audit.checkpoints import check_signature
from docflow.audit.copies import load_copies
from docflow.audit.sequencer import sequence_pending
from docflow.core.runtime import Runtime

__all__ = ["verify_trail"]


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
