"""The documents' background work: once issued, a document is delivered to every
recipient (done by ``docflow.transfers.jobs``, which owns the delivery)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docflow.core.jobs.types import Job

__all__ = ["DeliverDocument"]


@dataclass(frozen=True)
class DeliverDocument(Job):
    """Deliver an issued document to every recipient agency that does not have it yet."""

    kind: ClassVar[str] = "document.deliver"
    document_id: int
