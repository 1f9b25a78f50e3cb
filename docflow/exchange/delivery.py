"""Sending an outgoing package to a peer, and what each answer means.

One attempt POSTs the stored bytes (the same bytes every time) to ``peer.url`` with
``Authorization: Bearer <outbound token>`` and records an ``ExchangeAttempt``:

- 2xx: delivered (``exchange.package_sent``);
- 4xx other than 408 and 429: the peer refuses the package, failed for good with the
  peer's reason (``exchange.delivery_failed``, ``final``);
- anything else (5xx, 408, 429, no answer): tried again after 30 s, 2 min, 20 min, then
  every hour (``DOCFLOW_EXCHANGE_RETRY_SECONDS``), until ``DOCFLOW_EXCHANGE_MAX_ATTEMPTS``
  attempts, then failed (``exchange.delivery_failed`` each time, ``final`` on the last).

A clerk of the sending agency may retry a failed delivery (``retry_delivery``): it is
pending again with a fresh count, the earlier attempts stay on record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import anyio.to_thread
import httpx
from sqlmodel import select

from docflow.accounts.access import deny
from docflow.accounts.models_agency import AgencyCode
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal, can_change
from docflow.core.audit_append import Someone, record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, NotFoundError
from docflow.core.models_base import utcnow
from docflow.core.runtime import Runtime
from docflow.core.settings import RETRY_SCHEDULE
from docflow.documents.models import Document
from docflow.documents.notices import about_document
from docflow.exchange.jobs import DeliverPackage
from docflow.exchange.models import (
    DeliveryState,
    ExchangeAttempt,
    ExchangeDelivery,
    ExchangePackage,
    ExchangePeer,
)
from docflow.exchange.peer_tls import client_tls
from docflow.notifications.kinds import Kind
from docflow.notifications.notify import notify, people_with_role

__all__ = [
    "Answer",
    "deliver",
    "list_deliveries",
    "retry_delay",
    "retry_delivery",
    "send_timeout",
]

MAX_REASON = 500
send_timeout = httpx.Timeout(60.0, connect=10.0)


def retry_delay(failed_attempts: int, schedule: Sequence[float] = RETRY_SCHEDULE) -> float:
    """Seconds to wait before attempt n + 1 after n failed ones: the schedule's n-th
    entry, its last one from then on (default 30 s, 2 min, 20 min, then hourly)."""
    return schedule[min(max(failed_attempts, 1), len(schedule)) - 1]


@dataclass(frozen=True)
class Answer:
    """What one attempt got: the peer's HTTP status, or none and why."""

    status: int | None
    reason: str | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def permanent(self) -> bool:
        return self.status is not None and 400 <= self.status < 500 and self.status not in (
            408,
            429,
        )


async def _post(peer: ExchangePeer, data: bytes) -> Answer:
    headers = {"Content-Type": "application/xml"}
    if peer.outbound_token:
        headers["Authorization"] = f"Bearer {peer.outbound_token}"
    try:
        async with httpx.AsyncClient(timeout=send_timeout, verify=client_tls(peer)) as client:
            response = await client.post(peer.url, content=data, headers=headers)
    except httpx.HTTPError as exc:
        text = " ".join(str(exc).split())
        return Answer(None, f"{type(exc).__name__}: {text}"[:MAX_REASON])
    if 200 <= response.status_code < 300:
        return Answer(response.status_code, None)
    body = " ".join(response.text.split())[:MAX_REASON]
    return Answer(response.status_code, f"HTTP {response.status_code}: {body}".strip(": "))


async def _load(
    session: AsyncSession, delivery_id: int
) -> tuple[ExchangeDelivery, ExchangePackage, ExchangePeer] | None:
    delivery = await session.get(ExchangeDelivery, delivery_id)
    if delivery is None:
        return None
    package = await session.get(ExchangePackage, delivery.package_id)
    peer = await session.get(ExchangePeer, delivery.peer_id)
    if package is None or peer is None:
        return None
    return delivery, package, peer


async def deliver(runtime: Runtime, job: DeliverPackage) -> None:
    """Make attempt ``job.attempt`` of the delivery; a stale or finished one is a no-op."""
    async with runtime.session() as session:
        loaded = await _load(session, job.delivery_id)
    if loaded is None:
        return
    delivery, package, peer = loaded
    if delivery.state != DeliveryState.PENDING.value or delivery.attempts != job.attempt - 1:
        return
    data = await anyio.to_thread.run_sync(runtime.store.get_bytes, package.sha256)
    answer = await _post(peer, data)
    async with runtime.transaction() as session:
        current = await session.get(ExchangeDelivery, job.delivery_id, with_for_update=True)
        if current is None or current.attempts != job.attempt - 1:
            return  # another run recorded this attempt meanwhile
        await _record(runtime, session, current, package, peer, answer)


async def _record(
    runtime: Runtime,
    session: AsyncSession,
    delivery: ExchangeDelivery,
    package: ExchangePackage,
    peer: ExchangePeer,
    answer: Answer,
) -> None:
    now = utcnow()
    assert delivery.id is not None
    session.add(
        ExchangeAttempt(delivery_id=delivery.id, at=now, http_status=answer.status,
                        error=answer.reason)
    )
    delivery.attempts += 1
    details = {"package": package.id, "peer": peer.name, "url": peer.url,
               "attempt": delivery.attempts, "http_status": answer.status,
               "sha256": package.sha256}
    if answer.delivered:
        delivery.state = DeliveryState.DELIVERED.value
        delivery.delivered_at, delivery.next_attempt_at, delivery.last_error = now, None, None
        action = "exchange.package_sent"
    else:
        delivery.last_error = answer.reason
        final = answer.permanent or delivery.attempts >= runtime.settings.exchange_max_attempts
        if final:
            delivery.state, delivery.next_attempt_at = DeliveryState.FAILED.value, None
            await _tell_failed(runtime, session, delivery, package)
        else:
            delivery.next_attempt_at = now + timedelta(seconds=retry_delay(
                delivery.attempts, runtime.settings.exchange_retry_seconds))
            await runtime.jobs.enqueue(
                session, DeliverPackage(delivery.id, delivery.attempts + 1),
                run_after=delivery.next_attempt_at,
            )
        details |= {"error": answer.reason, "final": final,
                    "next_attempt_at": delivery.next_attempt_at.isoformat()
                    if delivery.next_attempt_at else None}
        action = "exchange.delivery_failed"
    session.add(delivery)
    await session.flush()
    await record_event(session, action, subject_type="exchange_delivery",
                       subject_id=delivery.id, details=details)


async def _tell_failed(
    runtime: Runtime, session: AsyncSession, delivery: ExchangeDelivery, package: ExchangePackage
) -> None:
    """The sending agency's clerks: a document's package will not be sent again by itself."""
    agency_id = await sending_agency(session, delivery)
    document = await session.get(Document, package.document_id) if package.document_id else None
    if agency_id is None or document is None or document.agency_id != agency_id:
        return  # a status report about a received document: the deliveries page shows it
    clerks = await people_with_role(session, agency_id, Role.CLERK)
    await notify(session, Kind.DELIVERY_FAILED, clerks, about_document(document),
                 jobs=runtime.jobs)


async def sending_agency(session: AsyncSession, delivery: ExchangeDelivery) -> int | None:
    """The agency that sends the delivery's package: the issuer of a document package,
    the reporting agency of a status package (its ``From``, ``sender_organ_id``)."""
    return (
        await session.exec(
            select(AgencyCode.agency_id)
            .join(ExchangePackage, ExchangePackage.sender_organ_id == AgencyCode.code)  # type: ignore[arg-type]
            .where(ExchangePackage.id == delivery.package_id)
        )
    ).first()


async def retry_delivery(
    runtime: Runtime, session: AsyncSession, principal: Principal, delivery_id: int
) -> ExchangeDelivery:
    """A clerk of the sending agency sends a failed delivery again (a fresh count of
    attempts); in the caller's transaction. Others get the 404 of a missing delivery."""
    missing = f"There is no delivery {delivery_id}."
    delivery = await session.get(ExchangeDelivery, delivery_id)
    agency_id = await sending_agency(session, delivery) if delivery else None
    if delivery is None or agency_id is None:
        raise NotFoundError(missing)
    if not can_change(principal, agency_id, needs=[Role.CLERK]):
        own = principal.agency_id == agency_id
        await deny(session, principal, action="exchange.delivery_retry",
                   subject_type="exchange_delivery", subject_id=delivery_id,
                   message="Only a clerk (văn thư) of the sending agency retries its deliveries."
                   if own else missing, hide=not own)
    if delivery.state != DeliveryState.FAILED.value:
        raise ConflictError(
            f"Delivery {delivery_id} is {delivery.state}; only a failed one is sent again."
        )
    delivery.state, delivery.attempts = DeliveryState.PENDING.value, 0
    delivery.next_attempt_at = utcnow()
    session.add(delivery)
    await session.flush()
    await runtime.jobs.enqueue(session, DeliverPackage(delivery_id))
    actor: Someone = principal
    await record_event(session, "exchange.delivery_retried", actor=actor,
                       subject_type="exchange_delivery", subject_id=delivery_id,
                       details={"package": delivery.package_id})
    return delivery


async def list_deliveries(
    session: AsyncSession, agency_id: int, *, limit: int = 200
) -> list[dict[str, object]]:
    """The agency's outgoing deliveries (its documents, its status reports), newest
    first: package, peer, state, attempts, last error, next attempt."""
    rows = (
        await session.exec(
            select(ExchangeDelivery, ExchangePackage, ExchangePeer)
            .join(ExchangePackage, ExchangePackage.id == ExchangeDelivery.package_id)  # type: ignore[arg-type]
            .join(ExchangePeer, ExchangePeer.id == ExchangeDelivery.peer_id)  # type: ignore[arg-type]
            .join(AgencyCode, AgencyCode.code == ExchangePackage.sender_organ_id)  # type: ignore[arg-type]
            .where(AgencyCode.agency_id == agency_id)
            .order_by(ExchangeDelivery.id.desc())  # type: ignore[union-attr]
            .limit(limit)
        )
    ).all()
    return [
        {
            "id": d.id,
            "package": {"id": p.id, "document_id": p.document_id, "kind": p.kind,
                        "status_code": p.status_code,
                        "edxml_document_id": p.edxml_document_id, "sha256": p.sha256,
                        "size": p.size},
            "peer": peer.name,
            "url": peer.url,
            "state": d.state,
            "attempts": d.attempts,
            "last_error": d.last_error,
            "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
        }
        for d, p, peer in rows
    ]
