"""What the transfers do in the background: the recipient's incoming stamp, and
delivering an issued document (``docflow.documents.jobs.DeliverDocument``: the delivery
is the transfers' work). ``docflow.bootstrap`` hands these to the job runner.

Each handler is idempotent: run twice for one job, it does the work once.
"""

from __future__ import annotations

from collections.abc import Mapping

from docflow.core.jobs.runner import Handler
from docflow.core.jobs.types import Job
from docflow.core.runtime import Runtime
from docflow.documents.jobs import DeliverDocument
from docflow.transfers.jobs import StampIncoming
from docflow.transfers.routing import IssuanceCheck, dispatch_document
from docflow.transfers.transfers import stamp_incoming as stamp

__all__ = ["HANDLERS"]


async def stamp_incoming(runtime: Runtime, job: StampIncoming) -> None:
    await stamp(runtime, job.transfer_id)  # a no-op once the copy is stamped


async def deliver_document(runtime: Runtime, job: DeliverDocument) -> None:
    checked = IssuanceCheck(job.sealed_sha256, job.issuance_check)
    # creates only missing transfers
    await dispatch_document(runtime, job.document_id, checked=checked)


HANDLERS: Mapping[type[Job], Handler] = {
    StampIncoming: stamp_incoming,
    DeliverDocument: deliver_document,
}
