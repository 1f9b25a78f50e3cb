"""The transfers' background work: the recipient's incoming stamp, and reporting a
status to an agency of another system. What the stamp job does is in
``docflow.transfers.job_handlers``; the report is the exchange's work
(``docflow.exchange.status_out``), mapped to this job by ``docflow.bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from docflow.core.jobs.types import Job

__all__ = ["ReportToOtherSystem", "StampIncoming"]


@dataclass(frozen=True)
class StampIncoming(Job):
    """Apply the recipient's incoming stamp to its copy of an accepted transfer."""

    kind: ClassVar[str] = "transfer.stamp_incoming"
    transfer_id: int


@dataclass(frozen=True)
class ReportToOtherSystem(Job):
    """Send status event ``seq`` of transfer ``transfer_id`` to the other system its
    counterpart agency (``Agency.external``) belongs to, as an edXML package.

    Enqueued by ``transfers.status.emit_status`` (and on the arrival of a document from
    another system) in the transaction that records the event; the transfers may not
    import the exchange, so only the job is defined here.
    """

    kind: ClassVar[str] = "transfer.report_external"
    transfer_id: int
    seq: int
