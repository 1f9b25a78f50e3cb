"""Searching documents: the words of a search box (folded, each a prefix, all required)
over the index, filters, sorting and paging, and only what the reader may read.

Who sees a document here is the document read rule (``docflow.accounts.permissions``)
written as SQL, so pages and their ``has_more`` count only readable documents:
- the issuing side (``can_read_as_issuer``): people of the issuing agency; for a
  confidential one only its clerks and its named people (drafter, signer, approvers,
  named readers: ``search_entry.readers``); its auditors, province auditors;
- a receiving side (``can_read_as_recipient``): people of an agency with a working
  (active) transfer of it; for a confidential one only its clerks, leaders and the
  person or department it is assigned to; that agency's auditors.
Every row of a page is checked again with the rule's own functions before it is shown.
A confidential document's subject and text are not in the index, so a search for their
words never finds it (``docflow.search.index``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Float, Integer, and_, exists, func, literal_column, or_, select, text, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel import select as sm_select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import (
    Principal,
    can_audit_agency,
    can_read_as_issuer,
    can_read_as_recipient,
)
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.models import Document, DocumentState, Urgency
from docflow.documents.numbering import VIETNAM
from docflow.documents.reading import document_facts
from docflow.search.fold import match_fts5, match_tsquery, terms
from docflow.search.table import SEARCH_ENTRY
from docflow.transfers.models import Transfer
from docflow.transfers.reading import receipt
from docflow.transfers.statuses import STATUS_LABELS

__all__ = ["MAX_LIMIT", "SORTS", "SearchFilter", "SearchPage", "day", "search"]

MAX_LIMIT = 100
MAX_PAGE = 500
SORTS = ("relevance", "date")
_D: Any = Document.__table__  # type: ignore[attr-defined]
_T: Any = Transfer.__table__  # type: ignore[attr-defined]
_A: Any = Agency.__table__  # type: ignore[attr-defined]
_S = SEARCH_ENTRY


@dataclass(frozen=True)
class SearchFilter:
    q: str | None = None
    document_type: str | None = None
    urgency: str | None = None
    #: A document state (draft, signed, issued) or a transfer's edXML status (01 ... 16).
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: The issuing (sending) agency: an identifier code or an abbreviation.
    agency: str | None = None
    #: ``relevance`` (with words) or ``date`` (newest first).
    sort: str | None = None
    page: int = 1
    limit: int = 20


@dataclass(frozen=True)
class SearchPage:
    items: list[dict[str, Any]]
    page: int
    limit: int
    has_more: bool


def day(name: str, value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` parameter (``None`` when empty); 422 otherwise."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date (YYYY-MM-DD).") from None


def _check(flt: SearchFilter) -> None:
    if flt.q is not None and len(flt.q) > 200:
        raise InvalidInput("q is longer than 200 characters.")
    if flt.document_type and flt.document_type not in DOCUMENT_TYPES:
        raise InvalidInput(f"type {flt.document_type!r} is not a document type.")
    if flt.urgency and flt.urgency not in {u.value for u in Urgency}:
        raise InvalidInput("urgency must be normal, khan, thuong_khan or hoa_toc.")
    states = {s.value for s in DocumentState}
    if flt.status and flt.status not in states and flt.status not in STATUS_LABELS:
        raise InvalidInput("status must be draft, signed, issued or an edXML status (01 ... 16).")
    if flt.sort is not None and flt.sort not in SORTS:
        raise InvalidInput("sort must be relevance or date.")
    if not 1 <= flt.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}.")
    if not 1 <= flt.page <= MAX_PAGE:
        raise InvalidInput(f"page must be from 1 to {MAX_PAGE}.")


def _visible(p: Principal) -> ColumnElement[bool]:
    """The read rule (either side) as a condition on ``document`` (and ``search_entry``)."""
    if p.has(Role.AUDITOR) and p.province_scope:
        return true()
    auditor = can_audit_agency(p, p.agency_id)
    open_ = _D.c.confidentiality == "none"
    if auditor or p.has(Role.CLERK):
        issuer_named: ColumnElement[bool] = true()
    else:
        issuer_named = or_(open_, _D.c.created_by_id == p.user_id, _D.c.signer_id == p.user_id,
                           _S.c.readers.like(f"% {p.user_id} %"))
    on_transfer = [_T.c.document_id == _D.c.id, _T.c.recipient_agency_id == p.agency_id]
    if not auditor:
        on_transfer.append(_T.c.active.is_(True))
    if not (auditor or p.has(Role.CLERK) or p.has(Role.LEADER)):
        mine = [open_, _T.c.assigned_user_id == p.user_id]
        if p.department_id is not None:
            mine.append(_T.c.assigned_department_id == p.department_id)
        on_transfer.append(or_(*mine))
    received = exists(select(1).select_from(_T).where(*on_transfer))
    return or_(and_(_D.c.agency_id == p.agency_id, issuer_named), received)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM).astimezone(UTC)


async def _agency_ids(session: AsyncSession, value: str) -> list[int]:
    wanted = value.strip()
    codes: Any = AgencyCode.__table__  # type: ignore[attr-defined]
    by_code = select(codes.c.agency_id).where(codes.c.code == wanted)
    by_abbreviation = select(_A.c.id).where(_A.c.abbreviation == wanted.upper())
    conn = await session.connection()
    found = (await conn.execute(by_code.union(by_abbreviation))).scalars().all()
    return [int(i) for i in found]


async def _filters(session: AsyncSession, p: Principal, flt: SearchFilter) -> list[Any]:
    where: list[Any] = []
    if flt.document_type:
        where.append(_D.c.document_type == flt.document_type)
    if flt.urgency:
        where.append(_D.c.urgency == flt.urgency)
    if flt.status in {s.value for s in DocumentState}:
        where.append(_D.c.state == flt.status)
    elif flt.status:
        where.append(exists(select(1).select_from(_T).where(
            _T.c.document_id == _D.c.id, _T.c.status == flt.status,
            or_(_T.c.recipient_agency_id == p.agency_id, _D.c.agency_id == p.agency_id),
        )))
    when = func.coalesce(_D.c.issued_at, _D.c.created_at)
    if flt.date_from:
        where.append(when >= _day_start(flt.date_from))
    if flt.date_to:
        where.append(when < _day_start(flt.date_to + timedelta(days=1)))
    if flt.agency:
        where.append(_D.c.agency_id.in_(await _agency_ids(session, flt.agency)))
    return where


def _matching(dialect: str, words: list[str]) -> tuple[Any, Any, Any]:
    """(what to join, its join condition, the relevance score: higher is better)."""
    if dialect == "postgresql":
        query = func.to_tsquery(literal_column("'simple'"), match_tsquery(words))
        tsv: Any = literal_column("search_entry.tsv")
        return _S, and_(_S.c.document_id == _D.c.id, tsv.op("@@")(query)), func.ts_rank(
            tsv, query)
    found = text(
        "SELECT rowid AS document_id, bm25(search_fts, 10.0, 4.0, 1.0) AS score "
        "FROM search_fts WHERE search_fts MATCH :match"
    ).bindparams(match=match_fts5(words)).columns(document_id=Integer, score=Float).subquery("m")
    return found, found.c.document_id == _D.c.id, -found.c.score


async def _rows(session: AsyncSession, p: Principal, flt: SearchFilter) -> list[Any]:
    words = terms(flt.q)
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    columns = [_D.c.id, _D.c.number, _D.c.symbol, _D.c.subject, _D.c.document_type,
               _D.c.urgency, _D.c.confidentiality, _D.c.state, _D.c.issued_at,
               _D.c.created_at, _D.c.agency_id, _A.c.name.label("agency_name"),
               _A.c.abbreviation.label("agency_abbreviation")]
    source = _D.join(_A, _A.c.id == _D.c.agency_id)
    score: Any = None
    if words:
        joined, on, score = _matching(dialect, words)
        source = source.join(joined, on)
        if dialect != "postgresql":  # the read rule reads search_entry.readers
            source = source.outerjoin(_S, _S.c.document_id == _D.c.id)
    else:
        source = source.outerjoin(_S, _S.c.document_id == _D.c.id)
    newest = (func.coalesce(_D.c.issued_at, _D.c.created_at).desc(), _D.c.id.desc())
    order = (score.desc(), *newest) if score is not None and flt.sort != "date" else newest
    query = (
        select(*columns).select_from(source)
        .where(_visible(p), *await _filters(session, p, flt))
        .order_by(*order)
        .offset((flt.page - 1) * flt.limit).limit(flt.limit + 1)
    )
    return list((await (await session.connection()).execute(query)).all())


async def _checked(
    session: AsyncSession, p: Principal, ids: list[int]
) -> dict[int, tuple[bool, int | None]]:
    """Per document: (read as issuer, the reader's transfer id), by the rule's own
    functions; a document neither side lets ``p`` read is left out."""
    if not ids:
        return {}
    documents = {
        d.id: d for d in (await session.exec(
            sm_select(Document).where(col(Document.id).in_(ids)))).all()
    }
    transfers = {
        t.document_id: t for t in (await session.exec(sm_select(Transfer).where(
            col(Transfer.document_id).in_(ids), Transfer.recipient_agency_id == p.agency_id,
        ))).all()
    }
    allowed: dict[int, tuple[bool, int | None]] = {}
    for document in documents.values():
        assert document.id is not None
        ident = document.id
        facts = document_facts(document)
        transfer = transfers.get(ident)
        as_issuer = can_read_as_issuer(p, facts)
        if as_issuer or (transfer and can_read_as_recipient(p, facts, receipt(transfer))):
            allowed[ident] = (as_issuer, transfer.id if transfer else None)
    return allowed


def _item(row: Any, as_issuer: bool, transfer_id: int | None) -> dict[str, Any]:
    link = f"/documents/{row.id}" if as_issuer or transfer_id is None else (
        f"/transfers/{transfer_id}")
    return {
        "id": row.id, "number": row.number, "symbol": row.symbol,
        # Every row is readable by the rule; its subject is what the lists show.
        "subject": row.subject,
        "confidential": row.confidentiality != "none",
        "document_type": row.document_type, "urgency": row.urgency, "state": row.state,
        "issued_at": row.issued_at.isoformat() if row.issued_at else None,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "agency": {"name": row.agency_name, "abbreviation": row.agency_abbreviation},
        "transfer_id": transfer_id, "url": link,
    }


async def search(session: AsyncSession, principal: Principal, flt: SearchFilter) -> SearchPage:
    """One page of the documents ``principal`` may read that match ``flt``."""
    _check(flt)
    rows = await _rows(session, principal, flt)
    page_rows = rows[: flt.limit]
    allowed = await _checked(session, principal, [r.id for r in page_rows])
    items = [_item(r, *allowed[r.id]) for r in page_rows if r.id in allowed]
    return SearchPage(items, flt.page, flt.limit, len(rows) > flt.limit)
