"""The rules a package must meet on the national axis, each broken rule a coded problem.

``check_package`` takes a package built in code or one the parser read; for a parsed
package it adds what reading found (a date that could not be read, a number that is
not one). It never raises: an empty result means the package may be sent or accepted.

The rules: the required elements are present; ``Subject`` has at most 500 characters;
no recipient is repeated; every ``OrganId`` has the agency-code shape; ``DocumentId``
is ``organId,yyyy/MM/dd,number/notation``; priorities, business types and status
codes are among the defined values; times carry a zone; attachments match the
manifest. Dates that could not be read are reported by the parser with the element
they came from (see ``parse``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from docflow.exchange.edxml.messages import Problem, problem
from docflow.exchange.edxml.model import (
    STATUS_CODES,
    Attachment,
    BusinessDocType,
    DocumentPackage,
    Organization,
    Package,
    StatusPackage,
    TraceHeaderList,
)
from docflow.exchange.edxml.values import is_organ_id, parse_date

if TYPE_CHECKING:
    from docflow.exchange.edxml.parse import ParsedPackage

__all__ = ["MAX_SUBJECT_CHARS", "check_package", "is_organ_id"]

#: The longest ``Subject`` checkers on the axis accept.
MAX_SUBJECT_CHARS = 500

_MAGIC = {"application/pdf": (b"%PDF-",), "application/zip": (b"PK\x03\x04", b"PK\x05\x06")}


def check_package(package: Package | ParsedPackage) -> tuple[Problem, ...]:
    """Every rule ``package`` breaks (errors and warnings), in document order."""
    found: list[Problem] = []
    model: Package
    if isinstance(package, DocumentPackage | StatusPackage):
        model = package
    else:
        found.extend(package.problems)
        model = package.package
    if isinstance(model, DocumentPackage):
        found.extend(_document_rules(model))
    else:
        found.extend(_status_rules(model))
    return tuple(found)


def _document_rules(pkg: DocumentPackage) -> Iterator[Problem]:
    h = "MessageHeader"
    yield from _organization(pkg.sender, f"{h}/From", need_name=True)
    if not pkg.recipients:
        yield problem("missing_element", where=f"{h}/To")
    for index, recipient in enumerate(pkg.recipients, start=1):
        yield from _organization(recipient, f"{h}/To[{index}]", need_name=False)
    counts = Counter(r.organ_id for r in pkg.recipients if r.organ_id)
    for organ_id, count in counts.items():
        if count > 1:
            yield problem("duplicate_recipient", where=f"{h}/To", organ_id=organ_id)
    yield from _document_id(pkg.document_id, f"{h}/DocumentId", sender=pkg.sender.organ_id)
    code = pkg.code
    if code is None or not code.notation:
        yield problem("missing_element", where=f"{h}/Code/CodeNotation")
    if pkg.promulgation is None or pkg.promulgation.date is None:
        yield problem("missing_element", where=f"{h}/PromulgationInfo/PromulgationDate")
    if pkg.document_type is None or not (pkg.document_type.type or pkg.document_type.name):
        yield problem("missing_element", where=f"{h}/DocumentType")
    if not pkg.subject:
        yield problem("missing_element", where=f"{h}/Subject")
    elif len(pkg.subject) > MAX_SUBJECT_CHARS:
        yield problem(
            "subject_too_long",
            where=f"{h}/Subject",
            length=len(pkg.subject),
            limit=MAX_SUBJECT_CHARS,
        )
    if pkg.signer is None or not pkg.signer.full_name:
        yield problem("missing_element", where=f"{h}/SignerInfo/FullName")
    priority = pkg.other_info.priority if pkg.other_info else None
    if priority is not None and not 0 <= priority <= 4:
        yield problem("priority_out_of_range", where=f"{h}/OtherInfo/Priority", value=priority)
    if pkg.response_for is not None:
        yield from _organ_id(pkg.response_for.organ_id, f"{h}/ResponseFor/OrganId", need=False)
    yield from _trace(pkg.trace)
    yield from _attachments(pkg)


def _status_rules(pkg: StatusPackage) -> Iterator[Problem]:
    h = "MessageHeader"
    yield from _organization(pkg.sender, f"{h}/From", need_name=False)
    rf = pkg.response_for
    yield from _organ_id(rf.organ_id, f"{h}/ResponseFor/OrganId", need=True)
    yield from _document_id(rf.document_id, f"{h}/ResponseFor/DocumentId", sender=None)
    if not pkg.status_code:
        yield problem("missing_element", where=f"{h}/StatusCode")
    elif pkg.status_code not in STATUS_CODES:
        known = ", ".join(STATUS_CODES)
        yield problem(
            "status_code_unknown", where=f"{h}/StatusCode", value=pkg.status_code, known=known
        )
    yield from _timestamp(pkg.timestamp, f"{h}/Timestamp", need=True)
    yield from _trace(pkg.trace)


def _organization(org: Organization, where: str, *, need_name: bool) -> Iterator[Problem]:
    yield from _organ_id(org.organ_id, f"{where}/OrganId", need=True)
    if need_name and not org.name:
        yield problem("missing_element", where=f"{where}/OrganName")


def _organ_id(value: str | None, where: str, *, need: bool) -> Iterator[Problem]:
    if not value:
        if need:
            yield problem("missing_element", where=where)
    elif not is_organ_id(value):
        yield problem("organ_id_malformed", where=where, value=value)


def _document_id(value: str | None, where: str, *, sender: str | None) -> Iterator[Problem]:
    if not value:
        yield problem("missing_element", where=where)
        return
    parts = value.split(",", 2)
    if (
        len(parts) != 3
        or not is_organ_id(parts[0].strip())
        or parse_date(parts[1]) is None
        or not parts[2].strip()
    ):
        yield problem("document_id_malformed", where=where, value=value)
        return
    named = parts[0].strip()
    if sender and is_organ_id(sender) and named != sender:
        yield problem("document_id_other_sender", where=where, named=named, sender=sender)


def _timestamp(value: datetime | None, where: str, *, need: bool) -> Iterator[Problem]:
    if value is None:
        if need:
            yield problem("missing_element", where=where)
    elif value.tzinfo is None:
        yield problem("timestamp_without_zone", where=where)


def _trace(trace: TraceHeaderList | None) -> Iterator[Problem]:
    if trace is None:
        return
    base = "TraceHeaderList"
    for index, hop in enumerate(trace.traces, start=1):
        yield from _organ_id(hop.organ_id, f"{base}/TraceHeader[{index}]/OrganId", need=True)
        yield from _timestamp(hop.timestamp, f"{base}/TraceHeader[{index}]/Timestamp", need=False)
    business = trace.business
    doc_type = business.doc_type if business is not None else None
    if doc_type is not None and doc_type not in set(BusinessDocType):
        yield problem(
            "business_type_out_of_range",
            where=f"{base}/Bussiness/BussinessDocType",
            value=doc_type,
        )


def _attachments(pkg: DocumentPackage) -> Iterator[Problem]:
    business = pkg.trace.business if pkg.trace else None
    is_new = business is None or business.doc_type in (None, BusinessDocType.NEW)
    if not pkg.attachments and is_new:
        yield problem("attachment_missing", where="AttachmentEncoded")
    counts = Counter(a.content_id for a in pkg.attachments)
    for content_id, count in counts.items():
        if count > 1:
            yield problem(
                "attachment_duplicate_id", where="AttachmentEncoded", content_id=content_id
            )
    for index, attachment in enumerate(pkg.attachments, start=1):
        yield from _attachment(attachment, f"AttachmentEncoded/Attachment[{index}]")


def _attachment(attachment: Attachment, where: str) -> Iterator[Problem]:
    for name, value in (
        ("ContentId", attachment.content_id),
        ("AttachmentName", attachment.name),
        ("ContentType", attachment.content_type),
    ):
        if not value:
            yield problem("missing_element", where=f"{where}/{name}")
    declared = attachment.content_type.split(";", 1)[0].strip().lower()
    magic = _MAGIC.get(declared)
    if magic is not None and attachment.content.size:
        with attachment.content.open() as handle:
            head = handle.read(8)
        if not head.startswith(magic):
            yield problem(
                "attachment_type_mismatch",
                where=f"{where}/ContentType",
                content_id=attachment.content_id,
                declared=declared,
            )
