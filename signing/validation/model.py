"""The validation report: frozen dataclasses with stable JSON keys.

Modelled on the EU DSS simple report: one entry per signature with an ETSI EN 319 102-1
indication and sub-indication, plus document-level facts.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from signing.validation.messages import Finding

__all__ = [
    "REPORT_VERSION",
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
]

REPORT_VERSION = 2


class Indication(enum.StrEnum):
    TOTAL_PASSED = "TOTAL_PASSED"
    INDETERMINATE = "INDETERMINATE"
    TOTAL_FAILED = "TOTAL_FAILED"


class SubIndication(enum.StrEnum):
    """ETSI EN 319 102-1 sub-indications used by docflow (a subset, same spelling)."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    GENERIC = "GENERIC"


class Coverage(enum.StrEnum):
    ENTIRE_FILE = "entire_file"
    ENTIRE_REVISION = "entire_revision"
    PARTIAL = "partial"
    UNKNOWN = "unknown"


class ModificationKind(enum.StrEnum):
    NONE = "none"
    LTA_UPDATES = "lta_updates"
    FORM_FILLING = "form_filling"
    OTHER = "other"
    UNKNOWN = "unknown"


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial: str
    """Hexadecimal, upper case, no separators."""
    not_before: datetime | None
    not_after: datetime | None
    sha256: str
    key: str
    """e.g. ``RSA-2048`` or ``EC-256``."""

    def to_dict(self) -> dict[str, Any]:
        return dict(_plain(self))


@dataclass(frozen=True)
class SignerInfo:
    name: str
    agency: str | None
    """The issuing agency: the certificate's organisation (O)."""
    organisation: str | None
    organisational_unit: str | None
    certificate_serial: str
    issuer: str
    certificate_sha256: str


@dataclass(frozen=True)
class RevocationInfo:
    source: str
    """``embedded`` (the file's DSS or signed attributes), ``given`` (TrustConfig),
    ``fetched`` (online during this validation) or ``none``."""
    status: str
    """``good``, ``revoked`` or ``unknown``."""
    kind: str | None = None
    """``OCSP`` or ``CRL`` when known."""
    produced_at: datetime | None = None
    next_update: datetime | None = None
    fresh: bool | None = None
    """Whether the revocation data was current at the validation time."""
    revocation_date: datetime | None = None
    revocation_reason: str | None = None


@dataclass(frozen=True)
class Modifications:
    kind: ModificationKind
    changed_form_fields: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    """What changed, in English sentences (the same as ``changes``' ``en``)."""
    changes: tuple[Finding, ...] = ()
    """Each named change with its code, revision, field and page, in both languages."""


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    indication: Indication
    sub_indication: str | None
    level: str | None
    signer: SignerInfo | None
    signing_time: datetime | None
    best_signature_time: datetime | None
    coverage: Coverage
    modifications: Modifications
    certificate_chain: tuple[CertificateInfo, ...]
    revocation: RevocationInfo
    digest_algorithm: str | None
    signature_algorithm: str | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    signed_revision: int | None = None
    timestamp_authority: str | None = None
    ades: dict[str, Any] | None = field(default=None, compare=False)
    """The AdES (ETSI EN 319 102-1) engine's verdict when it was consulted."""
    holds_alone: bool = field(default=False, compare=False)
    """Whether the signature itself holds (intact, trusted, accepted algorithms) whatever
    changed after it; the document's rules use it to judge a later signature's field."""

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        data = dict(_plain(self))
        data.pop("holds_alone", None)
        return data


@dataclass(frozen=True)
class TimestampReport:
    """A document timestamp (``/DocTimeStamp``)."""

    field_name: str
    indication: Indication
    sub_indication: str | None
    timestamp: datetime | None
    tsa: str | None
    coverage: Coverage
    modifications: Modifications
    certificate_chain: tuple[CertificateInfo, ...] = ()
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    signed_revision: int | None = None

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        return dict(_plain(self))


@dataclass(frozen=True)
class DocumentReport:
    file_sha256: str
    file_size: int
    revisions: int | None
    verdict: Indication
    signatures: tuple[SignatureReport, ...]
    document_timestamps: tuple[TimestampReport, ...]
    validation_time: datetime
    encrypted: bool = False
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    """Document-level findings in both languages (e.g. bytes appended after the end)."""

    @property
    def passed(self) -> bool:
        return self.verdict is Indication.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        data = dict(_plain(self))
        data["report_version"] = REPORT_VERSION
        data["signature_count"] = len(self.signatures)
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, ensure_ascii=False)
