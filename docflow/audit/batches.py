"""One batch of the audit log, checked in a worker process: every row's content against
its digest, its digest against the log and against the signed copies, its chain link,
and the batch's Merkle subtrees.

Batches hold ``2**k`` rows starting at a multiple of ``2**k``: a whole batch is then one
perfect subtree, and the caller folds batch results into the tree of the whole log.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from docflow.audit.merkle import Frontier
from docflow.core.audit_digest import canonical_event_text, canonical_json

__all__ = ["BatchResult", "check_batch", "content_digest", "iso_utc"]

#: Row layout: position, log digest, chain, event seq, then the event's content fields
#: (time, user, agency, action, subject type, subject id, request id, details JSON text),
#: then the event's own digest.
ROW_FIELDS = 13


@dataclass
class BatchResult:
    #: Index of the first bad row in the batch and what is wrong, or None.
    bad: int | None = None
    problem: str = ""
    #: Rows before the bad one (all of them when none is bad).
    good: int = 0
    #: Frontier hashes and chain after ``offset`` rows, for each offset asked for.
    snapshots: dict[int, tuple[list[bytes], str]] = field(default_factory=dict)
    #: Frontier hashes of the good rows.
    frontier: list[bytes] = field(default_factory=list)
    last_chain: str = ""


def iso_utc(raw: Any) -> str:
    """ISO 8601 UTC with microseconds from what the driver returned for a time."""
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
    text: str = raw.isoformat(timespec="microseconds")
    return text


def _json(raw: Any) -> str:
    if isinstance(raw, (str, bytes)):
        raw = json.loads(raw)
    return canonical_json(raw)


def content_digest(row: Any) -> str | None:
    try:
        body = canonical_event_text(
            iso_utc(row[4]), row[5], row[6], row[7], row[8], row[9], row[10], _json(row[11])
        )
    except (TypeError, ValueError, AttributeError):
        return None
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _row_problem(
    row: Any, expected: int, previous: str, signed: bytes | None, signer: str
) -> str | None:
    position, digest, chain, seq = row[0], row[1], row[2], row[3]
    if position != expected:
        return f"event {expected} is missing from the log (the next row is {position})"
    if seq is None:
        return "the log names an event that is not stored (its content was deleted)"
    if content_digest(row) != row[12]:
        return "its content does not match its digest: the event was edited"
    if row[12] != digest:
        return "the log holds another digest for it than the event's own"
    if signed is not None and bytes.fromhex(digest) != signed:
        return (
            f"its digest differs from the one {signer} signed: the event was rewritten "
            "after it was signed"
        )
    if hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(digest)).hexdigest() != chain:
        return "its chain does not link to the event before"
    return None


def check_batch(
    rows: list[Any],
    first_position: int,
    previous_chain: str,
    signed: bytes | None,
    signers: list[tuple[int, str]],
    offsets: list[int],
) -> BatchResult:
    """Check ``rows`` (positions from ``first_position``). ``signed`` holds 32 bytes per
    row (zeros where no copy covers it) and ``signers`` the ``(last position, name)`` of
    each copy that provided them; ``offsets`` are row counts to snapshot the tree at."""
    result = BatchResult(last_chain=previous_chain)
    tree = Frontier()
    wanted = set(offsets)
    zero = bytes(32)
    signer_at = 0
    try:
        for index, row in enumerate(rows):
            expected = first_position + index
            leaf = signed[32 * index : 32 * index + 32] if signed is not None else None
            while signer_at < len(signers) and signers[signer_at][0] < expected:
                signer_at += 1
            name = signers[signer_at][1] if signer_at < len(signers) else ""
            try:
                problem = _row_problem(
                    row, expected, result.last_chain, None if leaf == zero else leaf, name
                )
            except (TypeError, ValueError):
                problem = "its digest or chain is not a SHA-256 value"
            if problem is not None:
                result.bad, result.problem = index, problem
                return result
            tree.append(bytes.fromhex(row[1]))
            result.last_chain, result.good = row[2], index + 1
            if index + 1 in wanted:
                result.snapshots[index + 1] = (list(tree.hashes), row[2])
        return result
    finally:
        result.frontier = list(tree.hashes)
