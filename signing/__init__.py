"""PAdES signing and validation over pyHanko; framework-free.

Outside this package, import only the names in ``__all__``. They load lazily (PEP 562):
``import signing`` costs nothing until a name is used, so a command that only validates
never imports the signing and stamping machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    **dict.fromkeys(
        [
            "SigningError",
            "SignerLoadError",
            "SignatureCreationError",
            "TimestampError",
            "InvalidPdfError",
            "FieldError",
            "ExternalSigningError",
            "InvalidExternalSignature",
        ],
        "signing.errors",
    ),
    # what damaged or hostile input raises (for callers that read such input themselves)
    **dict.fromkeys(["MALFORMED", "CHECK_FAILED"], "signing._failures"),
    # everything above and pyHanko's lazily used modules, at once (for serving processes)
    "preload": "signing._preload",
    # signers
    **dict.fromkeys(
        ["SignerSource", "Pkcs12Source", "PemSource", "Pkcs11Source"], "signing.signers.sources"
    ),
    **dict.fromkeys(
        ["load_signer", "async_load_signer", "clear_signer_cache"], "signing.signers.keys"
    ),
    "pkcs11_signer": "signing.signers.pkcs11",
    # signing
    **dict.fromkeys(
        ["Level", "LEVELS", "Box", "SignRequest", "SignResult"], "signing.pades.levels"
    ),
    **dict.fromkeys(["async_sign_pdf", "sign_pdf"], "signing.pades.sign"),
    **dict.fromkeys(
        ["ExtendResult", "async_extend_to_lt", "async_extend_to_lta"], "signing.pades.extend"
    ),
    **dict.fromkeys(
        [
            "ArchiveStatus",
            "RenewResult",
            "archive_status",
            "async_renew_archive_timestamp",
        ],
        "signing.pades.archive",
    ),
    # fields and issuance
    **dict.fromkeys(
        [
            "FieldLayout",
            "FieldsResult",
            "NUMBER_FIELD",
            "DATE_FIELD",
            "SEAL_FIELD",
            "add_signature_fields",
            "async_add_signature_fields",
        ],
        "signing.pades.fields",
    ),
    "incoming_box": "signing.pades.placement",
    **dict.fromkeys(["async_fill_and_seal", "fill_and_seal"], "signing.pades.issuance"),
    # external (two-step) signing
    **dict.fromkeys(["PreparedSignature", "async_prepare_external"], "signing.external.prepare"),
    "async_complete_external": "signing.external.complete",
    # appearance
    **dict.fromkeys(
        [
            "Appearance",
            "leader_appearance",
            "seal_appearance",
            "attachment_appearance",
            "attachment_box",
            "incoming_appearance",
            "INCOMING_BOX_SIZE",
            "seal_box_for",
        ],
        "signing.stamps.appearance",
    ),
    # validation
    **dict.fromkeys(
        [
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
        ],
        "signing.validation",
    ),
}

# a literal, so that type checkers see the names as this package's (a computed
# list hides them); tests/unit/test_package_faces.py keeps it equal to _EXPORTS
__all__ = [
    "Appearance",
    "ArchiveStatus",
    "Box",
    "CHECK_FAILED",
    "CertificateInfo",
    "Coverage",
    "DATE_FIELD",
    "DocumentReport",
    "ExtendResult",
    "ExternalSigningError",
    "FieldError",
    "FieldLayout",
    "FieldsResult",
    "Finding",
    "INCOMING_BOX_SIZE",
    "Indication",
    "InvalidExternalSignature",
    "InvalidPdfError",
    "LEVELS",
    "Level",
    "MALFORMED",
    "ModificationKind",
    "Modifications",
    "NUMBER_FIELD",
    "PemSource",
    "Pkcs11Source",
    "Pkcs12Source",
    "PreparedSignature",
    "RenewResult",
    "RevocationInfo",
    "SEAL_FIELD",
    "SignRequest",
    "SignResult",
    "SignatureCreationError",
    "SignatureReport",
    "SignerInfo",
    "SignerLoadError",
    "SignerSource",
    "SigningError",
    "SubIndication",
    "TimestampError",
    "TimestampReport",
    "TrustConfig",
    "UnreadablePdf",
    "add_signature_fields",
    "archive_status",
    "async_add_signature_fields",
    "async_complete_external",
    "async_etsi_xml_report",
    "async_extend_to_lt",
    "async_extend_to_lta",
    "async_fill_and_seal",
    "async_load_signer",
    "async_prepare_external",
    "async_renew_archive_timestamp",
    "async_sign_pdf",
    "async_validate_pdf",
    "attachment_appearance",
    "attachment_box",
    "clear_signer_cache",
    "etsi_xml_report",
    "fill_and_seal",
    "incoming_appearance",
    "incoming_box",
    "leader_appearance",
    "load_certificates",
    "load_signer",
    "pkcs11_signer",
    "preload",
    "seal_appearance",
    "seal_box_for",
    "sign_pdf",
    "validate_pdf",
]


def _install_speedups() -> None:
    """pyHanko's hex-string reader replaced by one that gives the same objects faster
    (``signing._pdf_hex``), and asn1crypto's ``dump`` no longer re-encoding values whose
    definite length ends in 0x80 (``signing._asn1_lengths``), and distinguished names
    compared once per encoding (``signing._asn1_names``); before any PDF or CMS is read
    through this package."""
    from signing import _asn1_lengths, _asn1_names, _pdf_hex

    _pdf_hex.install()
    _asn1_lengths.install()
    _asn1_names.install()


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'signing' has no attribute {name!r}")
    _install_speedups()
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # the names, for type checkers and editors
    from signing._failures import CHECK_FAILED, MALFORMED
    from signing._preload import preload
    from signing.errors import (
        ExternalSigningError,
        FieldError,
        InvalidExternalSignature,
        InvalidPdfError,
        SignatureCreationError,
        SignerLoadError,
        SigningError,
        TimestampError,
    )
    from signing.external.complete import async_complete_external
    from signing.external.prepare import PreparedSignature, async_prepare_external
    from signing.pades.archive import (
        ArchiveStatus,
        RenewResult,
        archive_status,
        async_renew_archive_timestamp,
    )
    from signing.pades.extend import ExtendResult, async_extend_to_lt, async_extend_to_lta
    from signing.pades.fields import (
        DATE_FIELD,
        NUMBER_FIELD,
        SEAL_FIELD,
        FieldLayout,
        FieldsResult,
        add_signature_fields,
        async_add_signature_fields,
    )
    from signing.pades.issuance import async_fill_and_seal, fill_and_seal
    from signing.pades.levels import LEVELS, Box, Level, SignRequest, SignResult
    from signing.pades.placement import incoming_box
    from signing.pades.sign import async_sign_pdf, sign_pdf
    from signing.signers.keys import async_load_signer, clear_signer_cache, load_signer
    from signing.signers.pkcs11 import pkcs11_signer
    from signing.signers.sources import PemSource, Pkcs11Source, Pkcs12Source, SignerSource
    from signing.stamps.appearance import (
        INCOMING_BOX_SIZE,
        Appearance,
        attachment_appearance,
        attachment_box,
        incoming_appearance,
        leader_appearance,
        seal_appearance,
        seal_box_for,
    )
    from signing.validation import (
        CertificateInfo,
        Coverage,
        DocumentReport,
        Finding,
        Indication,
        ModificationKind,
        Modifications,
        RevocationInfo,
        SignatureReport,
        SignerInfo,
        SubIndication,
        TimestampReport,
        TrustConfig,
        UnreadablePdf,
        async_etsi_xml_report,
        async_validate_pdf,
        etsi_xml_report,
        load_certificates,
        validate_pdf,
    )
