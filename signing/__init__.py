"""PAdES signing and validation over pyHanko; framework-free.

Outside this package, import only the names in ``__all__``.
"""

# --- appearance API ---
from signing.appearance import (  # noqa: E402,I001
    INCOMING_BOX_SIZE,
    Appearance,
    attachment_appearance,
    attachment_box,
    incoming_appearance,
    leader_appearance,
    seal_appearance,
    seal_box_for,
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

__all__ = [
    # errors
    "SigningError",
    "SignerLoadError",
    "SignatureCreationError",
    "TimestampError",
    "InvalidPdfError",
    "FieldError",
    "ExternalSigningError",
    "InvalidExternalSignature",
    # signers
    "SignerSource",
    "Pkcs12Source",
    "PemSource",
    "Pkcs11Source",
    "load_signer",
    "async_load_signer",
    "pkcs11_signer",
    "clear_signer_cache",
    # signing
    "Level",
    "LEVELS",
    "Box",
    "SignRequest",
    "SignResult",
    "async_sign_pdf",
    "sign_pdf",
    "ExtendResult",
    "async_extend_to_lt",
    "async_extend_to_lta",
    # fields and issuance
    "FieldLayout",
    "FieldsResult",
    "NUMBER_FIELD",
    "DATE_FIELD",
    "add_signature_fields",
    "async_add_signature_fields",
    "async_fill_and_seal",
    "fill_and_seal",
    # external (two-step) signing
    "PreparedSignature",
    "async_prepare_external",
    "async_complete_external",
    # appearance
    "Appearance",
    "leader_appearance",
    "seal_appearance",
    "attachment_appearance",
    "attachment_box",
    "incoming_appearance",
    "INCOMING_BOX_SIZE",
    "seal_box_for",
]

# --- validation API ---
from signing.validation import (  # noqa: E402
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
    TrustConfig,
    UnreadablePdf,
    async_etsi_xml_report,
    async_validate_pdf,
    etsi_xml_report,
    load_certificates,
    validate_pdf,
)

__all__ += [
    "CertificateInfo",
    "Coverage",
    "DocumentReport",
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
