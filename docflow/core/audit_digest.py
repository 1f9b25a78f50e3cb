"""The audit trail's hashing rules, with nothing but the standard library.

An event's **digest** is ``SHA-256(canonical JSON of its content)``: every field in
``EVENT_FIELDS`` (not its number or place in the log), sorted keys, UTF-8, no
whitespace, the time as ISO 8601 UTC with microseconds. The log then orders digests:
``chain = SHA-256(previous chain ‖ digest)`` (raw bytes, 32 zero bytes before the first)
and a Merkle tree over them (``docflow.audit.merkle``). A proof for one event needs
the digests of the others, never their content. The server (``docflow.core.audit_append``) and the
offline bundle checker use this one module, so they cannot disagree.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

__all__ = [
    "EVENT_FIELDS",
    "GENESIS_CHAIN",
    "ChainBreak",
    "canonical_event_bytes",
    "canonical_event_text",
    "canonical_json",
    "chain_next",
    "event_digest",
]

#: ``chain`` before the first event.
GENESIS_CHAIN = "0" * 64
#: The fields an event's digest covers, in the order stored rows are read.
EVENT_FIELDS = (
    "occurred_at",
    "actor_user_id",
    "actor_agency_id",
    "action",
    "subject_type",
    "subject_id",
    "request_id",
    "details",
)

#: Canonical JSON of any value (sorted keys, no whitespace, UTF-8 text).
canonical_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def canonical_event_bytes(
    occurred_at: datetime | str,
    actor_user_id: int | None,
    actor_agency_id: int | None,
    action: str,
    subject_type: str | None,
    subject_id: str | None,
    request_id: str | None,
    details: Any,
) -> bytes:
    """The bytes an event's digest is taken of (``occurred_at`` aware UTC, or ISO text)."""
    when = (
        occurred_at
        if isinstance(occurred_at, str)
        else occurred_at.isoformat(timespec="microseconds")
    )
    return canonical_json(
        {
            "occurred_at": when,
            "actor_user_id": actor_user_id,
            "actor_agency_id": actor_agency_id,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "request_id": request_id,
            "details": details,
        }
    ).encode("utf-8")


def canonical_event_text(
    occurred_at_iso: str,
    actor_user_id: int | None,
    actor_agency_id: int | None,
    action: str,
    subject_type: str | None,
    subject_id: str | None,
    request_id: str | None,
    details_json: str,
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
        + ',"request_id":'
        + ("null" if request_id is None else esc(request_id))
        + ',"subject_id":'
        + ("null" if subject_id is None else esc(subject_id))
        + ',"subject_type":'
        + ("null" if subject_type is None else esc(subject_type))
        + "}"
    )


def event_digest(event: dict[str, Any]) -> str:
    """The hex digest of an event given as a dict with ``EVENT_FIELDS``."""
    body = canonical_event_bytes(*(event[name] for name in EVENT_FIELDS))
    return hashlib.sha256(body).hexdigest()


def chain_next(previous: str, digest: str) -> str:
    """``SHA-256(previous ‖ digest)`` over the raw 32-byte values, as hex."""
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(digest)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first event that does not hold, and why (a sentence)."""

    seq: int
    problem: str
