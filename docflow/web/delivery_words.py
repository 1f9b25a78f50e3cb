"""What went wrong with a delivery, in words a clerk can act on.

``ExchangeDelivery.last_error`` is what the sending code recorded: ``HTTP <status>:
<the peer's answer>`` when the peer answered, ``<ExceptionName>: <text>`` when it did
not. ``explain`` turns it into a sentence (in the page's language) saying what happened
and what to do about it; the raw text stays available for the administrator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Explained", "explain"]

_HTTP = re.compile(r"^HTTP (\d{3})(?::\s*(.*))?$", re.DOTALL)
_MAX_REASON = 300


@dataclass(frozen=True)
class Explained:
    what: str
    """What happened, for a clerk."""
    todo: str
    """What to do (wait for the automatic retry, or fix and send again)."""
    reason: str | None
    """The receiving system's own words, when it gave any."""
    raw: str
    """What was recorded, as it was."""


def _peer_reason(body: str) -> str | None:
    body = body.strip()
    if not body:
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return body[:_MAX_REASON]
    if isinstance(parsed, dict) and isinstance(parsed.get("detail"), str):
        return parsed["detail"][:_MAX_REASON] or None
    return body[:_MAX_REASON]


def _http_key(status: int) -> str:
    if status in (401, 403):
        return "deliveries.err.auth"
    if status == 404:
        return "deliveries.err.address"
    if status == 409:
        return "deliveries.err.conflict"
    if status == 413:
        return "deliveries.err.too_large"
    if status in (408, 429) or status >= 500:
        return "deliveries.err.busy"
    return "deliveries.err.refused"


def explain(last_error: str | None, state: str, t: Callable[[str], str]) -> Explained | None:
    """The clerk's reading of ``last_error`` (None when there is no error to show)."""
    if not last_error or state == "delivered":
        return None
    todo = t("deliveries.todo.retry" if state == "failed" else "deliveries.todo.wait")
    found = _HTTP.match(last_error.strip())
    if found:
        status = int(found.group(1))
        what = t(_http_key(status)).replace("{status}", str(status))
        return Explained(what, todo, _peer_reason(found.group(2) or ""), last_error)
    name = last_error.split(":", 1)[0]
    key = "deliveries.err.timeout" if "Timeout" in name else "deliveries.err.unreachable"
    return Explained(t(key), todo, None, last_error)
