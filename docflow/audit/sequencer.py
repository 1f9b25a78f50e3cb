"""The sequencer: the one writer of the audit log's order, as a transparency log's.

Appends (``docflow.core.audit_append.record_event``) insert events with their own digest
and nothing else, so they never wait on each other. ``sequence_pending`` then takes the
committed events without a log row, in ``seq`` order, and appends their ``audit_log``
rows (position, digest, chain over digests) in batches of ``BATCH``, one transaction
each. One sequencer runs at a time: a transaction-scoped advisory lock on PostgreSQL
(another caller returns at once), SQLite's single write lock (and the log's primary key
and unique ``event_seq``, so a losing writer fails instead of forking the chain). It
only inserts: the service role keeps INSERT and SELECT on the audit tables.

It runs every ``DOCFLOW_AUDIT_SEQUENCE_SECONDS`` (``run_sequencer_every``) and before
checkpoints, ``audit verify`` and evidence bundles, so they cover every committed event.
An event is unprotected (not in the chain) from its commit until the next run ends.

Finding pending events stays cheap on a long log: each run looks only above a *floor*
below which every event is known to be sequenced. ``seq`` values are taken when a
writer inserts, not when it commits, so a number missing above the floor may be a
transaction still running: the floor waits for it for ``HOLE_GRACE`` seconds, after
which it is taken for a rollback. An event committed later than that (a writer's
transaction open longer) is still found by the full sweep (``full=True``) that runs
before checkpoints and verification and every ``FULL_SWEEP_SECONDS`` in the loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError, OperationalError

from docflow.core.audit_digest import GENESIS_CHAIN, chain_next
from docflow.core.audit_models import AuditLog
from docflow.core.db_outage import Reconnect, is_connection_error, pause
from docflow.core.runtime import Runtime

__all__ = [
    "BATCH",
    "SEQUENCE_LOCK",
    "run_sequencer_every",
    "sequence_pending",
    "start_sequencer",
]

logger = logging.getLogger("docflow.audit")

#: PostgreSQL advisory lock key held by the sequencer ("docflow" in ASCII, then 2).
SEQUENCE_LOCK = 0x646F63666C6F7702
#: Events per transaction.
BATCH = 5000
#: Seconds a missing ``seq`` holds the floor back (a writer's transaction still open).
HOLE_GRACE = 10.0
#: Seconds between full sweeps in ``run_sequencer_every``.
FULL_SWEEP_SECONDS = 60.0

_LOG = AuditLog.__table__  # type: ignore[attr-defined]
_INSERT_LOG = insert(_LOG)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=SEQUENCE_LOCK)
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(key=SEQUENCE_LOCK)
_HEAD = text("SELECT position, chain FROM audit_log ORDER BY position DESC LIMIT 1")
# The next events above the floor, each with whether it is in the log: a window on the
# primary key, so a run costs the same however long the log (whatever the planner's
# statistics say after a bulk load).
_WINDOW = text(
    "SELECT w.seq, w.digest,"
    " EXISTS (SELECT 1 FROM audit_log l WHERE l.event_seq = w.seq)"
    " FROM (SELECT seq, digest FROM audit_event WHERE seq > :floor ORDER BY seq LIMIT :limit) w"
    " ORDER BY w.seq"
)
_COUNTS = text(
    "SELECT (SELECT COUNT(*) FROM audit_event), (SELECT COALESCE(MAX(position), 0) FROM audit_log)"
)
_NEWEST_SEQUENCED = text("SELECT MAX(event_seq) FROM audit_log")


@dataclass
class _Floor:
    """Every event with ``seq <= value`` is sequenced (or was never committed)."""

    value: int = 0
    #: The highest ``seq`` this process sequenced (or found sequenced on its first run).
    highest: int = 0
    ready: bool = False
    #: Missing ``seq`` numbers above ``value`` and when they were first seen missing.
    holes: dict[int, float] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_floors: weakref.WeakKeyDictionary[Any, _Floor] = weakref.WeakKeyDictionary()


def _floor_of(runtime: Runtime) -> _Floor:
    key = runtime.engine.sync_engine
    floor = _floors.get(key)
    if floor is None:
        floor = _floors[key] = _Floor()
    return floor


async def sequence_pending(runtime: Runtime, *, full: bool = False) -> int:
    """Chain every committed event not in the log yet; return how many were added.

    ``full`` looks at every event, not only those above the floor (before a checkpoint
    or a verification, and on a process's first run), and waits for another
    sequencer's run to end; otherwise a call returns 0 at once while another holds the
    lock (it is doing the work).
    """
    floor = _floor_of(runtime)
    async with floor.lock:
        if not floor.ready:
            await _start_floor(runtime, floor)
            full = True
        total = await _sequence_from(runtime, floor, floor.value, full)
        if full and await _unsequenced(runtime):
            total += await _sequence_from(runtime, floor, 0, full)
    return total


async def _sequence_from(runtime: Runtime, floor: _Floor, start: int, wait: bool) -> int:
    total = 0
    while True:
        added, window, last = await _sequence_batch(runtime, start, wait)
        total += added
        _advance(floor, window)
        if last is None:
            return total
        start = last


async def _unsequenced(runtime: Runtime) -> bool:
    """Whether some event has no log row (two counts: cheaper than looking for it)."""
    async with runtime.engine.connect() as conn:
        events, logged = (await conn.execute(_COUNTS)).one()
    return int(events) > int(logged)


async def _sequence_batch(
    runtime: Runtime, floor: int, wait: bool
) -> tuple[int, list[int], int | None]:
    """One transaction: the pending events among the next ``BATCH`` above ``floor`` into
    the log. Returns how many were added, the window's ``seq`` (all sequenced now) and
    the last one when there may be more (None: none above it)."""
    async with runtime.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            if wait:
                await conn.execute(_LOCK)
            elif not (await conn.execute(_TRY_LOCK)).scalar_one():
                return 0, [], None
        else:
            # Take SQLite's write lock before reading the head (a write of no rows).
            await conn.exec_driver_sql("INSERT INTO audit_log SELECT * FROM audit_log WHERE 0")
        window = (await conn.execute(_WINDOW, {"floor": floor, "limit": BATCH})).all()
        last = int(window[-1][0]) if len(window) == BATCH else None
        pending = [(seq, digest) for seq, digest, logged in window if not logged]
        seqs = [int(row[0]) for row in window]
        if not pending:
            return 0, seqs, last
        head = (await conn.execute(_HEAD)).first()
        position = 0 if head is None else int(head[0])
        chain = GENESIS_CHAIN if head is None else str(head[1])
        rows = []
        for seq, digest in pending:
            position += 1
            chain = chain_next(chain, digest)
            rows.append({"position": position, "event_seq": seq, "digest": digest, "chain": chain})
        await conn.execute(_INSERT_LOG, rows)
    return len(pending), seqs, last


async def _start_floor(runtime: Runtime, floor: _Floor) -> None:
    """Before a process's first (full) run: the floor at the newest sequenced event."""
    async with runtime.engine.connect() as conn:
        newest = (await conn.execute(_NEWEST_SEQUENCED)).scalar_one()
    floor.highest = floor.value = int(newest or 0)
    floor.ready = True


def _advance(floor: _Floor, window: list[int]) -> None:
    """Move the floor up to the lowest missing ``seq`` still within its grace. After a
    batch every event of its ``window`` is sequenced; a number inside it that no event
    holds is a hole (a transaction still open, or rolled back)."""
    now = time.monotonic()
    done = set(window)
    highest = max(window, default=floor.highest)
    floor.holes.update((s, now) for s in range(floor.highest + 1, highest + 1) if s not in done)
    floor.highest = max(floor.highest, highest)
    floor.holes = {
        s: seen for s, seen in floor.holes.items() if s not in done and now - seen < HOLE_GRACE
    }
    floor.value = max(floor.value, min(floor.holes, default=floor.highest + 1) - 1)


async def run_sequencer_every(
    runtime: Runtime, seconds: float, stop: asyncio.Event | None = None
) -> None:
    """Background loop: ``sequence_pending`` every ``seconds``, a full sweep every
    ``FULL_SWEEP_SECONDS``. Errors are logged and the loop goes on; while the database
    is away it waits 1, 2, 4 … 30 s between tries, with one line each."""
    last_full = time.monotonic()
    reconnect = Reconnect("audit sequencer")
    while True:
        await pause(seconds, stop)
        if stop is not None and stop.is_set():
            return
        full = time.monotonic() - last_full >= FULL_SWEEP_SECONDS
        try:
            await sequence_pending(runtime, full=full)
            if full:
                last_full = time.monotonic()
            reconnect.succeeded()
        # The edge of a background loop: a database hiccup must not end it.
        except Exception as exc:  # noqa: BLE001
            if _lost_race(runtime, exc):
                logger.info("audit sequencer lost a race (%s): retrying", type(exc).__name__)
            elif is_connection_error(exc):
                await reconnect.wait(exc, stop)
            else:
                logger.warning("audit sequencer failed (%s): %s", type(exc).__name__, exc)


def _lost_race(runtime: Runtime, exc: Exception) -> bool:
    """Another writer was first: the log's unique keys, or SQLite's write lock."""
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, OperationalError) and runtime.engine.dialect.name == "sqlite"


def start_sequencer(
    runtime: Runtime, seconds: float, stop: asyncio.Event | None = None
) -> asyncio.Task[None]:
    """Start ``run_sequencer_every`` as a task of the running loop (set ``stop`` to end
    it between two batches; cancelling also works)."""
    return asyncio.create_task(
        run_sequencer_every(runtime, seconds, stop), name="audit-sequencer"
    )
