"""Validation of signed PDFs: a DSS-style report per signature, ETSI XML report.

Framework-free. Public names are listed in ``__all__``::

    trust = TrustConfig(trust_anchors=(root,), intermediates=(agency_ca,))  # offline, hard-fail
    report = await async_validate_pdf(pdf_bytes_or_path_or_stream, trust)
    report.passed, report.to_json()
    xml = await async_etsi_xml_report(pdf_bytes, trust)   # ETSI TS 119 102-2

How a verdict is reached, per ``/Sig`` signature:

1. pyHanko's ``async_validate_pdf_signature`` at the validation time, one validation context
   per document fed with the file's DSS and the data in ``TrustConfig`` (integrity, byte
   range coverage, difference analysis, chain, revocation, signature timestamp);
2. docflow's own checks (weak digests/keys, no signed attributes, legacy subfilters);
3. when the only problems are about time (expired certificate, stale or missing revocation
   data, revocation after signing) and the signature carries a timestamp: pyHanko's AdES
   LTA engine (proof of existence from the document timestamps), then, for B-LT, a
   point-in-time check of the chain as of the trusted signature timestamp with the
   revocation data the file holds. Either one passing gives TOTAL_PASSED with a warning
   saying so.

``/DocTimeStamp`` entries are validated with ``async_validate_pdf_timestamp``. A broken
one fails the document; one that cannot be fully checked now is a document warning.
``UnreadablePdf`` is raised only when the file is not a readable PDF at all.
"""

from signing.validation.engine import MAX_PDF_BYTES, async_validate_pdf, validate_pdf
from signing.validation.errors import UnreadablePdf
from signing.validation.messages import Finding
from signing.validation.model import (
    CertificateInfo,
    Coverage,
    DocumentReport,
    Indication,
    ModificationKind,
    Modifications,
    RevocationInfo,
    SignatureReport,
    SignerInfo,
    SubIndication,
    TimestampReport,
)
from signing.validation.trust import TrustConfig, load_certificates


async def async_etsi_xml_report(source: bytes | str, trust: TrustConfig) -> bytes:
    """ETSI TS 119 102-2 XML report (see ``signing.validation.ades``; loaded on use)."""
    from signing.validation.etsi import async_etsi_xml_report as report

    return await report(source, trust)


def etsi_xml_report(source: bytes | str, trust: TrustConfig) -> bytes:
    """Synchronous :func:`async_etsi_xml_report`."""
    from signing.validation.etsi import etsi_xml_report as report

    return report(source, trust)

__all__ = [
    "MAX_PDF_BYTES",
    "CertificateInfo",
    "Coverage",
    "DocumentReport",
    "Finding",
    "Indication",
    "ModificationKind",
    "Modifications",
    "RevocationInfo",
    "SignatureReport",
    "SignerInfo",
    "SubIndication",
    "TimestampReport",
    "TrustConfig",
    "UnreadablePdf",
    "async_etsi_xml_report",
    "async_validate_pdf",
    "etsi_xml_report",
    "load_certificates",
    "validate_pdf",
]
