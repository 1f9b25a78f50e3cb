"""The kinds of background work, as typed dataclasses.

A job names *what* must be done, never how it is queued: the same dataclass goes to
the table backend today and to another backend later. ``key`` is the job's identity
for idempotency: enqueuing a job whose key is pending or running adds nothing, and
every handler may run more than once for one key (after a crash, a lost lease or a
retry) without doing the work twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

__all__ = ["JOB_TYPES", "DeliverDocument", "Job", "StampIncoming", "job_from_row"]


@dataclass(frozen=True)
class Job:
    """Base of every job type; subclasses are frozen dataclasses of plain values."""

    kind: ClassVar[str] = ""
    #: How many times the work is tried before it is marked failed (and shown so).
    max_attempts: ClassVar[int] = 20

    @property
    def key(self) -> str:
        values = ":".join(str(getattr(self, f.name)) for f in fields(self))
        return f"{self.kind}:{values}"

    def payload(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StampIncoming(Job):
    """Apply the recipient's incoming stamp to its copy of an accepted transfer."""

    kind: ClassVar[str] = "transfer.stamp_incoming"
    transfer_id: int


@dataclass(frozen=True)
class DeliverDocument(Job):
    """Deliver an issued document to every recipient agency that does not have it yet."""

    kind: ClassVar[str] = "document.deliver"
    document_id: int


JOB_TYPES: dict[str, type[Job]] = {t.kind: t for t in (StampIncoming, DeliverDocument)}


def job_from_row(kind: str, payload: dict[str, Any]) -> Job:
    """The typed job stored as ``kind`` + ``payload``; ``KeyError``/``TypeError`` if unknown."""
    return JOB_TYPES[kind](**payload)
