"""The audit chain's hashing rule, with nothing but the standard library.

``hash = SHA-256(prev_hash as 64 ASCII hex ‖ canonical JSON of the event)``; the
canonical JSON has every field but ``hash``, sorted keys, UTF-8, no whitespace, and
the time as ISO 8601 UTC with microseconds. The server (``docflow.audit``) and the
offline bundle checker use this one module, so they cannot disagree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

__all__ = [
    "EVENT_FIELDS",
    "GENESIS_HASH",
    "ChainBreak",
    "canonical_event_bytes",
    "canonical_event_text",
    "canonical_json",
    "check_links",
    "link_hash",
]

GENESIS_HASH = "0" * 64
#: The fields hashed, in the order the stored rows are read.
EVENT_FIELDS = (
    "seq",
    "occurred_at",
    "actor_user_id",
    "actor_agency_id",
    "action",
    "subject_type",
    "subject_id",
    "request_id",
    "details",
    "prev_hash",
)

#: Canonical JSON of any value (sorted keys, no whitespace, UTF-8 text).
canonical_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def canonical_event_bytes(
    seq: int,
    occurred_at: datetime | str,
    actor_user_id: int | None,
    actor_agency_id: int | None,
    action: str,
    subject_type: str | None,
    subject_id: str | None,
    request_id: str | None,
    details: Any,
    prev_hash: str,
) -> bytes:
    """The bytes hashed for one event (``occurred_at`` aware UTC, or already ISO text)."""
    when = (
        occurred_at
        if isinstance(occurred_at, str)
        else occurred_at.isoformat(timespec="microseconds")
    )
    return canonical_json(
        {
            "seq": seq,
            "occurred_at": when,
            "actor_user_id": actor_user_id,
            "actor_agency_id": actor_agency_id,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "request_id": request_id,
            "details": details,
            "prev_hash": prev_hash,
        }
    ).encode("utf-8")


def canonical_event_text(
    seq: int,
    occurred_at_iso: str,
    actor_user_id: int | None,
    actor_agency_id: int | None,
    action: str,
    subject_type: str | None,
    subject_id: str | None,
    request_id: str | None,
    details_json: str,
    prev_hash: str,
) -> str:
    """``canonical_event_bytes`` (decoded), spliced by hand for speed: ``details_json``
    must already be canonical JSON. Equal for every event (a unit test pins it)."""
    esc = encode_basestring
    return (
        '{"action":'
        + ("null" if action is None else esc(action))
        + ',"actor_agency_id":'
        + ("null" if actor_agency_id is None else str(int(actor_agency_id)))
        + ',"actor_user_id":'
        + ("null" if actor_user_id is None else str(int(actor_user_id)))
        + ',"details":'
        + details_json
        + ',"occurred_at":'
        + esc(occurred_at_iso)
        + ',"prev_hash":'
        + esc(prev_hash)
        + ',"request_id":'
        + ("null" if request_id is None else esc(request_id))
        + ',"seq":'
        + str(int(seq))
        + ',"subject_id":'
        + ("null" if subject_id is None else esc(subject_id))
        + ',"subject_type":'
        + ("null" if subject_type is None else esc(subject_type))
        + "}"
    )


def link_hash(prev_hash: str, canonical: bytes) -> str:
    """``SHA-256(prev_hash ‖ canonical)`` as hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first event that does not hold, and why (a sentence)."""

    seq: int
    problem: str


def check_links(
    events: Iterable[Mapping[str, Any]], *, first_seq: int = 1, prev_hash: str = GENESIS_HASH
) -> tuple[int, ChainBreak | None, str]:
    """Check events (dicts with ``EVENT_FIELDS`` and ``hash``) in order.

    Returns (events checked, first break or None, hash of the last good event).
    """
    expected, previous, checked = first_seq, prev_hash, 0
    for event in events:
        seq = event["seq"]
        if seq != expected:
            problem = (
                f"event {expected} is missing (next stored is {seq})"
                if seq > expected
                else f"event {seq} is out of order (expected {expected})"
            )
            return checked, ChainBreak(expected, problem), previous
        if event["prev_hash"] != previous:
            return checked, ChainBreak(seq, "prev_hash does not link to the event before"), previous
        body = canonical_event_bytes(*(event[name] for name in EVENT_FIELDS))
        if link_hash(previous, body) != event["hash"]:
            return checked, ChainBreak(seq, "hash does not match the event's content"), previous
        previous, expected, checked = event["hash"], expected + 1, checked + 1
    return checked, None, previous
