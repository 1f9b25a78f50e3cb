"""Copies of the audit checkpoints outside the database: in the object store (named
objects under ``audit/checkpoints/``, kept under object lock where the store offers it)
and exported to a directory an auditor keeps elsewhere.

Each copy carries the digests the checkpoint added, so the copies together give the
digest of every row up to the newest checkpoint: a row rewritten in the database later
no longer matches them, and is named.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import anyio.to_thread
from sqlmodel import col, select

from docflow.audit.checkpoint_sign import COPY_PREFIX, CheckpointCopy, copy_bytes, copy_name
from docflow.core.audit_models import AuditCheckpoint, AuditLog
from docflow.core.db import AsyncSession
from docflow.core.runtime import Runtime
from storage import StorageError

__all__ = [
    "COPY_RETENTION",
    "copy_missing",
    "export_copies",
    "load_copies",
    "log_digests",
    "write_copy",
]

logger = logging.getLogger("docflow.audit")

#: How long the store keeps a copy undeletable (under object lock): ten years.
COPY_RETENTION = timedelta(days=3653)
_BATCH = 50_000


async def log_digests(session: AsyncSession, after: int, upto: int) -> AsyncIterator[list[bytes]]:
    """The digests of log rows ``after + 1 .. upto``, in order, in batches."""
    while after < upto:
        rows = (
            await session.exec(
                select(AuditLog.position, AuditLog.digest)
                .where(col(AuditLog.position) > after, col(AuditLog.position) <= upto)
                .order_by(col(AuditLog.position))
                .limit(_BATCH)
            )
        ).all()
        if not rows:
            return
        yield [bytes.fromhex(r[1]) for r in rows]
        after = int(rows[-1][0])


async def write_copy(
    runtime: Runtime, checkpoint: AuditCheckpoint, previous_size: int, leaves: bytes
) -> bool:
    """Put the checkpoint's copy in the store; a failure is logged (``copy_missing``
    retries it), never raised: the checkpoint itself is already committed."""
    data = copy_bytes(
        CheckpointCopy(
            checkpoint.statement,
            checkpoint.signature,
            checkpoint.timestamp_token,
            previous_size,
            leaves,
        )
    )
    until = checkpoint.created_at + COPY_RETENTION
    try:
        await anyio.to_thread.run_sync(
            lambda: runtime.store.put_named(copy_name(checkpoint.size), data, retain_until=until)
        )
    except StorageError as exc:
        logger.warning("checkpoint %s not copied to the store yet: %s", checkpoint.size, exc)
        return False
    return True


async def _copy_from_database(runtime: Runtime, checkpoint: AuditCheckpoint) -> tuple[int, bytes]:
    """(previous size, digests added) of a checkpoint, read back from the log."""
    async with runtime.session() as session:
        previous = (
            await session.exec(
                select(AuditCheckpoint.size)
                .where(col(AuditCheckpoint.size) < checkpoint.size, AuditCheckpoint.frontier != b"")
                .order_by(col(AuditCheckpoint.size).desc())
                .limit(1)
            )
        ).first()
        start = 0 if previous is None or not checkpoint.frontier else int(previous)
        end = checkpoint.size if checkpoint.frontier else 0
        leaves = bytearray()
        async for digests in log_digests(session, start, end):
            leaves += b"".join(digests)
    return (start if checkpoint.frontier else checkpoint.size), bytes(leaves)


async def copy_missing(runtime: Runtime) -> int:
    """Copy every checkpoint the store lacks (a copy that failed, checkpoints from before
    copies existed); returns how many were written."""
    names = set(await anyio.to_thread.run_sync(runtime.store.list_named, COPY_PREFIX))
    async with runtime.session() as session:
        rows = (await session.exec(select(AuditCheckpoint))).all()
    written = 0
    for checkpoint in rows:
        if copy_name(checkpoint.size) in names:
            continue
        previous_size, leaves = await _copy_from_database(runtime, checkpoint)
        written += await write_copy(runtime, checkpoint, previous_size, leaves)
    return written


def _read_all(runtime: Runtime, names: list[str]) -> dict[str, bytes]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(names, pool.map(runtime.store.get_named, names), strict=True))


async def load_copies(
    runtime: Runtime, export_dir: Path | None = None
) -> dict[str, dict[str, bytes]]:
    """Every copy in the store (and in ``export_dir`` when given), by source and name."""
    names = await anyio.to_thread.run_sync(runtime.store.list_named, COPY_PREFIX)
    copies = {"store": await anyio.to_thread.run_sync(_read_all, runtime, names)}
    if export_dir is not None:
        copies["export"] = {
            path.name: path.read_bytes() for path in sorted(export_dir.glob("*.json"))
        }
    return copies


async def export_copies(runtime: Runtime, directory: Path) -> int:
    """Write every checkpoint's copy into ``directory`` (the store's, or rebuilt from the
    database for one the store lacks); returns how many files were written."""
    directory.mkdir(parents=True, exist_ok=True)
    found = (await load_copies(runtime))["store"]
    async with runtime.session() as session:
        rows = (await session.exec(select(AuditCheckpoint))).all()
    for checkpoint in rows:
        if copy_name(checkpoint.size) not in found:
            previous_size, leaves = await _copy_from_database(runtime, checkpoint)
            found[copy_name(checkpoint.size)] = copy_bytes(
                CheckpointCopy(
                    checkpoint.statement,
                    checkpoint.signature,
                    checkpoint.timestamp_token,
                    previous_size,
                    leaves,
                )
            )
    for name, data in found.items():
        (directory / name.rsplit("/", 1)[-1]).write_bytes(data)
    return len(found)
