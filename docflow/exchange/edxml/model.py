"""An edXML package as data: a document package or a status package.

Every class is a frozen dataclass named after what it is; each field's docstring names
the element it becomes. Optional fields are ``None`` (or empty) when the element is
absent: packages from other systems omit much, and the parser keeps what it finds.
``checks.check_package`` says which missing elements make a package unacceptable.

Text values are kept as written, trimmed of surrounding whitespace; dates are
``datetime.date``; times are zone-aware ``datetime`` (written in Vietnam time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum
from types import MappingProxyType

from docflow.exchange.edxml.content import AttachmentContent
from docflow.exchange.edxml.values import format_date

__all__ = [
    "NAMESPACE",
    "STATUS_CODES",
    "Attachment",
    "Business",
    "BusinessDocType",
    "Code",
    "DocumentPackage",
    "DocumentType",
    "OtherInfo",
    "Organization",
    "Package",
    "Priority",
    "PromulgationInfo",
    "ReplacementInfo",
    "ResponseFor",
    "SignerInfo",
    "StaffInfo",
    "StatusCode",
    "StatusPackage",
    "TraceHeader",
    "TraceHeaderList",
    "make_document_id",
]

#: The namespace of QCVN 102:2016 elements.
NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


class StatusCode(StrEnum):
    """Status codes a status package carries, as systems on the national axis use them."""

    ARRIVED = "01"
    REFUSED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    IN_PROGRESS = "05"
    COMPLETED = "06"
    RECALL_REQUESTED = "13"
    RECALL_AGREED = "15"
    RECALL_REFUSED = "16"


#: code -> (Vietnamese, English) meaning; kept as data, as the axis defines it.
STATUS_CODES: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        "01": ("Đã đến (phần mềm đã nhận, văn thư chưa xử lý)", "arrived, not yet handled"),
        "02": ("Từ chối tiếp nhận", "refused"),
        "03": ("Đã tiếp nhận, vào sổ văn bản đến", "accepted and registered"),
        "04": ("Lãnh đạo: Phân công xử lý", "assigned for handling by the leader"),
        "05": ("Đang xử lý văn bản đến", "being handled"),
        "06": ("Đã hoàn thành xử lý", "handling finished"),
        "13": ("Yêu cầu lấy lại văn bản", "the sender asks to take it back"),
        "15": ("Đồng ý lấy lại/cập nhật", "take-back or update agreed"),
        "16": ("Từ chối lấy lại/cập nhật", "take-back or update refused"),
    }
)


class Priority(IntEnum):
    """``OtherInfo/Priority``."""

    NORMAL = 0
    KHAN = 1
    THUONG_KHAN = 2
    HOA_TOC = 3
    HOA_TOC_TIMED = 4


class BusinessDocType(IntEnum):
    """``Bussiness/BussinessDocType``: what the package does to the document."""

    NEW = 0
    RECALL = 1
    UPDATE = 2
    REPLACE = 3


@dataclass(frozen=True)
class Organization:
    """``From`` or one ``To``: an agency and its directory data."""

    organ_id: str
    """``OrganId``: the agency identifier code (``000.00.00.H30``); empty if absent."""
    name: str | None = None
    """``OrganName``."""
    organization_in_charge: str | None = None
    """``OrganizationInCharge``: the governing body."""
    address: str | None = None
    """``OrganAdd``."""
    email: str | None = None
    """``Email``."""
    telephone: str | None = None
    """``Telephone``."""
    fax: str | None = None
    """``Fax``."""
    website: str | None = None
    """``Website``."""


@dataclass(frozen=True)
class Code:
    """``Code``: the document's number and notation (số, ký hiệu)."""

    number: str | None = None
    """``CodeNumber`` (e.g. ``"123"``)."""
    notation: str | None = None
    """``CodeNotation`` (e.g. ``"QĐ-UBND"``)."""

    @property
    def text(self) -> str:
        """``number/notation`` as printed on the document."""
        return "/".join(part for part in (self.number, self.notation) if part)


@dataclass(frozen=True)
class PromulgationInfo:
    """``PromulgationInfo``: where and when the document was issued."""

    place: str | None = None
    """``Place``."""
    date: date | None = None
    """``PromulgationDate``."""


@dataclass(frozen=True)
class DocumentType:
    """``DocumentType``: codes kept as written (docflow derives no meaning from them)."""

    type: str | None = None
    """``Type``."""
    detail: str | None = None
    """``TypeDetail``."""
    name: str | None = None
    """``TypeName`` (e.g. ``"Quyết định"``)."""


@dataclass(frozen=True)
class SignerInfo:
    """``SignerInfo``: who signed the document."""

    competence: str | None = None
    """``Competence`` (``"KT. CHỦ TỊCH"``, ``"TL. GIÁM ĐỐC"``)."""
    position: str | None = None
    """``Position``."""
    full_name: str | None = None
    """``FullName``."""


@dataclass(frozen=True)
class OtherInfo:
    """``OtherInfo``."""

    priority: int | None = None
    """``Priority``: 0 normal .. 4 hỏa tốc with a set time (:class:`Priority`)."""
    sphere_of_promulgation: str | None = None
    """``SphereOfPromulgation``."""
    typer_notation: str | None = None
    """``TyperNotation``: initials of the typist."""
    promulgation_amount: int | None = None
    """``PromulgationAmount``: number of copies."""
    page_amount: int | None = None
    """``PageAmount``."""
    direction: bool | None = None
    """``Direction`` (``true``/``false``)."""
    appendixes: tuple[str, ...] = ()
    """``Appendixes/Appendix``: titles of the appendices."""


@dataclass(frozen=True)
class ResponseFor:
    """``ResponseFor``: the document a reply or a status answers."""

    organ_id: str | None = None
    """``OrganId``: the agency that issued that document."""
    code: str | None = None
    """``Code``: its ``number/notation``."""
    promulgation_date: date | None = None
    """``PromulgationDate``."""
    document_id: str | None = None
    """``DocumentId``."""


@dataclass(frozen=True)
class StaffInfo:
    """``StaffInfo``: the person who handled it."""

    department: str | None = None
    """``Department``."""
    staff: str | None = None
    """``Staff``: the person's name."""
    email: str | None = None
    """``Email``."""
    mobile: str | None = None
    """``Mobile``."""


@dataclass(frozen=True)
class TraceHeader:
    """``TraceHeader``: one hop of the package."""

    organ_id: str
    """``OrganId``."""
    timestamp: datetime | None = None
    """``Timestamp``."""


@dataclass(frozen=True)
class ReplacementInfo:
    """``ReplacementInfoList/ReplacementInfo``: a document this one replaces or updates."""

    document_id: str
    """``DocumentId``."""
    organ_ids: tuple[str, ...] = ()
    """``OrganIdList/OrganId``: the agencies concerned."""


@dataclass(frozen=True)
class Business:
    """``Bussiness`` (spelt so by the regulation)."""

    doc_type: int | None = None
    """``BussinessDocType``: 0 new, 1 recall, 2 update, 3 replace (:class:`BusinessDocType`)."""
    reason: str | None = None
    """``BussinessDocReason``."""
    paper: str | None = None
    """``Paper``: whether a paper copy follows (kept as written, ``"0"``/``"1"``)."""
    document_id: str | None = None
    """``DocumentId``: the document recalled, updated or replaced."""
    staff: StaffInfo | None = None
    """``StaffInfo``."""
    replacements: tuple[ReplacementInfo, ...] = ()
    """``ReplacementInfoList``."""


@dataclass(frozen=True)
class TraceHeaderList:
    """``TraceHeaderList``: hops, and the business type of the package."""

    traces: tuple[TraceHeader, ...] = ()
    """``TraceHeader`` elements, in order."""
    business: Business | None = None
    """``Bussiness``."""


@dataclass(frozen=True)
class Attachment:
    """One attached file: a ``Reference`` in the manifest and an ``Attachment`` element."""

    content_id: str
    """``ContentId``, unique in the package (e.g. ``"cid:<uuid>"``)."""
    name: str
    """``AttachmentName``: the file name."""
    content_type: str
    """``ContentType``: ``application/pdf`` for the signed document; peers zip other
    files and declare ``application/zip``."""
    content: AttachmentContent
    """The bytes (``ContentTransferEncoded``, base64 in the package)."""
    description: str | None = None
    """``Description``."""


@dataclass(frozen=True)
class DocumentPackage:
    """A document package: the document's metadata and its attached files."""

    sender: Organization
    """``From``."""
    recipients: tuple[Organization, ...]
    """``To``, one per recipient agency."""
    document_id: str | None = None
    """``DocumentId``: ``organId,yyyy/MM/dd,number/notation`` (:func:`make_document_id`)."""
    code: Code | None = None
    """``Code``."""
    promulgation: PromulgationInfo | None = None
    """``PromulgationInfo``."""
    document_type: DocumentType | None = None
    """``DocumentType``."""
    subject: str | None = None
    """``Subject``: the summary (trích yếu); the axis accepts at most 500 characters."""
    content: str | None = None
    """``Content``."""
    signer: SignerInfo | None = None
    """``SignerInfo``."""
    due_date: date | None = None
    """``DueDate``."""
    to_places: tuple[str, ...] = ()
    """``ToPlaces/Place``: the recipients as printed on the document (nơi nhận)."""
    other_info: OtherInfo | None = None
    """``OtherInfo``."""
    steering_type: str | None = None
    """``SteeringType``, kept as written."""
    response_for: ResponseFor | None = None
    """``ResponseFor``: for a reply, the document it answers."""
    trace: TraceHeaderList | None = None
    """``TraceHeaderList``."""
    attachments: tuple[Attachment, ...] = ()
    """The attached files, the signed main document first."""


@dataclass(frozen=True)
class StatusPackage:
    """A status package: what a recipient did with a document (or a recall request)."""

    sender: Organization
    """``From``: the agency reporting the status."""
    response_for: ResponseFor
    """``ResponseFor``: the document the status is about."""
    status_code: str
    """``StatusCode``: one of :data:`STATUS_CODES` (:class:`StatusCode`)."""
    description: str | None = None
    """``Description`` (e.g. ``"Lãnh đạo: Phân công xử lý"``)."""
    timestamp: datetime | None = None
    """``Timestamp``: when the status was reached."""
    staff: StaffInfo | None = None
    """``StaffInfo``."""
    trace: TraceHeaderList | None = None
    """``TraceHeaderList``, when the sender adds one."""


Package = DocumentPackage | StatusPackage


def make_document_id(organ_id: str, issued: date, number: str | None, notation: str) -> str:
    """``DocumentId`` as the axis builds it: ``organId,yyyy/MM/dd,number/notation``."""
    code = f"{number}/{notation}" if number else notation
    return f"{organ_id},{format_date(issued)},{code}"
