"""The outgoing register (sổ đăng ký văn bản đi): listing, filters, CSV/XLSX export.

Columns of the paper register clerks keep: number/symbol, date, type and summary,
signer, recipients, file copy holder, copies, date sent, notes. A confidential
document's summary is shown only to the people named on it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.accounts.models_user import Role, User
from docflow.accounts.permissions import Principal, readable_agency_ids
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.documents import readable
from docflow.documents.models import Document, RegisterEntry
from docflow.documents.numbering import VIETNAM
from docflow.documents.register_export import table_to_csv, table_to_xlsx

__all__ = ["HEADERS", "RegisterFilter", "RegisterRow", "outgoing_register", "to_csv", "to_xlsx"]

#: Vietnamese column headers (English in the comments).
HEADERS = (
    "Số, ký hiệu văn bản",  # number and symbol
    "Ngày tháng văn bản",  # date
    "Tên loại và trích yếu nội dung văn bản",  # type and summary
    "Người ký",  # signer
    "Nơi nhận văn bản",  # recipients
    "Đơn vị, người nhận bản lưu",  # file copy holder
    "Số lượng bản",  # copies
    "Ngày chuyển",  # date sent
    "Ghi chú",  # notes
)
HIDDEN_SUBJECT = "(Văn bản mật)"


@dataclass(frozen=True)
class RegisterFilter:
    year: int
    document_type: str | None = None
    urgency: str | None = None
    signer: str | None = None
    text: str | None = None
    series: str | None = None


@dataclass(frozen=True)
class RegisterRow:
    number: int
    symbol: str
    series: str
    date: str
    document_id: int
    document_type: str
    type_and_summary: str
    urgency: str
    signer: str
    #: The recipients' identifier codes, as the paper register and the exports carry them.
    recipients: str
    file_holder: str
    copies: int | None
    date_sent: str
    notes: str
    #: The recipients by name, for reading on the page (a code nobody is known by: itself).
    recipient_names: str = ""

    def cells(self) -> tuple[object, ...]:
        return (
            self.symbol,
            self.date,
            self.type_and_summary,
            self.signer,
            self.recipients,
            self.file_holder,
            self.copies if self.copies is not None else "",
            self.date_sent,
            self.notes,
        )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _date(value: datetime | None) -> str:
    return value.astimezone(VIETNAM).strftime("%d/%m/%Y") if value else ""


async def _names_by_code(session: AsyncSession, documents: list[Document]) -> dict[str, str]:
    codes = {code for document in documents for code in document.recipients}
    if not codes:
        return {}
    query = (
        select(AgencyCode.code, Agency.name)
        .join(Agency, col(Agency.id) == AgencyCode.agency_id)
        .where(col(AgencyCode.code).in_(codes))
    )
    return dict((await session.exec(query)).all())


def _register_query(target: int, flt: RegisterFilter) -> Any:
    """The register lines of agency ``target`` that ``flt`` keeps (all but the text)."""
    query = (
        select(RegisterEntry, Document, User)
        .join(Document, col(Document.id) == RegisterEntry.document_id)
        .join(User, col(User.id) == Document.signer_id)
        .where(RegisterEntry.agency_id == target, RegisterEntry.year == flt.year)
        .order_by(col(RegisterEntry.series), col(RegisterEntry.number))
    )
    if flt.document_type:
        query = query.where(Document.document_type == flt.document_type)
    if flt.urgency:
        query = query.where(Document.urgency == flt.urgency)
    if flt.signer:
        query = query.where(User.username == flt.signer.lower())
    if flt.series:
        query = query.where(RegisterEntry.series == flt.series)
    return query


async def outgoing_register(
    session: AsyncSession, principal: Principal, agency_id: int | None, flt: RegisterFilter
) -> list[RegisterRow]:
    """The register of ``agency_id`` (default: the caller's own) for ``flt.year``."""
    target = agency_id if agency_id is not None else principal.agency_id
    audited = readable_agency_ids(principal, Role.AUDITOR)
    if target != principal.agency_id and not (audited is None or target in audited):
        await deny(
            session,
            principal,
            action="register.read",
            subject_type="agency",
            subject_id=target,
            message="You may read the register of your own agency only.",
        )
    if flt.document_type is not None and flt.document_type not in DOCUMENT_TYPES:
        raise InvalidInput(f"document_type {flt.document_type!r} is not a Decree 30 type.")
    query = _register_query(target, flt)
    rows: list[RegisterRow] = []
    needle = flt.text.casefold() if flt.text else None
    found = (await session.exec(query)).all()
    names = await _names_by_code(session, [document for _, document, _ in found])
    for entry, document, signer in found:
        visible = readable(principal, document) or document.confidentiality == "none"
        if needle and (not visible or needle not in document.subject.casefold()):
            continue
        kind = DOCUMENT_TYPES[document.document_type].name
        summary = document.subject if visible else HIDDEN_SUBJECT
        rows.append(
            RegisterRow(
                number=entry.number,
                symbol=entry.symbol,
                series=entry.series,
                date=_date(entry.issued_at),
                document_id=document.id,
                document_type=document.document_type,
                type_and_summary=f"{kind}: {summary}",
                urgency=document.urgency,
                signer=signer.full_name,
                recipients=", ".join(document.recipients),
                file_holder=entry.file_holder or "",
                copies=entry.copies,
                date_sent=_date(entry.date_sent),
                notes=entry.notes or "",
                recipient_names="; ".join(names.get(c, c) for c in document.recipients),
            )
        )
    return rows


def to_csv(rows: list[RegisterRow]) -> bytes:
    return table_to_csv(HEADERS, (row.cells() for row in rows))


def to_xlsx(rows: list[RegisterRow], title: str) -> bytes:
    return table_to_xlsx(
        HEADERS,
        (row.cells() for row in rows),
        title=title,
        sheet_title="So van ban di",
        widths=(18, 14, 50, 24, 30, 20, 10, 14, 20),
    )
