"""edXML (QCVN 102:2016, amended 2022) packages: the model, building, signing,
hardened parsing, the axis checks and XML signature verification. Framework-free.

Outside this package, import only the names in ``__all__``::

    from docflow.exchange.edxml import (
        DocumentPackage, Organization, Attachment, AttachmentContent, ...,
        write_package, async_write_signed_package,         # out
        parse_package, check_package, verify_package,      # in
        TrustAnchors, Limits, EdxmlError, Problem,
    )

This package imports nothing from the rest of docflow: only the standard library,
lxml, signxml, cryptography, asn1crypto, and ``signing`` (to load seal keys).
"""

from docflow.exchange.edxml.build import WrittenPackage, build_package, write_package
from docflow.exchange.edxml.checks import MAX_SUBJECT_CHARS, check_package
from docflow.exchange.edxml.content import AttachmentContent
from docflow.exchange.edxml.errors import (
    EdxmlError,
    PackageInvalid,
    PackageRefused,
    PackageTooLarge,
    SigningFailed,
)
from docflow.exchange.edxml.limits import DEFAULT_MAX_PACKAGE_BYTES, Limits
from docflow.exchange.edxml.messages import Problem, Severity, errors_in
from docflow.exchange.edxml.model import (
    NAMESPACE,
    STATUS_CODES,
    Attachment,
    Business,
    BusinessDocType,
    Code,
    DocumentPackage,
    DocumentType,
    Organization,
    OtherInfo,
    Package,
    Priority,
    PromulgationInfo,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    make_document_id,
)
from docflow.exchange.edxml.parse import ParsedPackage, SignaturePresence, parse_package
from docflow.exchange.edxml.trust import TrustAnchors
from docflow.exchange.edxml.values import (
    VIETNAM_TIME,
    format_date,
    format_timestamp,
    is_organ_id,
    parse_date,
    parse_timestamp,
)
from docflow.exchange.edxml.xmldsig import (
    RawSigner,
    SignatureVerification,
    SignedPackage,
    async_sign_package,
    async_write_signed_package,
    verify_package,
)

__all__ = [
    "DEFAULT_MAX_PACKAGE_BYTES",
    "MAX_SUBJECT_CHARS",
    "NAMESPACE",
    "STATUS_CODES",
    "VIETNAM_TIME",
    "Attachment",
    "AttachmentContent",
    "Business",
    "BusinessDocType",
    "Code",
    "DocumentPackage",
    "DocumentType",
    "EdxmlError",
    "Limits",
    "Organization",
    "OtherInfo",
    "Package",
    "PackageInvalid",
    "PackageRefused",
    "PackageTooLarge",
    "ParsedPackage",
    "Priority",
    "Problem",
    "PromulgationInfo",
    "RawSigner",
    "ReplacementInfo",
    "ResponseFor",
    "Severity",
    "SignatureVerification",
    "SignaturePresence",
    "SignedPackage",
    "SignerInfo",
    "SigningFailed",
    "StaffInfo",
    "StatusCode",
    "StatusPackage",
    "TraceHeader",
    "TraceHeaderList",
    "TrustAnchors",
    "WrittenPackage",
    "async_sign_package",
    "async_write_signed_package",
    "build_package",
    "check_package",
    "errors_in",
    "format_date",
    "format_timestamp",
    "is_organ_id",
    "make_document_id",
    "parse_date",
    "parse_package",
    "parse_timestamp",
    "verify_package",
    "write_package",
]
