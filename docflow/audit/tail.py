"""What the log's tail must show: the event that recorded the newest checkpoint (its
absence means rows after the checkpoint were deleted); and the events the sequencer has
not chained yet, each still matching its own digest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from docflow.audit.batches import content_digest, iso_utc
from docflow.core.audit_digest import ChainBreak
from docflow.core.models_base import utcnow

__all__ = [
    "PENDING_LIMIT",
    "Pending",
    "expect_checkpoint_events",
    "hole_break",
    "pending_events",
]

# The event may be pending still (no log row): it counts too.
_CHECKPOINT_EVENTS = (
    "SELECT e.seq, CAST(e.details AS TEXT) FROM audit_event e"
    " LEFT JOIN audit_log l ON l.event_seq = e.seq"
    " WHERE (l.position > {0} OR l.position IS NULL) AND e.action = 'audit.checkpoint'"
    " ORDER BY e.seq LIMIT 100"
)


async def expect_checkpoint_events(conn: Any, book: Any, size: int) -> ChainBreak | None:
    """Every checkpoint is recorded by an ``audit.checkpoint`` event in the same
    transaction, so after the newest one the log holds that event: if not, the rows
    after the checkpoint (which no signature covers yet) were deleted."""
    newest = max(
        (s for s, c in book.claims.items() if s <= size and not c.statement.legacy), default=0
    )
    if not newest:
        return None
    placeholder = "$1" if conn.dialect.name == "postgresql" else "?"
    found = await conn.exec_driver_sql(_CHECKPOINT_EVENTS.format(placeholder), (newest,))
    for _position, details in found.all():
        try:
            if json.loads(details).get("size") == newest:
                return None
        except (TypeError, ValueError, AttributeError):
            continue
    return ChainBreak(
        newest + 1,
        f"event {newest + 1} is missing: checkpoint {newest} is recorded by an "
        "audit.checkpoint event after it, which is gone: events after the checkpoint "
        "were deleted",
    )


@dataclass(frozen=True)
class Pending:
    """The events not sequenced yet (committed, not in the log), as verification saw them."""

    count: int = 0
    oldest: datetime | None = None
    #: The first whose content does not match its own digest (edited before sequencing).
    broken: ChainBreak | None = None
    #: Event numbers below the highest that no event holds, the first few, and how many.
    holes: tuple[int, ...] = ()
    hole_count: int = 0

    def age_seconds(self) -> float | None:
        """How long the oldest pending event has waited (None: there is none)."""
        if self.oldest is None:
            return None
        return round(max(0.0, (utcnow() - self.oldest).total_seconds()), 3)


_PENDING = (
    "SELECT NULL, NULL, NULL, e.seq, e.occurred_at, e.actor_user_id, e.actor_agency_id,"
    " e.action, e.subject_type, e.subject_id, e.request_id, CAST(e.details AS TEXT), e.digest"
    " FROM audit_event e WHERE NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.event_seq = e.seq)"
    " ORDER BY e.seq LIMIT {0}"
)
_NUMBERS = (
    "SELECT COUNT(*), COALESCE(MAX(seq), 0),"
    " (SELECT COALESCE(MAX(position), 0) FROM audit_log) FROM audit_event"
)
_HOLES = (
    "SELECT 0 AS seq WHERE NOT EXISTS (SELECT 1 FROM audit_event WHERE seq = 1)"
    " UNION ALL SELECT e.seq FROM audit_event e WHERE e.seq < {0} AND NOT EXISTS"
    " (SELECT 1 FROM audit_event f WHERE f.seq = e.seq + 1) ORDER BY seq LIMIT 5"
)
#: Pending events checked at most (a sequencer stopped for long leaves more).
PENDING_LIMIT = 100_000


async def pending_events(conn: Any) -> Pending:
    """Check the events not in the log yet against their own digests, and count the
    event numbers no event holds."""
    count, highest, logged = (await conn.exec_driver_sql(_NUMBERS)).one()
    rows = []
    if int(count) > int(logged):  # else every event has its log row: none to look for
        rows = (await conn.exec_driver_sql(_PENDING.format(PENDING_LIMIT))).all()
    broken = None
    for row in rows:
        if content_digest(row) != row[12]:
            broken = ChainBreak(
                int(row[3]),
                f"event seq {row[3]} (not sequenced yet) does not match its digest: it was "
                "edited before the sequencer chained it",
            )
            break
    oldest = min((_aware(row[4]) for row in rows), default=None)
    hole_count = int(highest) - int(count)
    holes: list[int] = []
    if hole_count > 0:
        found = await conn.exec_driver_sql(_HOLES.format(int(highest)))
        holes = [int(r[0]) + 1 for r in found.all()]
    return Pending(len(rows), oldest, broken, tuple(holes), max(hole_count, 0))


def _aware(raw: Any) -> datetime:
    return datetime.fromisoformat(iso_utc(raw))


def hole_break(pending: Pending, dialect: str, warnings: list[str]) -> ChainBreak | None:
    """Event numbers no event holds: on SQLite (numbers without gaps) an event deleted
    before it was sequenced; on PostgreSQL rolled-back transactions leave them too, so
    they are only reported."""
    if not pending.holes:
        return None
    if dialect == "sqlite":
        return ChainBreak(
            pending.holes[0],
            f"event seq {pending.holes[0]} is missing ({pending.hole_count} in all): it was "
            "deleted, before or after it was sequenced",
        )
    warnings.append(
        f"{pending.hole_count} event numbers are unused (first {list(pending.holes)}): "
        "rolled-back transactions leave them; an event deleted before it was sequenced "
        "would look the same"
    )
    return None
