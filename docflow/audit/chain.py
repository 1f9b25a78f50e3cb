"""Checking the stored audit trail: every row of the log against its event and the signed
copies, the Merkle root and chain at every checkpoint, and the checkpoints themselves
against their copies outside the database.

The first bad event is named with what is wrong with it: edited content, a digest that
differs from the one a checkpoint signed (a rewrite with every hash recomputed), a
missing row, or a log shorter than its newest genuine checkpoint (truncation).

Fast enough for millions of events: rows are read in batches of ``2**k`` as plain tuples
straight from the driver and checked in worker processes (``audit_batches``) while the
next batch is read; each whole batch comes back as one Merkle subtree.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import select

from docflow.audit.batches import BatchResult, check_batch
from docflow.audit.book import CheckpointBook, Claim, SignatureCheck
from docflow.audit.merkle import Frontier
from docflow.audit.tail import Pending, expect_checkpoint_events, hole_break, pending_events
from docflow.core.audit_digest import GENESIS_CHAIN, ChainBreak
from docflow.core.audit_models import AuditCheckpoint
from docflow.core.db import AsyncSession

__all__ = ["BATCH", "ChainReport", "ChainStatus", "CheckpointStatus", "check_chain", "verify_chain"]

#: Rows per batch: a power of two, so a whole batch is one Merkle subtree.
BATCH = 1 << 14


@dataclass(frozen=True)
class CheckpointStatus:
    """The newest genuine checkpoint and whether its seal signature and timestamp hold."""

    seq: int
    root: str | None
    chain: str | None
    signed_at: datetime
    #: None when the signature was not looked at.
    signature_valid: bool | None
    source: str = "database"
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChainStatus:
    """What ``GET /api/v1/audit/verify`` and ``docflow audit verify`` answer."""

    events_checked: int
    first_broken: ChainBreak | None
    last_checkpoint: CheckpointStatus | None
    log_size: int = 0
    #: Checkpoint problems: missing from the database, altered, forged.
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    checkpoints: dict[str, int] = field(default_factory=dict)
    #: Events committed but not chained yet (``docflow.audit.sequencer``).
    pending: Pending = field(default_factory=Pending)

    @property
    def ok(self) -> bool:
        return (
            self.first_broken is None
            and not self.problems
            and (self.last_checkpoint is None or self.last_checkpoint.signature_valid is not False)
        )

    def to_dict(self) -> dict[str, Any]:
        checkpoint = None
        if self.last_checkpoint is not None:
            checkpoint = asdict(self.last_checkpoint)
            checkpoint["size"] = self.last_checkpoint.seq
            checkpoint["signed_at"] = self.last_checkpoint.signed_at.isoformat()
            checkpoint["problems"] = list(self.last_checkpoint.problems)
        return {
            "status": "ok" if self.ok else "broken",
            "events_checked": self.events_checked,
            "log_size": self.log_size,
            "last_checkpoint": checkpoint,
            "first_broken": asdict(self.first_broken) if self.first_broken else None,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "checkpoints": dict(self.checkpoints),
            "sequenced": self.events_checked if self.first_broken is None else None,
            "unsequenced": self.pending.count,
            "oldest_unsequenced_age_seconds": self.pending.age_seconds(),
            "unused_event_numbers": self.pending.hole_count,
        }


async def check_chain(
    session: AsyncSession,
    *,
    signature_check: SignatureCheck | None = None,
    copies: Mapping[str, Mapping[str, bytes]] | None = None,
    batch: int = BATCH,
) -> ChainStatus:
    """Check the log up to its size now (rows appended meanwhile wait for the next run).

    ``copies`` maps a source (``store``, ``export``) to checkpoint copies by name;
    ``signature_check`` checks a checkpoint's seal and timestamp (without it, no
    signature is looked at and the newest checkpoint is taken as genuine).
    """
    if batch & (batch - 1):
        raise ValueError("the batch size must be a power of two")
    conn = await session.connection()
    size = int(
        (
            await conn.exec_driver_sql("SELECT COALESCE(MAX(position), 0) FROM audit_log")
        ).scalar_one()
    )
    rows = (await session.exec(select(AuditCheckpoint))).all()
    book = CheckpointBook.build([r[0] if isinstance(r, tuple) else r for r in rows], copies)
    anchor, anchor_valid = await book.anchor(signature_check)
    signed, signers = book.signed_leaves(size)
    walk = await _walk(conn, size, book, signed, signers, batch)
    if (
        walk.broken is not None
        and signed is not None
        and "signed" in walk.broken.problem
        and not await _copies_hold(book, signed, walk.broken.seq, signature_check)
    ):
        walk = await _walk(conn, size, book, None, [], batch)
    broken = walk.broken
    if broken is None:
        broken = _truncation(anchor, size)
    if broken is None:
        broken = await expect_checkpoint_events(conn, book, size)
    pending = await pending_events(conn)
    warnings = list(book.warnings)
    if broken is None:
        broken = pending.broken or hole_break(pending, conn.dialect.name, warnings)
    status = _checkpoint_status(anchor, anchor_valid)
    counts = {"in_database": book.in_database}
    counts.update({f"copies_in_{s}": len(c) for s, c in book.copies.items()})
    return ChainStatus(
        walk.checked,
        broken,
        status,
        size,
        tuple([*book.problems, *walk.problems]),
        tuple(warnings),
        counts,
        pending,
    )


def _truncation(anchor: Claim | None, size: int) -> ChainBreak | None:
    """The break when the genuine checkpoint ``anchor`` covers more events than the log."""
    if anchor is None or anchor.statement.size <= size:
        return None
    return ChainBreak(
        size + 1,
        f"event {size + 1} is missing: checkpoint {anchor.statement.size} "
        f"({anchor.source}) covers {anchor.statement.size} events, the trail holds "
        f"{size}: it was truncated",
    )


def _checkpoint_status(anchor: Claim | None, valid: bool | None) -> CheckpointStatus | None:
    """What the report says of the checkpoint the check relied on (None: there is none)."""
    if anchor is None:
        return None
    return CheckpointStatus(
        seq=anchor.statement.size,
        root=anchor.statement.root,
        chain=anchor.statement.chain,
        signed_at=anchor.statement.created_at,
        signature_valid=valid,
        source=anchor.source,
        problems=() if valid is not None else ("signature not checked",),
    )


async def _copies_hold(
    book: CheckpointBook, signed: bytearray, position: int, check: SignatureCheck | None
) -> bool:
    """Whether the copy that disagrees with the log at ``position`` is itself genuine:
    its digests must give its signed root and its signature must hold."""
    for size in sorted(book.claims):
        claim = book.claims[size]
        if size < position or claim.statement.legacy:
            continue
        tree = Frontier()
        for i in range(size):
            tree.append(bytes(signed[32 * i : 32 * i + 32]))
        valid = True if check is None else (await check(*claim.signed))[0]
        if valid and tree.root().hex() == claim.statement.root:
            return True
        book.problems.append(
            f"the copies up to checkpoint {size} do not give its signed root: a copy "
            "outside the database was altered"
        )
        return False
    return False


@dataclass
class _Walk:
    checked: int = 0
    broken: ChainBreak | None = None
    problems: list[str] = field(default_factory=list)


def _roots_at(book: CheckpointBook, first: int, count: int) -> dict[int, Claim]:
    return {
        size - first + 1: claim
        for size, claim in book.claims.items()
        if first <= size < first + count and not claim.statement.legacy
    }


async def _walk(
    conn: Any,
    size: int,
    book: CheckpointBook,
    signed: bytearray | None,
    signers: list[tuple[int, str]],
    batch: int,
) -> _Walk:
    loop = asyncio.get_running_loop()
    pool = _hash_pool() if size >= PARALLEL_FROM else None
    fetch = await _batch_reader(conn, size, batch)
    tree, walk = Frontier(), _Walk()
    chain, first = GENESIS_CHAIN, 1
    pending: collections.deque[tuple[int, dict[int, Claim], Any]] = collections.deque()
    rows = await fetch(0) if size else []
    upcoming: asyncio.Future[list[Any]] | None = None
    try:
        while rows or pending:
            if rows:
                marks = _roots_at(book, first, len(rows))
                part = (
                    None if signed is None else bytes(signed[32 * (first - 1) :][: 32 * len(rows)])
                )
                job = loop.run_in_executor(
                    pool, check_batch, rows, first, chain, part, signers, sorted(marks)
                )
                pending.append((first, marks, job))
                first, chain = first + len(rows), rows[-1][2]
                upcoming = asyncio.ensure_future(fetch(first - 1)) if first <= size else None
            if pending and (len(pending) > 1 or upcoming is None):
                start, marks, job = pending.popleft()
                result: BatchResult = await job
                _fold(tree, book, start, marks, result, walk)
                if walk.broken is None and result.bad is not None:
                    walk.broken = ChainBreak(start + result.bad, result.problem)
                if walk.broken is not None:
                    return walk
                walk.checked = start - 1 + result.good
            rows = await upcoming if upcoming is not None else []
            upcoming = None
    finally:
        if upcoming is not None:
            upcoming.cancel()
            with contextlib.suppress(BaseException):
                await upcoming
        for _start, _marks, job in pending:
            job.cancel()
    return walk


def _fold(
    tree: Frontier,
    book: CheckpointBook,
    start: int,
    marks: dict[int, Claim],
    result: BatchResult,
    walk: _Walk,
) -> None:
    """Compare the roots at the checkpoints inside this batch, then add it to the tree."""
    for offset, claim in sorted(marks.items()):
        if offset not in result.snapshots:
            break
        hashes, chain = result.snapshots[offset]
        at = Frontier(tree.size + offset, tree.hashes + hashes)
        if at.root().hex() != claim.statement.root or chain != claim.statement.chain:
            walk.broken = walk.broken or ChainBreak(
                _first_after(book, start - 1 + offset),
                f"the events up to {start - 1 + offset} do not give the root checkpoint "
                f"{start - 1 + offset} signed: one of them was rewritten (no copy of the "
                "signed digests names which)",
            )
            return
    good = result.good
    if good and good & (good - 1) == 0 and tree.size % good == 0 and len(result.frontier) == 1:
        tree.push(good.bit_length() - 1, result.frontier[0])
        return
    # the last, partial batch: its subtrees are all smaller than any before it
    tree.size, tree.hashes = tree.size + good, tree.hashes + result.frontier


def _first_after(book: CheckpointBook, size: int) -> int:
    """The first row after the checkpoint before ``size`` (the range a root covers)."""
    before = [s for s in book.claims if s < size and not book.claims[s].statement.legacy]
    return max(before, default=0) + 1


_RAW_QUERY = (
    "SELECT l.position, l.digest, l.chain, e.seq, e.occurred_at, e.actor_user_id,"
    " e.actor_agency_id, e.action, e.subject_type, e.subject_id, e.request_id,"
    " CAST(e.details AS TEXT), e.digest FROM audit_log l"
    " LEFT JOIN audit_event e ON e.seq = l.event_seq"
    " WHERE l.position > {0} AND l.position <= {1} ORDER BY l.position LIMIT {2}"
)


async def _batch_reader(conn: Any, size: int, batch: int) -> Any:
    """``fetch(after) -> [tuple, ...]``: the next rows as plain tuples, straight from the
    driver (asyncpg, aiosqlite): no result objects for a million rows."""
    raw = (await conn.get_raw_connection()).driver_connection
    if conn.dialect.name == "postgresql":
        # The time as ISO text, formatted by the server: cheaper to carry than datetimes.
        sql = _RAW_QUERY.format("$1", "$2", "$3").replace(
            "e.occurred_at,",
            """to_char(e.occurred_at AT TIME ZONE 'UTC',"""
            """ 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),""",
            1,
        )

        async def fetch_pg(after: int) -> list[Any]:
            return [tuple(r) for r in await raw.fetch(sql, after, size, batch)]

        return fetch_pg
    sql = _RAW_QUERY.format("?", "?", "?")

    async def fetch_sqlite(after: int) -> list[Any]:
        async with raw.execute(sql, (after, size, batch)) as cursor:
            return list(await cursor.fetchall())

    return fetch_sqlite


#: Logs at least this long are checked in worker processes (starting them costs ~0.2 s).
PARALLEL_FROM = 200_000
_pool: Any = None


def _hash_pool() -> Any:
    global _pool
    if _pool is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # forkserver, like the signing pool: never fork a process that runs threads.
        _pool = ProcessPoolExecutor(
            max_workers=max(2, min(4, os.cpu_count() or 2)),
            mp_context=multiprocessing.get_context("forkserver"),
        )
        atexit.register(_pool.shutdown, wait=True, cancel_futures=True)
    return _pool


@dataclass(frozen=True)
class ChainReport:
    """Whether the stored trail is intact; ``first_bad_seq`` names where it breaks."""

    events: int
    intact: bool
    first_bad_seq: int | None = None
    reason: str | None = None


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Check the stored trail against itself and the checkpoints in the database (the
    short answer of ``check_chain``)."""
    status = await check_chain(session)
    broken = status.first_broken
    events = status.events_checked + status.pending.count  # pending: their digests
    if broken is None:
        return ChainReport(events, True)
    return ChainReport(events, False, broken.seq, broken.problem)
