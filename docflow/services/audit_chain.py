"""Checking the stored audit chain: every link, the head row, and the checkpoints.

Fast enough for millions of events: rows are read in ``seq`` batches as plain column
tuples (no ORM objects) and hashed in one tight loop.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, select, type_coerce
from sqlalchemy.types import NullType

from docflow.db import AsyncSession
from docflow.evidence.chain import (
    GENESIS_HASH,
    ChainBreak,
    canonical_event_text,
    canonical_json,
)
from docflow.models import AuditChainHead, AuditCheckpoint, AuditEvent

__all__ = ["ChainStatus", "CheckpointStatus", "check_chain"]

BATCH = 20_000

# Time and details come raw from the driver (no per-row type processing): see _iso, _json.
_COLUMNS = (
    AuditEvent.seq,
    type_coerce(AuditEvent.occurred_at, NullType()),
    AuditEvent.actor_user_id,
    AuditEvent.actor_agency_id,
    AuditEvent.action,
    AuditEvent.subject_type,
    AuditEvent.subject_id,
    AuditEvent.request_id,
    cast(AuditEvent.details, Text),  # raw JSON text: decoded in the hashing workers
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


@dataclass(frozen=True)
class CheckpointStatus:
    """The newest checkpoint and whether its seal signature and timestamp hold."""

    seq: int
    hash: str
    signed_at: datetime
    timestamp_time: datetime
    #: None when the signature was not looked at.
    signature_valid: bool | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChainStatus:
    """What ``GET /api/v1/audit/verify`` answers."""

    events_checked: int
    first_broken: ChainBreak | None
    last_checkpoint: CheckpointStatus | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None and (
            self.last_checkpoint is None or self.last_checkpoint.signature_valid is not False
        )

    def to_dict(self) -> dict[str, Any]:
        checkpoint = None
        if self.last_checkpoint is not None:
            checkpoint = asdict(self.last_checkpoint)
            checkpoint["signed_at"] = self.last_checkpoint.signed_at.isoformat()
            checkpoint["timestamp_time"] = self.last_checkpoint.timestamp_time.isoformat()
            checkpoint["problems"] = list(self.last_checkpoint.problems)
        return {
            "status": "ok" if self.ok else "broken",
            "events_checked": self.events_checked,
            "last_checkpoint": checkpoint,
            "first_broken": asdict(self.first_broken) if self.first_broken else None,
        }


async def check_chain(
    session: AsyncSession, *, checkpoint_checker: Any = None, batch: int = BATCH
) -> ChainStatus:
    """Check the chain up to the head as it is now (events appended meanwhile wait).

    ``checkpoint_checker(checkpoint) -> CheckpointStatus`` checks the newest checkpoint's
    signature (``docflow.services.audit_checkpoints.checkpoint_status``); without it the
    signature is not looked at.
    """
    conn = await session.connection()
    head = (await conn.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash))).first()
    head_seq, head_hash = (head[0], head[1]) if head is not None else (0, GENESIS_HASH)
    marks = dict((await conn.execute(select(AuditCheckpoint.seq, AuditCheckpoint.hash))).all())
    checked, broken, previous = await _walk(conn, head_seq, marks, batch)
    if broken is None and checked < head_seq:
        broken = ChainBreak(
            checked + 1, f"event {checked + 1} is missing (the chain head names {head_seq})"
        )
    if broken is None and previous != head_hash:
        broken = ChainBreak(head_seq, "the chain head's hash differs from the last event's")
    if broken is None:
        beyond = sorted(s for s in marks if s > head_seq)
        if beyond:
            broken = ChainBreak(
                head_seq + 1, f"a checkpoint names event {beyond[0]}, which is not stored"
            )
    newest = (
        (
            await session.exec(  # type: ignore[call-overload]
                select(AuditCheckpoint)
                .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
                .limit(1)  # type: ignore[attr-defined]
            )
        )
        .scalars()
        .first()
    )
    status = None
    if newest is not None:
        if checkpoint_checker is not None:
            status = await checkpoint_checker(newest)
        else:
            status = CheckpointStatus(
                newest.seq,
                newest.hash,
                newest.created_at,
                newest.timestamp_time,
                None,
                ("signature not checked",),
            )
    return ChainStatus(checked, broken, status)


def _iso(raw: Any) -> str:
    """ISO 8601 UTC with microseconds from what the driver returned for ``occurred_at``."""
    if isinstance(raw, str):
        if len(raw) == 26 and raw[10] == " ":  # SQLite: naive UTC, 'YYYY-MM-DD HH:MM:SS.ffffff'
            return raw[:10] + "T" + raw[11:] + "+00:00"
        if len(raw) == 32 and raw[10] == "T" and raw.endswith("+00:00"):  # PostgreSQL to_char
            return raw
        raw = datetime.fromisoformat(raw)
    if raw.tzinfo is None:
        raw = raw.replace(tzinfo=UTC)
    elif raw.utcoffset():
        raw = raw.astimezone(UTC)
    return raw.isoformat(timespec="microseconds")  # type: ignore[no-any-return]


def _json(raw: Any) -> str:
    if isinstance(raw, (str, bytes)):
        raw = json.loads(raw)
    return canonical_json(raw)  # type: ignore[no-any-return]


async def _walk(
    conn: Any, head_seq: int, marks: dict[int, str], batch: int
) -> tuple[int, ChainBreak | None, str]:
    """Links and seqs are checked here; hashes in worker processes (both cores) for
    long chains, in a thread otherwise; the next batch is read meanwhile."""
    loop = asyncio.get_running_loop()
    pool = _hash_pool() if head_seq >= PARALLEL_FROM else None
    expected, previous = 1, GENESIS_HASH

    fetch = await _batch_reader(conn, head_seq, batch)
    outstanding: collections.deque[tuple[int, Any, tuple[int, ChainBreak] | None]] = (
        collections.deque()
    )
    rows = await fetch(0) if head_seq else []
    upcoming: asyncio.Future[list[Any]] | None = None
    try:
        while rows or outstanding:
            if rows:
                first_seq, last = expected, rows[-1][0]
                link = _check_links(rows, marks, expected, previous)
                job = loop.run_in_executor(pool, _first_bad_hash, rows)
                outstanding.append((first_seq, job, link))
                expected, previous = expected + len(rows), rows[-1][10]
                upcoming = (
                    asyncio.ensure_future(fetch(last)) if link is None and last < head_seq else None
                )
            if outstanding and (len(outstanding) > 1 or upcoming is None):
                first_seq, job, link = outstanding.popleft()
                bad_hash = await job
                found = _earliest(first_seq, link, bad_hash)
                if found is not None:
                    return found[0] - 1, found[1], ""
            rows = await upcoming if upcoming is not None else []
            upcoming = None
    finally:
        if upcoming is not None:
            upcoming.cancel()
            with contextlib.suppress(BaseException):
                await upcoming
        for _first, job, _link in outstanding:
            job.cancel()
    return expected - 1, None, previous


_RAW_QUERY = (
    "SELECT seq, occurred_at, actor_user_id, actor_agency_id, action, subject_type,"
    " subject_id, request_id, CAST(details AS TEXT), prev_hash, hash FROM audit_event"
    " WHERE seq > {0} AND seq <= {1} ORDER BY seq LIMIT {2}"
)


async def _batch_reader(conn: Any, head_seq: int, batch: int) -> Any:
    """``fetch(after) -> [tuple, ...]``: the next events as plain tuples, straight from the
    driver (asyncpg, aiosqlite) where possible: no result objects for a million rows."""
    raw = (await conn.get_raw_connection()).driver_connection
    dialect = conn.dialect.name
    if dialect == "postgresql" and hasattr(raw, "fetch"):
        # The time as ISO text, formatted by the server: cheaper to carry than datetimes.
        sql = _RAW_QUERY.format("$1", "$2", "$3").replace(
            "occurred_at,", """to_char(occurred_at AT TIME ZONE 'UTC',"""
            """ 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),""", 1
        )

        async def fetch_pg(after: int) -> list[Any]:
            return [tuple(r) for r in await raw.fetch(sql, after, head_seq, batch)]

        return fetch_pg
    if dialect == "sqlite" and hasattr(raw, "execute"):
        sql = _RAW_QUERY.format("?", "?", "?")

        async def fetch_sqlite(after: int) -> list[Any]:
            async with raw.execute(sql, (after, head_seq, batch)) as cursor:
                return list(await cursor.fetchall())

        return fetch_sqlite

    async def fetch_any(after: int) -> list[Any]:
        query = (
            select(*_COLUMNS)
            .where(AuditEvent.seq > after, AuditEvent.seq <= head_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        )
        return [tuple(r) for r in (await conn.execute(query)).all()]

    return fetch_any


#: Chains at least this long are hashed in worker processes (starting them costs ~0.2 s).
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


def _earliest(
    first_seq: int, link: tuple[int, ChainBreak] | None, bad_hash: int | None
) -> tuple[int, ChainBreak] | None:
    """The first problem of a batch: a broken link, or a hash that does not match."""
    hashed = (
        None
        if bad_hash is None
        else (
            first_seq + bad_hash,
            ChainBreak(first_seq + bad_hash, "hash does not match the event's content"),
        )
    )
    if link is None:
        return hashed
    if hashed is None:
        return link
    # at the same event: a missing or unlinked event first, then its hash, then a checkpoint
    if hashed[0] < link[0] or (hashed[0] == link[0] and "checkpoint" in link[1].problem):
        return hashed
    return link


def _check_links(
    rows: list[Any], marks: dict[int, str], expected: int, previous: str
) -> tuple[int, ChainBreak] | None:
    """(position, break) of the first event out of sequence, unlinked, or unlike its
    checkpoint; stored hashes are trusted here (``_first_bad_hash`` checks them)."""
    for row in rows:
        seq, prev, stored = row[0], row[9], row[10]
        if seq != expected:
            return expected, ChainBreak(
                expected,
                f"event {expected} is missing (next stored is {seq})"
                if seq > expected
                else f"event {seq} is out of order (expected {expected})",
            )
        if prev != previous:
            return expected, ChainBreak(seq, "prev_hash does not link to the event before")
        mark = marks.get(seq)
        if mark is not None and mark != stored:
            return expected, ChainBreak(
                seq, "differs from what a signed checkpoint recorded for it"
            )
        previous = stored
        expected += 1
    return None


def _first_bad_hash(rows: list[Any]) -> int | None:
    """Index of the first row whose hash is not SHA-256(prev_hash ‖ its canonical JSON)."""
    sha256 = hashlib.sha256
    text = canonical_event_text
    iso, as_json = _iso, _json
    for index, (
        seq,
        when,
        user,
        agency,
        action,
        s_type,
        s_id,
        request,
        details,
        prev,
        stored,
    ) in enumerate(rows):
        try:
            body = text(
                seq, iso(when), user, agency, action, s_type, s_id, request, as_json(details), prev
            )
        except (TypeError, ValueError, AttributeError):
            return index
        if sha256((prev + body).encode("utf-8")).hexdigest() != stored:
            return index
    return None
