"""The element tree of a package, in the layout peers on the axis read.

Layout (``edXML`` is the default namespace on the root; the envelope declares the
``edXML`` prefix for the same namespace, as the common Java library writes it)::

    edXML
      edXML:edXMLEnvelope
        edXML:edXMLHeader
          edXML:MessageHeader ...
          edXML:TraceHeaderList ...
          (ds:Signature, last, when signed)
        edXML:edXMLBody/edXML:edXMLManifest version="1.0"/edXML:Reference*   (documents)
      AttachmentEncoded/Attachment*                                          (documents)
        ContentId, AttachmentName, Description, ContentType,
        edXML:ContentTransferEncoded (base64; here a marker, see ``_splice``)

Elements whose value is ``None`` are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from docflow.exchange.edxml._splice import Markers
from docflow.exchange.edxml.errors import PackageInvalid
from docflow.exchange.edxml.messages import problem
from docflow.exchange.edxml.model import (
    NAMESPACE,
    Business,
    DocumentPackage,
    Organization,
    OtherInfo,
    Package,
    ResponseFor,
    StaffInfo,
    StatusPackage,
    TraceHeaderList,
)
from docflow.exchange.edxml.values import format_date, format_timestamp

__all__ = ["PackageTree", "package_tree"]

_EDXML_PREFIX = {"edXML": NAMESPACE}


def q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


@dataclass
class PackageTree:
    """The built tree, its ``edXMLHeader`` (where a signature goes) and the markers."""

    tree: Any
    header: Any
    markers: Markers


def package_tree(package: Package) -> PackageTree:
    """The tree of ``package``; raises :class:`PackageInvalid` for text XML cannot hold."""
    markers = Markers()
    root = etree.Element(q("edXML"), nsmap={None: NAMESPACE})
    envelope = etree.SubElement(root, q("edXMLEnvelope"), nsmap=_EDXML_PREFIX)
    header = etree.SubElement(envelope, q("edXMLHeader"))
    message = etree.SubElement(header, q("MessageHeader"))
    if isinstance(package, DocumentPackage):
        _document_header(message, package)
        _trace(header, package.trace)
        _manifest(envelope, package)
        _attachments(root, package, markers)
    elif isinstance(package, StatusPackage):
        _status_header(message, package)
        _trace(header, package.trace)
    else:  # a caller passing something else gets a clear error, not a broken package
        raise TypeError(f"not an edXML package: {type(package).__name__}")
    etree.indent(root, space="  ")
    return PackageTree(tree=etree.ElementTree(root), header=header, markers=markers)


def _leaf(parent: Any, name: str, value: str | None) -> None:
    if value is None:
        return
    element = etree.SubElement(parent, q(name))
    try:
        element.text = value
    except ValueError:
        where = f"{_path(parent)}/{name}"
        raise PackageInvalid(problem("text_not_xml", where=where)) from None


def _path(element: Any) -> str:
    """Where ``element`` is, as the checks name places (``MessageHeader/To``)."""
    names = [etree.QName(e).localname for e in (element, *element.iterancestors())][::-1][1:]
    if names[:2] == ["edXMLEnvelope", "edXMLHeader"]:
        names = names[2:]
    return "/".join(names)


def _time(value: datetime | None, where: str) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # reachable with check=False: refuse rather than guess a zone
        raise PackageInvalid(problem("timestamp_without_zone", where=where))
    return format_timestamp(value)


def _number(value: int | None) -> str | None:
    return None if value is None else str(value)


def _organization(parent: Any, tag: str, org: Organization) -> None:
    element = etree.SubElement(parent, q(tag))
    _leaf(element, "OrganId", org.organ_id)
    _leaf(element, "OrganizationInCharge", org.organization_in_charge)
    _leaf(element, "OrganName", org.name)
    _leaf(element, "OrganAdd", org.address)
    _leaf(element, "Email", org.email)
    _leaf(element, "Telephone", org.telephone)
    _leaf(element, "Fax", org.fax)
    _leaf(element, "Website", org.website)


def _document_header(message: Any, pkg: DocumentPackage) -> None:
    _organization(message, "From", pkg.sender)
    for recipient in pkg.recipients:
        _organization(message, "To", recipient)
    _leaf(message, "DocumentId", pkg.document_id)
    if pkg.code is not None:
        code = etree.SubElement(message, q("Code"))
        _leaf(code, "CodeNumber", pkg.code.number)
        _leaf(code, "CodeNotation", pkg.code.notation)
    if pkg.promulgation is not None:
        info = etree.SubElement(message, q("PromulgationInfo"))
        _leaf(info, "Place", pkg.promulgation.place)
        when = pkg.promulgation.date
        _leaf(info, "PromulgationDate", format_date(when) if when else None)
    if pkg.document_type is not None:
        kind = etree.SubElement(message, q("DocumentType"))
        _leaf(kind, "Type", pkg.document_type.type)
        _leaf(kind, "TypeDetail", pkg.document_type.detail)
        _leaf(kind, "TypeName", pkg.document_type.name)
    _leaf(message, "Subject", pkg.subject)
    _leaf(message, "Content", pkg.content)
    if pkg.signer is not None:
        signer = etree.SubElement(message, q("SignerInfo"))
        _leaf(signer, "Competence", pkg.signer.competence)
        _leaf(signer, "Position", pkg.signer.position)
        _leaf(signer, "FullName", pkg.signer.full_name)
    _leaf(message, "DueDate", format_date(pkg.due_date) if pkg.due_date else None)
    if pkg.to_places:
        _list(message, "ToPlaces", "Place", pkg.to_places)
    if pkg.other_info is not None:
        _other_info(message, pkg.other_info)
    _leaf(message, "SteeringType", pkg.steering_type)
    if pkg.response_for is not None:
        _response_for(message, pkg.response_for)


def _list(parent: Any, outer: str, inner: str, values: Iterable[str]) -> None:
    element = etree.SubElement(parent, q(outer))
    for value in values:
        _leaf(element, inner, value)


def _other_info(message: Any, other: OtherInfo) -> None:
    element = etree.SubElement(message, q("OtherInfo"))
    _leaf(element, "Priority", _number(other.priority))
    _leaf(element, "SphereOfPromulgation", other.sphere_of_promulgation)
    _leaf(element, "TyperNotation", other.typer_notation)
    _leaf(element, "PromulgationAmount", _number(other.promulgation_amount))
    _leaf(element, "PageAmount", _number(other.page_amount))
    if other.direction is not None:
        _leaf(element, "Direction", "true" if other.direction else "false")
    if other.appendixes:
        _list(element, "Appendixes", "Appendix", other.appendixes)


def _response_for(parent: Any, response: ResponseFor) -> None:
    element = etree.SubElement(parent, q("ResponseFor"))
    _leaf(element, "OrganId", response.organ_id)
    _leaf(element, "Code", response.code)
    when = response.promulgation_date
    _leaf(element, "PromulgationDate", format_date(when) if when else None)
    _leaf(element, "DocumentId", response.document_id)


def _staff(parent: Any, staff: StaffInfo) -> None:
    element = etree.SubElement(parent, q("StaffInfo"))
    _leaf(element, "Department", staff.department)
    _leaf(element, "Staff", staff.staff)
    _leaf(element, "Email", staff.email)
    _leaf(element, "Mobile", staff.mobile)


def _status_header(message: Any, pkg: StatusPackage) -> None:
    _organization(message, "From", pkg.sender)
    _response_for(message, pkg.response_for)
    if pkg.staff is not None:
        _staff(message, pkg.staff)
    _leaf(message, "StatusCode", pkg.status_code)
    _leaf(message, "Description", pkg.description)
    _leaf(message, "Timestamp", _time(pkg.timestamp, "MessageHeader/Timestamp"))


def _trace(header: Any, trace: TraceHeaderList | None) -> None:
    if trace is None:
        return
    element = etree.SubElement(header, q("TraceHeaderList"))
    for hop in trace.traces:
        item = etree.SubElement(element, q("TraceHeader"))
        _leaf(item, "OrganId", hop.organ_id)
        _leaf(item, "Timestamp", _time(hop.timestamp, "TraceHeaderList/TraceHeader/Timestamp"))
    if trace.business is not None:
        _business(element, trace.business)


def _business(parent: Any, business: Business) -> None:
    element = etree.SubElement(parent, q("Bussiness"))
    _leaf(element, "BussinessDocType", _number(business.doc_type))
    _leaf(element, "BussinessDocReason", business.reason)
    _leaf(element, "Paper", business.paper)
    _leaf(element, "DocumentId", business.document_id)
    if business.staff is not None:
        _staff(element, business.staff)
    if business.replacements:
        replacements = etree.SubElement(element, q("ReplacementInfoList"))
        for info in business.replacements:
            item = etree.SubElement(replacements, q("ReplacementInfo"))
            _leaf(item, "DocumentId", info.document_id)
            if info.organ_ids:
                _list(item, "OrganIdList", "OrganId", info.organ_ids)


def _manifest(envelope: Any, pkg: DocumentPackage) -> None:
    body = etree.SubElement(envelope, q("edXMLBody"))
    manifest = etree.SubElement(body, q("edXMLManifest"), version="1.0")
    for attachment in pkg.attachments:
        reference = etree.SubElement(manifest, q("Reference"))
        _leaf(reference, "ContentId", attachment.content_id)
        _leaf(reference, "ContentType", attachment.content_type)
        _leaf(reference, "Description", attachment.description)
        _leaf(reference, "AttachmentName", attachment.name)


def _attachments(root: Any, pkg: DocumentPackage, markers: Markers) -> None:
    if not pkg.attachments:
        return
    encoded = etree.SubElement(root, q("AttachmentEncoded"))
    for attachment in pkg.attachments:
        item = etree.SubElement(encoded, q("Attachment"))
        _leaf(item, "ContentId", attachment.content_id)
        _leaf(item, "AttachmentName", attachment.name)
        _leaf(item, "Description", attachment.description)
        _leaf(item, "ContentType", attachment.content_type)
        body = etree.SubElement(item, q("ContentTransferEncoded"), nsmap=_EDXML_PREFIX)
        body.text = markers.add(attachment.content)
