"""What the exchange does in the background: deliver an outgoing package to a peer;
after an issued document's local dispatch, queue its package for the recipients that are
agencies of other systems; and send a transfer's status to such an agency
(``ReportToOtherSystem``, a transfers job: ``status_out``). ``docflow.bootstrap`` hands
these to the job runner.

The document's delivery job belongs to the documents and transfers; the transfers may
not import the exchange, so the exchange's handler for that job runs the transfers' one
first and then its own step. Both steps are idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping

from docflow.core.jobs.runner import Handler
from docflow.core.jobs.types import Job
from docflow.core.runtime import Runtime
from docflow.documents.jobs import DeliverDocument
from docflow.exchange.delivery import deliver
from docflow.exchange.jobs import DeliverPackage
from docflow.exchange.outbox import enqueue_for_external
from docflow.exchange.status_out import report_status
from docflow.transfers.job_handlers import deliver_document as deliver_locally
from docflow.transfers.jobs import ReportToOtherSystem

__all__ = ["HANDLERS"]


async def deliver_package(runtime: Runtime, job: DeliverPackage) -> None:
    await deliver(runtime, job)  # a no-op once this attempt is recorded


async def deliver_document(runtime: Runtime, job: DeliverDocument) -> None:
    await deliver_locally(runtime, job)  # transfers to this system's agencies
    await enqueue_for_external(runtime, job.document_id)  # packages to other systems


async def report_to_other_system(runtime: Runtime, job: ReportToOtherSystem) -> None:
    await report_status(runtime, job)  # a no-op once its package is written


HANDLERS: Mapping[type[Job], Handler] = {
    DeliverPackage: deliver_package,
    DeliverDocument: deliver_document,
    ReportToOtherSystem: report_to_other_system,
}
