"""The incoming register (sổ đăng ký văn bản đến): accepted transfers by incoming number.

Columns of the paper register clerks keep: date received, incoming number, sending agency,
number/symbol, document date, type and summary, unit/person handling, date forwarded,
notes. A recalled document stays in the register with its note. Exports share the
outgoing register's CSV/XLSX writers' conventions (UTF-8 BOM, Vietnamese headers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.models_agency import Agency, Department
from docflow.accounts.models_user import Role, User
from docflow.accounts.permissions import Principal, readable_agency_ids
from docflow.core.db import AsyncSession
from docflow.documents.doctypes import DOCUMENT_TYPES
from docflow.documents.models import Document
from docflow.documents.numbering import VIETNAM
from docflow.documents.register_export import table_to_csv, table_to_xlsx
from docflow.documents.registers import HIDDEN_SUBJECT
from docflow.transfers.models import Transfer

__all__ = ["INCOMING_HEADERS", "IncomingRow", "incoming_register", "to_csv", "to_xlsx"]

#: Vietnamese column headers (English in the comments).
INCOMING_HEADERS = (
    "Ngày đến",  # date received
    "Số đến",  # incoming number
    "Tác giả (cơ quan gửi)",  # sending agency
    "Số, ký hiệu văn bản",  # number and symbol
    "Ngày tháng văn bản",  # document date
    "Tên loại và trích yếu nội dung văn bản",  # type and summary
    "Đơn vị hoặc người nhận",  # unit/person handling
    "Ngày chuyển",  # date forwarded
    "Ghi chú",  # notes
)


@dataclass(frozen=True)
class IncomingRow:
    transfer_id: int
    document_id: int
    date_received: str
    incoming_number: int
    sender: str
    symbol: str
    document_date: str
    type_and_summary: str
    handled_by: str
    date_forwarded: str
    status: str
    notes: str
    #: The sender's identifier code (the page shows the name, the code on hover).
    sender_code: str = ""

    def cells(self) -> tuple[object, ...]:
        return (
            self.date_received, self.incoming_number, self.sender, self.symbol,
            self.document_date, self.type_and_summary, self.handled_by, self.date_forwarded,
            self.notes,
        )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _date(value: datetime | None) -> str:
    return value.astimezone(VIETNAM).strftime("%d/%m/%Y") if value else ""


async def incoming_register(
    session: AsyncSession, principal: Principal, agency_id: int | None, year: int
) -> list[IncomingRow]:
    """The incoming register of ``agency_id`` (default: the caller's) for ``year``."""
    target = agency_id if agency_id is not None else principal.agency_id
    audited = readable_agency_ids(principal, Role.AUDITOR)
    if target != principal.agency_id and not (audited is None or target in audited):
        await deny(session, principal, action="register.read", subject_type="agency",
                   subject_id=target, message="You may read the register of your own agency only.")
    query = (
        select(Transfer, Document, Agency)
        .join(Document, col(Document.id) == Transfer.document_id)
        .join(Agency, col(Agency.id) == Transfer.sender_agency_id)
        .where(Transfer.recipient_agency_id == target, Transfer.incoming_year == year)
        .order_by(col(Transfer.incoming_number))
    )
    rows = (await session.exec(query)).all()
    departments = {
        d.id: d.name
        for d in (
            await session.exec(select(Department).where(Department.agency_id == target))
        ).all()
    }
    user_ids = [t.assigned_user_id for t, _, _ in rows if t.assigned_user_id]
    users = {
        u.id: u.full_name
        for u in (
            await session.exec(select(User).where(col(User.id).in_(user_ids)))
        ).all()
    } if user_ids else {}
    result: list[IncomingRow] = []
    for transfer, document, sender in rows:
        kind = DOCUMENT_TYPES[document.document_type].name
        summary = document.subject if document.confidentiality == "none" else HIDDEN_SUBJECT
        handled = [
            departments.get(transfer.assigned_department_id, "")
            if transfer.assigned_department_id else "",
            users.get(transfer.assigned_user_id, "") if transfer.assigned_user_id else "",
        ]
        result.append(
            IncomingRow(
                transfer_id=transfer.id,  # type: ignore[arg-type]
                document_id=document.id,  # type: ignore[arg-type]
                date_received=_date(transfer.arrived_at),
                incoming_number=transfer.incoming_number,  # type: ignore[arg-type]
                sender=sender.name,
                symbol=document.symbol or "",
                document_date=_date(document.issued_at),
                type_and_summary=f"{kind}: {summary}",
                handled_by=" - ".join(h for h in handled if h),
                date_forwarded=_date(transfer.assigned_at),
                status=transfer.status,
                notes=transfer.notes or "",
                sender_code=transfer.sender_code,
            )
        )
    return result


def to_csv(rows: list[IncomingRow]) -> bytes:
    return table_to_csv(INCOMING_HEADERS, (row.cells() for row in rows))


def to_xlsx(rows: list[IncomingRow], title: str) -> bytes:
    return table_to_xlsx(
        INCOMING_HEADERS,
        (row.cells() for row in rows),
        title=title,
        sheet_title="So van ban den",
        widths=(12, 8, 30, 18, 14, 50, 26, 12, 30),
    )
