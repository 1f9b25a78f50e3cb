"""What a person reads of an audit event: who (full name and agency, not an id), what
(the catalogue's words, with a transfer's status and recipient), and which document
(``số/ký hiệu – trích yếu`` with the address to open it), under the document read rule:
a document the reader may not read keeps its number/symbol, its summary is withheld and
no link is given."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from docflow.accounts.models_agency import Agency
from docflow.accounts.models_user import User
from docflow.accounts.permissions import Principal, can_read_as_issuer, can_read_as_recipient
from docflow.audit.chain_words import word
from docflow.audit.events import event_view
from docflow.core.audit_models import AuditEvent
from docflow.core.db import AsyncSession
from docflow.documents.models import Document
from docflow.documents.reading import document_facts
from docflow.exchange.models import ExchangeDelivery, ExchangePackage
from docflow.transfers.models import Transfer
from docflow.transfers.reading import receipt
from docflow.transfers.statuses import STATUS_LABELS

__all__ = ["describe", "displayed"]


def _int(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() and len(text) < 12 else None


def _transfer_ids(event: AuditEvent) -> list[int]:
    ids = [_int(event.subject_id)] if event.subject_type == "transfer" else []
    listed = (event.details or {}).get("transfers")
    if event.action == "transfer.dispatched" and isinstance(listed, list):
        ids += [_int(t.get("id")) for t in listed if isinstance(t, dict)]
    return [i for i in ids if i is not None]


@dataclass
class _Facts:
    """The rows the events of one page name, loaded once."""

    users: dict[int, User]
    agencies: dict[int, Agency]
    transfers: dict[int, Transfer]
    documents: dict[int, Document]
    delivery_documents: dict[int, int]
    #: The reader's agency's transfers of those documents (what it received).
    receipts: dict[int, Transfer] | None = None


async def _by_id(session: AsyncSession, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (await session.exec(select(model).where(col(model.id).in_(wanted)))).all()
    return {row.id: row for row in rows}


async def _load(session: AsyncSession, principal: Principal, events: list[AuditEvent]) -> _Facts:
    users = await _by_id(session, User, (e.actor_user_id for e in events if e.actor_user_id))
    transfers = await _by_id(session, Transfer, (i for e in events for i in _transfer_ids(e)))
    delivery_ids = [_int(e.subject_id) for e in events if e.subject_type == "exchange_delivery"]
    delivery_documents: dict[int, int] = {}
    if any(delivery_ids):
        rows = (await session.exec(
            select(ExchangeDelivery.id, ExchangePackage.document_id)
            .join(ExchangePackage, col(ExchangePackage.id) == col(ExchangeDelivery.package_id))
            .where(col(ExchangeDelivery.id).in_([i for i in delivery_ids if i]))
        )).all()
        delivery_documents = {d: doc for d, doc in rows if d is not None and doc is not None}
    facts = _Facts(users, {}, transfers, {}, delivery_documents)
    doc_ids = {d for e in events if (d := _document_id(e, facts)) is not None}
    facts.documents = await _by_id(session, Document, doc_ids)
    received = (await session.exec(select(Transfer).where(
        col(Transfer.document_id).in_(sorted(doc_ids)),
        Transfer.recipient_agency_id == principal.agency_id,
    ))).all() if doc_ids else []
    facts.receipts = {t.document_id: t for t in received}
    agency_ids = {e.actor_agency_id for e in events if e.actor_agency_id}
    agency_ids |= {t.recipient_agency_id for t in transfers.values()}
    facts.agencies = await _by_id(session, Agency, agency_ids)
    return facts


def _document_id(event: AuditEvent, facts: _Facts) -> int | None:
    if event.subject_type == "document":
        return _int(event.subject_id)
    if event.subject_type == "transfer":
        transfer = facts.transfers.get(_int(event.subject_id) or -1)
        if transfer is not None:
            return transfer.document_id
    if event.subject_type == "exchange_delivery":
        return facts.delivery_documents.get(_int(event.subject_id) or -1)
    return _int((event.details or {}).get("document_id"))


def describe(event: AuditEvent, lang: str, recipients: list[str] | None = None) -> str:
    """The event in words: the catalogue's, else its code; what a refusal refused, a
    status's meaning, the recipients a delivery went to."""
    key = f"event.{event.action}"
    text = word(lang, key)
    if text == key:
        return event.action
    details = event.details or {}
    attempted = details.get("attempted")
    if event.action == "access.denied" and isinstance(attempted, str):
        said = word(lang, f"event.{attempted}")
        text = f"{text}: {attempted if said == f'event.{attempted}' else said}"
    status = STATUS_LABELS.get(str(details.get("status")))
    if event.action == "transfer.status" and status is not None:
        text += f": {status.code} · {status.vietnamese if lang == 'vi' else status.english}"
    if recipients:  # a delivery went to them; a transfer's event happened at its recipient
        where = "event.to" if event.action == "transfer.dispatched" else "event.at"
        text += f" ({word(lang, where, names='; '.join(recipients))})"
    return text


def _document(principal: Principal, event: AuditEvent, facts: _Facts, lang: str) -> Any:
    doc = facts.documents.get(_document_id(event, facts) or -1)
    if doc is None or doc.id is None:
        return None
    symbol = doc.symbol or word(lang, "event.draft")
    url = f"/documents/{doc.id}" if can_read_as_issuer(principal, document_facts(doc)) else None
    transfer = (facts.receipts or {}).get(doc.id)
    if url is None and transfer is not None and can_read_as_recipient(
        principal, document_facts(doc), receipt(transfer)
    ):
        url = f"/transfers/{transfer.id}"
    subject = doc.subject if url is not None else word(lang, "event.subject_hidden")
    return {"id": doc.id, "symbol": symbol, "subject": subject, "subject_hidden": url is None,
            "url": url, "label": f"{symbol} – {subject}"}


async def displayed(
    session: AsyncSession, principal: Principal, events: list[AuditEvent], lang: str
) -> list[dict[str, Any]]:
    """``event_view`` of each event with ``actor_name``, ``actor_agency_name``,
    ``description`` (in ``lang``) and ``document`` (None when it names none)."""
    facts = await _load(session, principal, events)
    items = []
    for event in events:
        user = facts.users.get(event.actor_user_id or -1)
        agency = facts.agencies.get(event.actor_agency_id or -1)
        names = [facts.agencies[t.recipient_agency_id].name
                 for i in _transfer_ids(event) if (t := facts.transfers.get(i)) is not None
                 and t.recipient_agency_id in facts.agencies]
        items.append({
            **event_view(event),
            "actor_name": user.full_name if user else word(lang, "event.system"),
            "actor_agency_name": agency.name if agency else None,
            "description": describe(event, lang, names),
            "document": _document(principal, event, facts, lang),
        })
    return items
