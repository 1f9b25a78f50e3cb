"""The parsed tree → the package model, leniently, as peers on the axis read it.

Elements are found by local name whatever their namespace or prefix; their order
does not matter (``Bussiness`` before or after ``TraceHeader``); values are trimmed.
A value that cannot be read (a date not written yyyy/MM/dd, a number that is not one)
becomes ``None`` and a coded problem naming the element.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from docflow.exchange.edxml.content import AttachmentContent, Spool
from docflow.exchange.edxml.messages import Problem, problem
from docflow.exchange.edxml.model import (
    Attachment,
    Business,
    Code,
    DocumentPackage,
    DocumentType,
    Organization,
    OtherInfo,
    Package,
    PromulgationInfo,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
)
from docflow.exchange.edxml.values import parse_date, parse_integer, parse_timestamp

__all__ = ["Reader", "child", "children", "local_name"]

T = TypeVar("T")


def local_name(element: Any) -> str | None:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else None


def child(element: Any | None, name: str) -> Any | None:
    if element is None:
        return None
    for item in element:
        if local_name(item) == name:
            return item
    return None


def children(element: Any | None, name: str) -> list[Any]:
    if element is None:
        return []
    return [item for item in element if local_name(item) == name]


def text(element: Any | None, name: str) -> str | None:
    found = child(element, name)
    if found is None:
        return None
    value = "".join(found.itertext()).strip()
    return value or None


class Reader:
    """Reads one package's header; collects what could not be read in ``problems``."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def _typed(
        self, element: Any, name: str, where: str, parse: Callable[[str], T | None], code: str
    ) -> T | None:
        raw = text(element, name)
        if raw is None:
            return None
        value = parse(raw)
        if value is None:
            self.problems.append(problem(code, where=f"{where}/{name}", value=raw))
        return value

    def date(self, element: Any, name: str, where: str) -> date | None:
        return self._typed(element, name, where, parse_date, "date_unparseable")

    def timestamp(self, element: Any, name: str, where: str) -> datetime | None:
        return self._typed(element, name, where, parse_timestamp, "timestamp_unparseable")

    def integer(self, element: Any, name: str, where: str) -> int | None:
        return self._typed(element, name, where, parse_integer, "number_unparseable")

    # --- the header ---

    def organization(self, element: Any | None) -> Organization:
        return Organization(
            organ_id=text(element, "OrganId") or "",
            name=text(element, "OrganName"),
            organization_in_charge=text(element, "OrganizationInCharge"),
            address=text(element, "OrganAdd"),
            email=text(element, "Email"),
            telephone=text(element, "Telephone"),
            fax=text(element, "Fax"),
            website=text(element, "Website"),
        )

    def response_for(self, element: Any, where: str) -> ResponseFor:
        return ResponseFor(
            organ_id=text(element, "OrganId"),
            code=text(element, "Code"),
            promulgation_date=self.date(element, "PromulgationDate", where),
            document_id=text(element, "DocumentId"),
        )

    def document(self, message: Any, header: Any, attachments: list[Attachment]) -> DocumentPackage:
        h = "MessageHeader"
        other, response = child(message, "OtherInfo"), child(message, "ResponseFor")
        return DocumentPackage(
            sender=self.organization(child(message, "From")),
            recipients=tuple(self.organization(e) for e in children(message, "To")),
            document_id=text(message, "DocumentId"),
            code=_code(child(message, "Code")),
            promulgation=self.promulgation(child(message, "PromulgationInfo"), h),
            document_type=_document_type(child(message, "DocumentType")),
            subject=text(message, "Subject"),
            content=text(message, "Content"),
            signer=_signer(child(message, "SignerInfo")),
            due_date=self.date(message, "DueDate", h),
            to_places=_texts(child(message, "ToPlaces"), "Place"),
            other_info=None if other is None else self.other_info(other, f"{h}/OtherInfo"),
            steering_type=text(message, "SteeringType"),
            response_for=None
            if response is None
            else self.response_for(response, f"{h}/ResponseFor"),
            trace=self.trace(child(header, "TraceHeaderList")),
            attachments=tuple(attachments),
        )

    def promulgation(self, element: Any | None, where: str) -> PromulgationInfo | None:
        if element is None:
            return None
        when = self.date(element, "PromulgationDate", f"{where}/PromulgationInfo")
        return PromulgationInfo(place=text(element, "Place"), date=when)

    def other_info(self, element: Any, where: str) -> OtherInfo:
        direction = text(element, "Direction")
        return OtherInfo(
            priority=self.integer(element, "Priority", where),
            sphere_of_promulgation=text(element, "SphereOfPromulgation"),
            typer_notation=text(element, "TyperNotation"),
            promulgation_amount=self.integer(element, "PromulgationAmount", where),
            page_amount=self.integer(element, "PageAmount", where),
            direction=None if direction is None else direction.lower() in ("true", "1"),
            appendixes=_texts(child(element, "Appendixes"), "Appendix"),
        )

    def status(self, message: Any, header: Any) -> StatusPackage:
        h = "MessageHeader"
        staff = child(message, "StaffInfo")
        return StatusPackage(
            sender=self.organization(child(message, "From")),
            response_for=self.response_for(child(message, "ResponseFor"), f"{h}/ResponseFor"),
            status_code=text(message, "StatusCode") or "",
            description=text(message, "Description"),
            timestamp=self.timestamp(message, "Timestamp", h),
            staff=None if staff is None else _staff(staff),
            trace=self.trace(child(header, "TraceHeaderList")),
        )

    def trace(self, element: Any | None) -> TraceHeaderList | None:
        if element is None:
            return None
        base = "TraceHeaderList"
        hops = tuple(
            TraceHeader(
                organ_id=text(hop, "OrganId") or "",
                timestamp=self.timestamp(hop, "Timestamp", f"{base}/TraceHeader[{index}]"),
            )
            for index, hop in enumerate(children(element, "TraceHeader"), start=1)
        )
        found = child(element, "Bussiness")
        return TraceHeaderList(
            traces=hops, business=None if found is None else self.business(found)
        )

    def business(self, element: Any) -> Business:
        staff = child(element, "StaffInfo")
        replacements = children(child(element, "ReplacementInfoList"), "ReplacementInfo")
        return Business(
            doc_type=self.integer(element, "BussinessDocType", "TraceHeaderList/Bussiness"),
            reason=text(element, "BussinessDocReason"),
            paper=text(element, "Paper"),
            document_id=text(element, "DocumentId"),
            staff=None if staff is None else _staff(staff),
            replacements=tuple(
                ReplacementInfo(
                    document_id=text(item, "DocumentId") or "",
                    organ_ids=_texts(child(item, "OrganIdList"), "OrganId"),
                )
                for item in replacements
            ),
        )

    # --- attachments ---

    def attachments(self, root: Any, envelope: Any, slots: list[Spool | None]) -> list[Attachment]:
        """The attached files, matching each to its manifest reference by ContentId."""
        manifest = child(child(envelope, "edXMLBody"), "edXMLManifest")
        references = {text(r, "ContentId") or "": r for r in children(manifest, "Reference")}
        items = [a for e in children(root, "AttachmentEncoded") for a in children(e, "Attachment")]
        found: list[Attachment] = []
        for index, (item, spool) in enumerate(zip(items, slots, strict=True), start=1):
            where = f"AttachmentEncoded/Attachment[{index}]"
            content_id = text(item, "ContentId") or ""
            reference = references.pop(content_id, None)
            if reference is None:
                self.problems.append(
                    problem("attachment_unreferenced", where=where, content_id=content_id)
                )
            if spool is None:
                self.problems.append(
                    problem("missing_element", where=f"{where}/ContentTransferEncoded")
                )
                continue
            found.append(_attachment(item, reference, content_id, spool.finish()))
        for content_id in references:
            self.problems.append(
                problem(
                    "reference_without_attachment", where="edXMLManifest", content_id=content_id
                )
            )
        return found


def _attachment(
    item: Any, reference: Any | None, content_id: str, content: AttachmentContent
) -> Attachment:
    def field(name: str) -> str | None:
        return text(item, name) or text(reference, name)

    return Attachment(
        content_id=content_id,
        name=field("AttachmentName") or "",
        content_type=field("ContentType") or "",
        content=content,
        description=field("Description"),
    )


def _code(element: Any | None) -> Code | None:
    if element is None:
        return None
    return Code(number=text(element, "CodeNumber"), notation=text(element, "CodeNotation"))


def _document_type(element: Any | None) -> DocumentType | None:
    if element is None:
        return None
    return DocumentType(
        type=text(element, "Type"),
        detail=text(element, "TypeDetail"),
        name=text(element, "TypeName"),
    )


def _signer(element: Any | None) -> SignerInfo | None:
    if element is None:
        return None
    return SignerInfo(
        competence=text(element, "Competence"),
        position=text(element, "Position"),
        full_name=text(element, "FullName"),
    )


def _staff(element: Any) -> StaffInfo:
    return StaffInfo(
        department=text(element, "Department"),
        staff=text(element, "Staff"),
        email=text(element, "Email"),
        mobile=text(element, "Mobile"),
    )


def _texts(element: Any | None, name: str) -> tuple[str, ...]:
    values = ("".join(e.itertext()).strip() for e in children(element, name))
    return tuple(v for v in values if v)


def read_model(
    root: Any, envelope: Any, header: Any, message: Any, slots: list[Spool | None]
) -> tuple[Package, list[Problem]]:
    """The package in the tree, and what could not be read."""
    reader = Reader()
    package: Package
    if child(message, "StatusCode") is not None:
        package = reader.status(message, header)
    else:
        attachments = reader.attachments(root, envelope, slots)
        package = reader.document(message, header, attachments)
    return package, reader.problems
