"""Lists behind the browser's working views: drafts, documents awaiting a signature,
issued documents, and the people of one's own agency (signers, assignees).

Reads only; every document listed passes ``documents.readable`` (a confidential one
shows only to the people named on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from docflow.accounts.models_user import Role, User, UserRole
from docflow.accounts.permissions import Principal, readable_agency_ids
from docflow.core.db import AsyncSession
from docflow.documents.documents import readable
from docflow.documents.models import Document, DocumentState

__all__ = ["DocumentSummary", "Person", "list_documents", "people_of_agency", "person"]

DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class DocumentSummary:
    """One line of a document list."""

    id: int
    state: str
    document_type: str
    subject: str
    urgency: str
    confidentiality: str
    signer: str | None
    signer_name: str | None
    symbol: str | None
    created_at: datetime
    issued_at: datetime | None


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    full_name: str


async def list_documents(
    session: AsyncSession,
    principal: Principal,
    *,
    states: tuple[DocumentState, ...],
    signer_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[DocumentSummary]:
    """Documents of the caller's agency (every agency's for a province auditor) in
    ``states`` (newest first), only those the caller may read; ``signer_id`` narrows to
    one signer's documents."""
    query = (
        select(Document, User)
        .join(User, col(User.id) == Document.signer_id)
        .where(col(Document.state).in_([s.value for s in states]))
        .order_by(col(Document.id).desc())
        .limit(limit)
    )
    if readable_agency_ids(principal, Role.AUDITOR) is not None:
        query = query.where(Document.agency_id == principal.agency_id)
    if signer_id is not None:
        query = query.where(Document.signer_id == signer_id)
    rows = (await session.exec(query)).all()
    return [
        DocumentSummary(
            id=doc.id,  # type: ignore[arg-type]
            state=doc.state,
            document_type=doc.document_type,
            subject=doc.subject,
            urgency=doc.urgency,
            confidentiality=doc.confidentiality,
            signer=signer.username,
            signer_name=signer.full_name,
            symbol=doc.symbol,
            created_at=doc.created_at,
            issued_at=doc.issued_at,
        )
        for doc, signer in rows
        if readable(principal, doc)
    ]


async def people_of_agency(
    session: AsyncSession, agency_id: int, role: Role | None = None
) -> list[Person]:
    """Active people of ``agency_id`` (holding ``role`` if given), by name; for choosing
    a signer or an assignee within one's own agency (a deactivated leader cannot sign)."""
    query = (
        select(User)
        .where(User.agency_id == agency_id, col(User.is_active).is_(True))
        .order_by(col(User.full_name))
    )
    if role is not None:
        query = query.join(UserRole, col(UserRole.user_id) == User.id).where(
            UserRole.role == role.value
        )
    users = (await session.exec(query)).all()
    return [Person(u.id, u.username, u.full_name) for u in users]  # type: ignore[arg-type]


async def person(session: AsyncSession, user_id: int) -> Person | None:
    user = await session.get(User, user_id)
    return Person(user.id, user.username, user.full_name) if user else None  # type: ignore[arg-type]
