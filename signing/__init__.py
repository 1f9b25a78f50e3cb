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
    # signers
    **dict.fromkeys(
        [
            "SignerSource",
            "Pkcs12Source",
            "PemSource",
            "Pkcs11Source",
            "load_signer",
            "async_load_signer",
            "clear_signer_cache",
        ],
        "signing.signers",
    ),
    "pkcs11_signer": "signing.signers_pkcs11",
    # signing
    **dict.fromkeys(["Level", "LEVELS", "Box", "SignRequest", "SignResult"], "signing.levels"),
    **dict.fromkeys(["async_sign_pdf", "sign_pdf"], "signing.sign"),
    **dict.fromkeys(
        ["ExtendResult", "async_extend_to_lt", "async_extend_to_lta"], "signing.sign_extend"
    ),
    **dict.fromkeys(
        [
            "ArchiveStatus",
            "RenewResult",
            "archive_status",
            "async_renew_archive_timestamp",
        ],
        "signing.archive",
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
        "signing.fields",
    ),
    **dict.fromkeys(["async_fill_and_seal", "fill_and_seal"], "signing.issuance"),
    # external (two-step) signing
    **dict.fromkeys(["PreparedSignature", "async_prepare_external"], "signing.external"),
    "async_complete_external": "signing.external_complete",
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
        "signing.appearance",
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

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'signing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # the names, for type checkers and editors
    from signing.appearance import (
        INCOMING_BOX_SIZE,
        Appearance,
        attachment_appearance,
        attachment_box,
        incoming_appearance,
        leader_appearance,
        seal_appearance,
        seal_box_for,
    )
    from signing.archive import (
        ArchiveStatus,
        RenewResult,
        archive_status,
        async_renew_archive_timestamp,
    )
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
    from signing.external import PreparedSignature, async_prepare_external
    from signing.external_complete import async_complete_external
    from signing.fields import (
        DATE_FIELD,
        NUMBER_FIELD,
        SEAL_FIELD,
        FieldLayout,
        FieldsResult,
        add_signature_fields,
        async_add_signature_fields,
    )
    from signing.issuance import async_fill_and_seal, fill_and_seal
    from signing.levels import LEVELS, Box, Level, SignRequest, SignResult
    from signing.sign import async_sign_pdf, sign_pdf
    from signing.sign_extend import ExtendResult, async_extend_to_lt, async_extend_to_lta
    from signing.signers import (
        PemSource,
        Pkcs11Source,
        Pkcs12Source,
        SignerSource,
        async_load_signer,
        clear_signer_cache,
        load_signer,
    )
    from signing.signers_pkcs11 import pkcs11_signer
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
