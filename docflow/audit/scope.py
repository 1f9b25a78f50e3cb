"""Which audit events concern an agency, as SQL clauses over ``audit_event``.

An event concerns agency A when:
- one of A's people caused it (``actor_agency_id``);
- it is about a document A issued or drafted (``subject_type='document'``), about a
  delivery of one to another system (``exchange_delivery``), or about a transfer A sent
  or received (``transfer``: deliveries, receipts, registrations, status reports,
  stamps, recalls, whoever's people or background work recorded them);
- it is about the agency itself, one of its departments or one of its people's accounts
  (``agency``, ``department``, ``user``: e.g. a province administrator's changes);
- it is one of the sender's events every recipient shares about a document A received
  (``SHARED_WITH_RECIPIENTS``: its issue, its dispatch, its recall or correction); the
  issuing agency's internal drafting and reads stay the issuer's.

Subjects are stored as text (``subject_id``), so the ids they are compared with are cast.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import String, and_, cast, or_
from sqlmodel import col, select

from docflow.accounts.models_agency import Department
from docflow.accounts.models_user import User
from docflow.core.audit_models import AuditEvent
from docflow.documents.models import Document
from docflow.exchange.models import ExchangeDelivery, ExchangePackage
from docflow.transfers.models import Transfer

__all__ = ["SHARED_WITH_RECIPIENTS", "concerning", "documents_clause"]

#: A document's events its recipients' auditors see as well.
SHARED_WITH_RECIPIENTS = (
    "document.issued",
    "transfer.dispatched",
    "document.recall",
    "document.correction",
)


def _as_text(column: Any) -> Any:
    return cast(column, String)


def _on(subject_type: str, ids: Any) -> Any:
    return and_(col(AuditEvent.subject_type) == subject_type, col(AuditEvent.subject_id).in_(ids))


def concerning(agency_ids: Collection[int]) -> Any:
    """Events that concern any of ``agency_ids`` (the rule above)."""
    agencies = sorted(agency_ids)
    own_documents = select(_as_text(Document.id)).where(col(Document.agency_id).in_(agencies))
    transfers = select(_as_text(Transfer.id)).where(
        or_(col(Transfer.sender_agency_id).in_(agencies),
            col(Transfer.recipient_agency_id).in_(agencies))
    )
    received = select(_as_text(Transfer.document_id)).where(
        col(Transfer.recipient_agency_id).in_(agencies)
    )
    deliveries = (
        select(_as_text(ExchangeDelivery.id))
        .join(ExchangePackage, col(ExchangePackage.id) == col(ExchangeDelivery.package_id))
        .join(Document, col(Document.id) == col(ExchangePackage.document_id))
        .where(col(Document.agency_id).in_(agencies))
    )
    people = select(_as_text(User.id)).where(col(User.agency_id).in_(agencies))
    departments = select(_as_text(Department.id)).where(col(Department.agency_id).in_(agencies))
    return or_(
        col(AuditEvent.actor_agency_id).in_(agencies),
        _on("agency", [str(a) for a in agencies]),
        _on("department", departments),
        _on("user", people),
        _on("document", own_documents),
        _on("transfer", transfers),
        and_(_on("document", received), col(AuditEvent.action).in_(SHARED_WITH_RECIPIENTS)),
        _on("exchange_delivery", deliveries),
    )


def documents_clause(document_ids: Any) -> Any:
    """Events about the documents ``document_ids`` (a subquery of ids) or their transfers."""
    transfers = select(_as_text(Transfer.id)).where(col(Transfer.document_id).in_(document_ids))
    as_text = select(_as_text(Document.id)).where(col(Document.id).in_(document_ids))
    return or_(_on("document", as_text), _on("transfer", transfers))
