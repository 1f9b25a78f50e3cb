"""Reading an edXML package from another system: hardened, bounded, lenient.

``parse_package`` refuses (:class:`PackageRefused`, with a coded problem) anything that
is not safely readable: malformed XML, any DOCTYPE (so no external entity is ever read
and no entity expanded), an undeclared entity, nesting deeper than the limit, too many
elements, a package or an attachment over its size limit (reading stops there: a
package claiming a 2 GB attachment costs at most the limit), invalid base64, a root
other than ``edXML``, a missing ``edXMLEnvelope``/``edXMLHeader``/``MessageHeader``.
Nothing else escapes from it.

Everything else is read as peers built on the common Java library write it: elements
matched by local name in any namespace and order, CRLF line ends, zipped attachments
(``application/zip``), no ``Signature`` or a placeholder that is not an XML signature
(``ParsedPackage.signature`` says which; ``xmldsig.verify_package`` judges it). What
could not be read is in ``ParsedPackage.problems``; ``checks.check_package(parsed)``
adds the axis rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from docflow.exchange.edxml._dsig import dsig
from docflow.exchange.edxml._extract import child, local_name, read_model
from docflow.exchange.edxml._gate import ReadDocument, Source, read_document
from docflow.exchange.edxml.errors import PackageRefused
from docflow.exchange.edxml.limits import Limits
from docflow.exchange.edxml.messages import Problem, problem
from docflow.exchange.edxml.model import DocumentPackage, Package, StatusPackage

__all__ = ["ParsedPackage", "SignaturePresence", "Source", "parse_package"]

_DEFAULT_LIMITS = Limits()


class SignaturePresence(StrEnum):
    """What stands where a package's signature would be."""

    SIGNED = "signed"
    """An XML-DSig ``Signature`` element (valid or not: see ``verify_package``)."""
    UNSIGNED = "unsigned"
    """No ``Signature`` element at all."""
    PLACEHOLDER = "placeholder"
    """A ``Signature`` element outside the XML-DSig namespace: it proves nothing."""


@dataclass(frozen=True)
class ParsedPackage:
    """A package read from bytes: the model, and what reading noticed."""

    package: Package
    """The document or status package."""
    signature: SignaturePresence
    """Whether an XML signature is there (its validity is ``verify_package``'s call)."""
    problems: tuple[Problem, ...]
    """Values that could not be read and manifest mismatches, coded (see ``checks``)."""
    size: int
    """Bytes read."""
    sha256: str
    """SHA-256 of the bytes read, hex: the same bytes always give the same value."""
    tree: Any = field(repr=False, compare=False)
    """The parsed document, kept for ``verify_package``; drop the ``ParsedPackage``
    to free it."""

    @property
    def is_status(self) -> bool:
        return isinstance(self.package, StatusPackage)

    @property
    def document(self) -> DocumentPackage:
        """The document package (``TypeError`` for a status package)."""
        if not isinstance(self.package, DocumentPackage):
            raise TypeError("this is a status package")
        return self.package

    @property
    def status(self) -> StatusPackage:
        """The status package (``TypeError`` for a document package)."""
        if not isinstance(self.package, StatusPackage):
            raise TypeError("this is a document package")
        return self.package


def parse_package(source: Source, *, limits: Limits = _DEFAULT_LIMITS) -> ParsedPackage:
    """Read a package from bytes, a ``Path`` or a binary stream (read in chunks).

    Raises :class:`PackageRefused` (or its :class:`PackageTooLarge`) with a coded,
    readable problem; never any other exception for what the input contains.
    """
    read = read_document(source, limits)
    try:
        return _interpret(read)
    finally:
        for spool in read.slots:  # anything not handed over to an attachment
            if spool is not None:
                spool.discard()


def _interpret(read: ReadDocument) -> ParsedPackage:
    root = read.tree.getroot()
    name = local_name(root)
    if name != "edXML":
        raise PackageRefused(problem("not_edxml", root=name or "?"))
    envelope = _required(root, "edXMLEnvelope", "edXML/edXMLEnvelope")
    header = _required(envelope, "edXMLHeader", "edXMLEnvelope/edXMLHeader")
    message = _required(header, "MessageHeader", "edXMLHeader/MessageHeader")
    package, problems = read_model(root, envelope, header, message, read.slots)
    return ParsedPackage(
        package=package,
        signature=_presence(root),
        problems=tuple(problems),
        size=read.size,
        sha256=read.sha256,
        tree=read.tree,
    )


def _required(parent: Any, name: str, where: str) -> Any:
    found = child(parent, name)
    if found is None:
        raise PackageRefused(problem("missing_element", where=where))
    return found


def _presence(root: Any) -> SignaturePresence:
    if next(root.iter(dsig("Signature")), None) is not None:
        return SignaturePresence.SIGNED
    for element in root.iter():
        if local_name(element) == "Signature":
            return SignaturePresence.PLACEHOLDER
    return SignaturePresence.UNSIGNED
