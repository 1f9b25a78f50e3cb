"""What a job is: a typed dataclass naming *what* must be done, never how it is queued.

Each feature defines its own job types (``docflow.documents.jobs``,
``docflow.transfers.jobs``) by subclassing :class:`Job` with a ``kind``; defining the
class registers the kind, so a stored job reads back as its type. ``key`` is the job's
identity for idempotency: enqueuing a job whose key is pending or running adds nothing,
and every handler may run more than once for one key (after a crash, a lost lease or a
retry) without doing the work twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

__all__ = ["JOB_TYPES", "Job", "job_from_row"]

#: Every job type defined so far, by ``kind``.
JOB_TYPES: dict[str, type[Job]] = {}


@dataclass(frozen=True)
class Job:
    """Base of every job type; subclasses are frozen dataclasses of plain values."""

    kind: ClassVar[str] = ""
    #: How many times the work is tried before it is marked failed (and shown so).
    max_attempts: ClassVar[int] = 20

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            JOB_TYPES[cls.kind] = cls

    @property
    def key(self) -> str:
        values = ":".join(str(getattr(self, f.name)) for f in fields(self))
        return f"{self.kind}:{values}"

    def payload(self) -> dict[str, Any]:
        return asdict(self)


def job_from_row(kind: str, payload: dict[str, Any]) -> Job:
    """The typed job stored as ``kind`` + ``payload``; ``KeyError``/``TypeError`` if unknown."""
    return JOB_TYPES[kind](**payload)
