"""The documents' background work: once issued, a document is delivered to every
recipient (done by ``docflow.transfers.jobs``, which owns the delivery); a created,
issued or received document is (re)indexed for search (done by ``docflow.search``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docflow.core.jobs.types import Job

__all__ = ["DeliverDocument", "IndexForSearch"]


@dataclass(frozen=True)
class DeliverDocument(Job):
    """Deliver an issued document to every recipient agency that does not have it yet.

    ``sealed_sha256`` and ``issuance_check`` (JSON of the validation report) carry what
    the issuance itself established: every signature of the file it sealed validated just
    before docflow applied the seal. Delivery reuses that verdict instead of validating
    the same bytes again, but only for the file whose sha256 is ``sealed_sha256``; empty,
    or another file, and delivery validates (bytes that came from outside).
    """

    kind: ClassVar[str] = "document.deliver"
    document_id: int
    sealed_sha256: str = ""
    issuance_check: str = ""

    @property
    def key(self) -> str:
        # One delivery per document, whatever verdict it carries (the key column is short).
        return f"{self.kind}:{self.document_id}"


@dataclass(frozen=True)
class IndexForSearch(Job):
    """Fold the document's metadata and text layer into the search index
    (``docflow.search.index``); enqueued where a document is created, issued or
    received, so reading the PDF never slows or fails the request that made it."""

    kind: ClassVar[str] = "search.index"
    max_attempts: ClassVar[int] = 5
    document_id: int
