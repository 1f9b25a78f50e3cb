"""The events in an evidence bundle: each recomputed to its digest and proven, by its
inclusion proof, in the tree the bundled checkpoint signed (part of
``docflow.audit.bundle_check``)."""

from __future__ import annotations

import json
from typing import Any

from docflow.audit import bundle_layout as layout
from docflow.audit.checkpoint_sign import parse_statement
from docflow.audit.merkle import verify_inclusion
from docflow.core.audit_digest import event_digest

__all__ = ["check_events"]


def check_events(
    raw: dict[str, bytes | None],
    manifest: dict[str, Any],
    problems: list[str],
    passed: list[str],
) -> list[dict[str, Any]]:
    """The bundle's events of the document, each recomputed to its digest and proven in
    the signed checkpoint's tree by its inclusion proof; what fails goes to
    ``problems``, what holds to ``passed``."""
    events_raw, proofs_raw, statement = (
        raw[layout.EVENTS],
        raw[layout.PROOFS],
        raw[layout.CHECKPOINT],
    )
    if events_raw is None or proofs_raw is None or statement is None:
        if manifest.get("document_event_seqs"):
            problems.append(f"{layout.PROOFS}: the document has events but no proof")
        return []
    try:
        claims = parse_statement(statement)
        events = [json.loads(line) for line in events_raw.splitlines() if line.strip()]
        proofs = json.loads(proofs_raw)
        by_seq = {p["seq"]: p for p in proofs["proofs"]}
        root = bytes.fromhex(claims.root or "")
    except (ValueError, KeyError, TypeError) as exc:
        problems.append(f"{layout.PROOFS}: the events or proofs are unreadable ({exc})")
        return []
    if proofs.get("size") != claims.size or proofs.get("root") != claims.root:
        problems.append(
            f"{layout.PROOFS}: names another tree than the signed {layout.CHECKPOINT}"
        )
    proven = 0
    for event in events:
        seq = event.get("seq")
        problem = _event_problem(event, by_seq.get(seq), claims.size, root)
        if problem:
            problems.append(problem.format(seq=seq))
        else:
            proven += 1
    missing = sorted(set(manifest.get("document_event_seqs", [])) - {e.get("seq") for e in events})
    if missing:
        problems.append(f"{layout.EVENTS}: the document's events {missing} are missing")
    if proven == len(events) and not missing:
        passed.append(
            f"{proven} events of the document proven in the tree of checkpoint {claims.size}"
        )
    return events


def _event_problem(
    event: dict[str, Any], proof: dict[str, Any] | None, size: int, root: bytes
) -> str | None:
    try:
        digest = event_digest(event)
    except (KeyError, TypeError, ValueError):
        return f"{layout.EVENTS}: event {{seq}} is unreadable"
    if digest != event.get("digest"):
        return f"{layout.EVENTS}: event {{seq}}: its content does not match its digest"
    if proof is None:
        return f"{layout.PROOFS}: no proof for event {{seq}}"
    try:
        path = [bytes.fromhex(h) for h in proof["path"]]
        position = int(proof["position"])
        holds = proof["digest"] == digest and verify_inclusion(
            position - 1, size, bytes.fromhex(digest), path, root
        )
    except (KeyError, TypeError, ValueError):
        holds = False
    if not holds:
        return (
            f"{layout.PROOFS}: the proof for event {{seq}} does not lead to the root "
            f"checkpoint {size} signed"
        )
    return None
