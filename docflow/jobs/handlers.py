"""What each job type does: one coroutine per type, calling the feature's service.

Imports run inside the handlers: features import ``docflow.jobs`` to enqueue, so the
jobs package may not import them at module level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from docflow.jobs.runner import Handler
from docflow.jobs.types import DeliverDocument, Job, StampIncoming

if TYPE_CHECKING:
    from docflow.runtime import Runtime

__all__ = ["HANDLERS"]


async def stamp_incoming(runtime: Runtime, job: StampIncoming) -> None:
    from docflow.services.transfers import stamp_incoming as stamp

    await stamp(runtime, job.transfer_id)  # a no-op once the copy is stamped


async def deliver_document(runtime: Runtime, job: DeliverDocument) -> None:
    from docflow.services.routing import dispatch_document

    await dispatch_document(runtime, job.document_id)  # creates only missing transfers


HANDLERS: Mapping[type[Job], Handler] = {
    StampIncoming: stamp_incoming,
    DeliverDocument: deliver_document,
}
