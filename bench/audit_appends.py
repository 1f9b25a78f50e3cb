"""Part 1 of ``bench/audit.py``: appends (with the sequencer running) against plain
inserts, and the time from an event's insert to its sequencing."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

#: Rounds of plain inserts then appends, alternating; the best of each is compared.
ROUNDS = 3


async def _plain_table(runtime: Any) -> Any:
    """A copy of the event table (same indexes, names of their own), empty."""
    from sqlalchemy import MetaData

    from docflow.core.audit_models import AuditEvent

    plain = AuditEvent.__table__.to_metadata(MetaData(), name="bench_audit_plain")  # type: ignore[attr-defined]
    for item in (*plain.indexes, *plain.constraints):
        if item.name:
            item.name = f"bench_{item.name}"
    async with runtime.engine.begin() as conn:
        await conn.run_sync(plain.drop, checkfirst=True)
        await conn.run_sync(plain.create)
    return plain


async def _sequencer(runtime: Any, seconds: float, marks: list[tuple[float, int]]) -> None:
    """``run_sequencer_every``, noting (wall time, log size) after each run."""
    from docflow.audit.checkpoints import log_head
    from docflow.audit.sequencer import sequence_pending

    while True:
        await asyncio.sleep(seconds)
        await sequence_pending(runtime)
        async with runtime.sessions() as session:
            size, _chain = await log_head(session)
        marks.append((time.time(), size))


async def _latencies(runtime: Any, after: int, marks: list[tuple[float, int]]) -> list[float]:
    """Seconds from each event's insert (its time) to the end of the run that chained it."""
    import bisect

    from sqlmodel import col, select

    from docflow.core.audit_models import AuditEvent, AuditLog

    async with runtime.sessions() as session:
        rows = (
            await session.exec(
                select(AuditEvent.occurred_at, AuditLog.position)
                .join(AuditLog, col(AuditLog.event_seq) == col(AuditEvent.seq))
                .where(col(AuditLog.position) > after)
            )
        ).all()
    sizes = [size for _when, size in marks]
    out = []
    for occurred_at, position in rows:
        done = marks[bisect.bisect_left(sizes, position)][0]
        out.append(done - occurred_at.timestamp())
    return sorted(out)


async def bench_appends(
    runtime: Any, appends: int, clients: int, seconds: float
) -> tuple[float, float, list[float]]:
    from sqlalchemy import insert

    from docflow.core.audit_append import Actor, record_event
    from docflow.core.models_base import utcnow

    plain = await _plain_table(runtime)
    plain_insert = insert(plain)  # the same statement shape record_event uses
    per_client = appends // clients
    counter = iter(range(1, appends + 1))

    async def chained(c: int) -> None:
        for i in range(per_client):
            async with runtime.sessions() as session:
                await record_event(
                    session,
                    "bench.event",
                    actor=Actor(user_id=c, agency_id=1),
                    subject_type="document",
                    subject_id=i,
                    details={"sha256": "ab" * 32, "n": i},
                )
                await session.commit()

    async def unchained(c: int) -> None:
        for i in range(per_client):
            row_seq = next(counter)
            async with runtime.sessions() as session:
                row = {
                    "seq": row_seq,
                    "occurred_at": utcnow(),
                    "actor_user_id": c,
                    "actor_agency_id": 1,
                    "action": "bench.event",
                    "subject_type": "document",
                    "subject_id": str(i),
                    "request_id": None,
                    "details": {"sha256": "ab" * 32, "n": i},
                    "digest": hashlib.sha256(str(row_seq).encode()).hexdigest(),
                }
                conn = await session.connection()
                await conn.execute(plain_insert, row)
                await session.commit()

    async def timed(work: Any) -> float:
        start = time.perf_counter()
        await asyncio.gather(*(work(c) for c in range(clients)))
        return per_client * clients / (time.perf_counter() - start)

    await timed(unchained)  # warm-up (connections, statement caches)
    counter = iter(range(10**9, 10**10))
    result = await _rounds(runtime, timed, chained, unchained, seconds, per_client * clients)
    async with runtime.engine.begin() as conn:
        await conn.run_sync(plain.drop)
    return result


async def _rounds(
    runtime: Any, timed: Any, chained: Any, unchained: Any, seconds: float, each: int
) -> tuple[float, float, list[float]]:
    """Rounds alternate so both kinds see the same load (the machine is shared); the best
    round of each is compared. The sequencer runs all along, as in the app."""
    from docflow.audit.checkpoints import log_head
    from docflow.audit.sequencer import sequence_pending

    await sequence_pending(runtime)
    async with runtime.sessions() as session:
        before, _chain = await log_head(session)
    marks: list[tuple[float, int]] = []
    sequencer = asyncio.create_task(_sequencer(runtime, seconds, marks))
    plain_rate = chained_rate = 0.0
    for _round in range(ROUNDS):
        plain_rate = max(plain_rate, await timed(unchained))
        chained_rate = max(chained_rate, await timed(chained))
    while not marks or marks[-1][1] < before + ROUNDS * each:
        await asyncio.sleep(0.05)
    sequencer.cancel()
    return chained_rate, plain_rate, await _latencies(runtime, before, marks)
