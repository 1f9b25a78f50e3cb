"""What a signature should be (``SignRequest``), what came out (``SignResult``), and
how a PAdES baseline level maps onto pyHanko's settings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from signing.errors import SigningError
from signing.signers.sources import load_certificates

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "AppearanceLike",
    "Box",
    "Level",
    "LEVELS",
    "archive_context",
    "SignRequest",
    "SignResult",
    "build_timestamper",
    "build_validation_context",
    "level_rank",
    "relevant_crls",
    "signature_metadata",
]

Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
"""PAdES baseline levels, weakest first."""
LEVELS: tuple[Level, ...] = get_args(Level)

Box = tuple[float, float, float, float]
"""A rectangle in PDF user space: (x1, y1, x2, y2), origin bottom left, points."""


class AppearanceLike(Protocol):
    """What :class:`signing.stamps.appearance.Appearance` offers: a stamp style and its text."""

    @property
    def style(self) -> BaseStampStyle: ...

    @property
    def text_params(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class SignRequest:
    """Everything about one signature except the key and the bytes."""

    level: Level = "B-T"
    """PAdES baseline level: B-B, B-T (timestamp), B-LT (+ validation data), B-LTA."""
    field_name: str = "Signature1"
    """Signature field to fill; created (at ``box``) when the document lacks it."""
    box: Box | None = None
    """Where a new field goes; ``None`` makes an invisible signature."""
    page: int = 0
    """Page of a new field, 0-based (``-1`` is the last page)."""
    appearance: AppearanceLike | None = None
    """Stamp style and text parameters; ``None`` uses a plain text stamp."""
    reason: str | None = None
    """Reason for signing, recorded in the signature dictionary."""
    location: str | None = None
    """Place of signing, recorded in the signature dictionary."""
    contact: str | None = None
    """Contact information of the signer."""
    tsa_url: str | None = None
    """RFC 3161 time-stamping authority (needed from B-T on unless ``timestamper``)."""
    timestamper: TimeStamper | None = None
    """A ready pyHanko timestamper (tests, in-process TSA); wins over ``tsa_url``."""
    http_session: aiohttp.ClientSession | Any | None = field(default=None, compare=False)
    """aiohttp session (or an object with its ``get``/``post``) for TSA, CRL and OCSP
    requests; tests and the dev PKI answer them in-process."""
    validation_context: ValidationContext | None = field(default=None, compare=False)
    """Context that validates the signer and collects CRLs/OCSP for B-LT and B-LTA."""
    trust_roots: tuple[bytes, ...] = ()
    """Trust anchors (PEM/DER) to build a validation context from when none is given."""
    crls: tuple[bytes, ...] = ()
    """CRLs (DER) handed to the built validation context (e.g. when offline). Only those
    issued by a CA of the signer's chain are kept, so the DSS carries nothing unrelated."""
    ocsps: tuple[bytes, ...] = ()
    """OCSP responses (DER) handed to the built validation context."""
    allow_fetching: bool = True
    """Whether the built validation context may fetch CRLs/OCSP over HTTP."""
    md_algorithm: str = "sha256"
    """Digest algorithm of the signature."""
    bytes_reserved: int | None = None
    """Space for the CMS in the file (hex chars); ``None`` estimates once and caches."""
    lock_existing_fields: bool = False
    """Give a NEW signature field a FieldMDP lock over every field that exists when it is
    signed (later changes to them then fail the signature). Existing fields keep the lock
    they were prepared with."""


@dataclass(frozen=True)
class SignResult:
    """What a signing operation produced."""

    field_name: str
    """The signature field that now holds the signature."""
    level: Level
    """The PAdES baseline level produced."""
    signed_at: datetime
    """Signing time claimed in the signature (UTC, signer's clock)."""
    sha256: str
    """SHA-256 (hex) of the whole output file."""
    size: int
    """Size of the output file in bytes."""
    signer_subject: str
    """Human-readable subject of the signer's certificate."""
    output_path: Path | None = None
    """Where the output was written, when a path was given."""


def level_rank(level: Level) -> int:
    """0 for B-B up to 3 for B-LTA."""
    if level not in LEVELS:
        raise SigningError(f"Unknown signature level {level!r}; use one of {', '.join(LEVELS)}.")
    return LEVELS.index(level)


def build_timestamper(request: SignRequest) -> TimeStamper | None:
    """The timestamper the level needs, or ``None`` for B-B."""
    if level_rank(request.level) < 1:
        return None
    if request.timestamper is not None:
        return request.timestamper
    if not request.tsa_url:
        raise SigningError(
            f"A {request.level} signature needs a time-stamping authority: give tsa_url."
        )
    return HTTPTimeStamper(request.tsa_url, session=request.http_session)


def build_validation_context(
    request: SignRequest, chain: Iterable[asn1_x509.Certificate] = ()
) -> ValidationContext | None:
    """The validation context B-LT and B-LTA need to collect revocation data; ``chain``
    (the signer's certificate and its CAs) selects which of ``request.crls`` matter."""
    if level_rank(request.level) < 2:
        return request.validation_context
    if request.validation_context is not None:
        return request.validation_context
    if not request.trust_roots:
        raise SigningError(
            f"A {request.level} signature needs trust anchors or a validation context "
            "to collect revocation data."
        )
    return make_validation_context(
        load_certificates(*request.trust_roots),
        request.http_session,
        crls=relevant_crls(request.crls, chain),
        ocsps=request.ocsps,
        allow_fetching=request.allow_fetching,
    )


def archive_context(request: SignRequest) -> ValidationContext | None:
    """A fresh, fetching context for the revocation data added after a B-LTA document
    timestamp (it must postdate the timestamp, so nothing cached or given is used);
    ``None`` when the request forbids fetching and brings no context of its own."""
    if request.validation_context is not None:
        return request.validation_context
    if not request.allow_fetching or not request.trust_roots:
        return None
    return make_validation_context(
        load_certificates(*request.trust_roots), request.http_session, allow_fetching=True
    )


def relevant_crls(
    crls: tuple[bytes, ...], chain: Iterable[asn1_x509.Certificate]
) -> tuple[bytes, ...]:
    """The CRLs issued by the issuer of a certificate in ``chain`` (all when it is empty):
    pyHanko embeds every CRL its context holds, so an unrelated one would land in the DSS."""
    issuers = {c.issuer.dump() for c in chain}
    if not issuers:
        return crls
    kept = []
    for raw in crls:
        try:
            issuer = asn1_crl.CertificateList.load(raw)["tbs_cert_list"]["issuer"].dump()
        except (ValueError, TypeError, KeyError):
            continue
        if issuer in issuers:
            kept.append(raw)
    return tuple(kept)


def make_validation_context(
    roots: list[asn1_x509.Certificate],
    http_session: aiohttp.ClientSession | Any | None = None,
    *,
    other_certs: list[asn1_x509.Certificate] | None = None,
    crls: tuple[bytes, ...] = (),
    ocsps: tuple[bytes, ...] = (),
    allow_fetching: bool = True,
) -> ValidationContext:
    """A hard-fail validation context over ``roots`` (fetching unless told otherwise)."""
    kwargs: dict[str, Any] = {}
    if http_session is not None:
        kwargs["fetcher_backend"] = AIOHttpFetcherBackend(http_session)
    return ValidationContext(
        trust_roots=roots,
        other_certs=other_certs or [],
        crls=list(crls),
        ocsps=[asn1_ocsp.OCSPResponse.load(raw) for raw in ocsps],
        allow_fetching=allow_fetching,
        revocation_mode="hard-fail",
        **kwargs,
    )


def signature_metadata(
    request: SignRequest, validation_context: ValidationContext | None
) -> PdfSignatureMetadata:
    """pyHanko's signature metadata for ``request`` at its level."""
    rank = level_rank(request.level)
    return PdfSignatureMetadata(
        field_name=request.field_name,
        md_algorithm=request.md_algorithm,
        subfilter=SigSeedSubFilter.PADES,
        reason=request.reason,
        location=request.location,
        contact_info=request.contact,
        embed_validation_info=rank >= 2,
        # the document timestamp is added by signing.pades.archive, after the validation data
        # of every signature in the document (not only this one) is in the DSS
        use_pades_lta=False,
        validation_context=validation_context,
    )


def field_spec(
    request: SignRequest, existing_fields: list[str] | None = None
) -> SigFieldSpec | None:
    """The new field's spec: visible when ``box`` is given, locking ``existing_fields``
    when ``request.lock_existing_fields`` (else ``None``: pyHanko's invisible default)."""
    lock = None
    if request.lock_existing_fields and existing_fields is not None:
        lock = FieldMDPSpec(
            action=FieldMDPAction.INCLUDE,
            fields=list(dict.fromkeys([*existing_fields, request.field_name])),
        )
    if request.box is None and lock is None:
        return None
    box = None
    if request.box is not None:
        x1, y1, x2, y2 = request.box
        box = (int(x1), int(y1), int(x2), int(y2))
    return SigFieldSpec(
        sig_field_name=request.field_name,
        on_page=request.page,
        box=box,
        field_mdp_spec=lock,
    )
