"""The exchange's background work: delivering an outgoing package to one peer. What it
does is in ``docflow.exchange.job_handlers``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docflow.core.jobs.types import Job

__all__ = ["DeliverPackage"]


@dataclass(frozen=True)
class DeliverPackage(Job):
    """Attempt number ``attempt`` to POST delivery ``delivery_id``'s package to its peer.

    The attempt is part of the key: each retry is a new job with its own ``run_after``
    (the delivery's schedule, not the runner's back-off); a stale attempt does nothing.
    """

    kind: ClassVar[str] = "exchange.deliver_package"
    #: The runner retries only failures of docflow itself (database, store); a peer's
    #: answer is recorded on the delivery and scheduled by the handler.
    max_attempts: ClassVar[int] = 5
    delivery_id: int
    attempt: int = 1
