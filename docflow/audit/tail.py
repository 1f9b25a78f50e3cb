"""What the log's tail must show: the event that recorded the newest checkpoint (its
absence means rows after the checkpoint were deleted), and no event outside the log."""

from __future__ import annotations

import json
from typing import Any

from docflow.core.audit_digest import ChainBreak

__all__ = ["expect_checkpoint_events", "stray_events"]

_CHECKPOINT_EVENTS = (
    "SELECT l.position, CAST(e.details AS TEXT) FROM audit_log l"
    " JOIN audit_event e ON e.seq = l.event_seq"
    " WHERE l.position > {0} AND e.action = 'audit.checkpoint' ORDER BY l.position LIMIT 100"
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


async def stray_events(conn: Any, size: int) -> list[str]:
    """Events written around ``record_event`` (no log row): none while events are
    sequenced as they are written."""
    total = int((await conn.exec_driver_sql("SELECT COUNT(*) FROM audit_event")).scalar_one())
    if total <= size:
        return []
    stray = await conn.exec_driver_sql(
        "SELECT e.seq FROM audit_event e LEFT JOIN audit_log l ON l.event_seq = e.seq"
        " WHERE l.position IS NULL ORDER BY e.seq LIMIT 5"
    )
    seqs = [int(r[0]) for r in stray.all()]
    if not seqs:
        return []
    return [
        f"events {seqs} (of {total - size}) are not in the log: they were written around "
        "the application and no checkpoint can cover them"
    ]
