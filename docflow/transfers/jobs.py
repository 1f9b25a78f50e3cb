"""The transfers' background work: the recipient's incoming stamp. What each job does is
in ``docflow.transfers.job_handlers``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docflow.core.jobs.types import Job

__all__ = ["StampIncoming"]


@dataclass(frozen=True)
class StampIncoming(Job):
    """Apply the recipient's incoming stamp to its copy of an accepted transfer."""

    kind: ClassVar[str] = "transfer.stamp_incoming"
    transfer_id: int
