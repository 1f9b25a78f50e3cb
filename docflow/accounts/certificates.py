"""Personal certificates: enrolment (dev CA in demo mode, upload in production), listing.

The private key never reaches the server: in demo mode the person sends a CSR made in
the browser (WebCrypto P-256 or RSA-2048) and the agency's dev CA signs it; in
production the person uploads a certificate a trusted CA issued them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlmodel import col, select

from docflow.accounts.access import deny
from docflow.accounts.cert_checks import (
    common_name,
    load_certificates,
    load_csr,
    names_match,
)
from docflow.accounts.models_agency import Agency
from docflow.accounts.models_certificate import PersonalCertificate
from docflow.accounts.models_user import User
from docflow.accounts.permissions import Principal
from docflow.core.audit_append import record_event
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput
from docflow.core.models_base import utcnow
from docflow.core.ports import CertificateIssuer

__all__ = [
    "CertificateInfo",
    "enroll_csr",
    "enroll_issued_certificate",
    "list_certificates",
]


@dataclass(frozen=True)
class CertificateInfo:
    id: int
    serial: str
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    expired: bool
    #: ``good``, ``revoked`` (in docflow, or on the issuer's CRL) or ``unknown`` (no CRL
    #: at hand).
    revocation: str
    source: str
    #: The certificate, PEM (the public contract's ``certificate``).
    certificate: str
    #: Issuing CA(s) then root, PEM (when known).
    chain_pem: tuple[str, ...] = ()
    #: What its holder calls the device that keeps the key (WebCrypto keys).
    device_name: str | None = None
    #: When it was revoked in docflow (by its holder or an administrator).
    revoked_at: datetime | None = None


def _crl_status(cert: x509.Certificate, crls: list[x509.CertificateRevocationList]) -> str:
    for crl in crls:
        if crl.issuer != cert.issuer:
            continue
        revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        return "revoked" if revoked is not None else "good"
    return "unknown"


@lru_cache(maxsize=64)
def _load_crl(der: bytes) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(der)


def _crls(ders: Sequence[bytes]) -> list[x509.CertificateRevocationList]:
    return [_load_crl(d) for d in ders]


def _info(row: PersonalCertificate, crls: list[x509.CertificateRevocationList]) -> CertificateInfo:
    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    return CertificateInfo(
        id=row.id,  # type: ignore[arg-type]
        serial=row.serial,
        subject=row.subject,
        issuer=row.issuer,
        not_before=row.not_before,
        not_after=row.not_after,
        expired=row.not_after <= utcnow(),
        revocation="revoked" if row.revoked_at is not None else _crl_status(cert, crls),
        source=row.source,
        certificate=row.certificate_pem,
        device_name=row.device_name,
        revoked_at=row.revoked_at,
    )


async def _store(
    session: AsyncSession, principal: Principal, cert: x509.Certificate, source: str
) -> PersonalCertificate:
    der = cert.public_bytes(serialization.Encoding.DER)
    fingerprint = hashlib.sha256(der).hexdigest()
    exists = (
        await session.exec(
            select(PersonalCertificate).where(PersonalCertificate.fingerprint_sha256 == fingerprint)
        )
    ).first()
    if exists is not None:
        raise InvalidInput("This certificate is already enrolled.")
    row = PersonalCertificate(
        user_id=principal.user_id,
        fingerprint_sha256=fingerprint,
        serial=format(cert.serial_number, "X"),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        source=source,
    )
    session.add(row)
    await session.flush()
    await record_event(
        session,
        "certificate.enrolled",
        actor=principal,
        subject_type="certificate",
        subject_id=row.id,
        details={
            "serial": row.serial,
            "issuer": row.issuer,
            "source": source,
            "sha256": fingerprint,
        },
    )
    return row


async def _person(session: AsyncSession, principal: Principal) -> tuple[User, Agency]:
    user = await session.get(User, principal.user_id)
    agency = await session.get(Agency, principal.agency_id)
    assert user is not None and agency is not None
    return user, agency


async def _refuse_read_only(session: AsyncSession, principal: Principal) -> None:
    if principal.is_read_only:
        await deny(
            session,
            principal,
            action="certificate.enroll",
            subject_type="user",
            subject_id=principal.user_id,
            message="An auditor verifies signatures but does not sign: no signing certificate.",
        )


async def enroll_csr(
    session: AsyncSession,
    principal: Principal,
    csr_pem: str,
    *,
    issuer: CertificateIssuer | None,
    crls: Sequence[bytes] = (),
) -> CertificateInfo:
    """Demo mode: the agency's CA (``issuer``) certifies the CSR's key for this person.
    ``crls`` (DER) tell the new certificate's status.

    Without an issuer (production) nothing is issued here: ``InvalidInput`` asks for a
    certificate from a trusted CA instead.

    The CSR must be signed by its key (proof of possession), hold an RSA-2048+ or
    P-256/P-384 key, and name the person (CN) if it names anyone.
    """
    await _refuse_read_only(session, principal)
    if issuer is None:
        raise InvalidInput(
            "Send {certificate: PEM} issued to you by a trusted CA; this server does "
            "not issue certificates in production."
        )
    csr = load_csr(csr_pem)
    user, agency = await _person(session, principal)
    cn = common_name(csr.subject)
    if cn is not None and not names_match(cn, user.full_name):
        raise InvalidInput(
            f"The certificate request names {cn!r}, but you are {user.full_name!r}; "
            "make the request in your own name."
        )
    try:
        cert = issuer.issue(
            csr, abbrev=agency.abbreviation, full_name=user.full_name, agency_name=agency.name
        )
        chain = tuple(p.decode() for p in issuer.chain_pems(agency.abbreviation))
    except LookupError as exc:  # no CA for this agency
        raise ConflictError(str(exc)) from None
    row = await _store(session, principal, cert, "dev-ca")
    info = _info(row, _crls(crls))
    return CertificateInfo(**{**info.__dict__, "chain_pem": chain})


async def enroll_issued_certificate(
    session: AsyncSession,
    principal: Principal,
    certificate_pem: str,
    trust_anchors: list[bytes],
) -> CertificateInfo:
    """Production: store a certificate a trusted CA issued to this person.

    ``certificate_pem`` is the person's certificate optionally followed by its issuing
    CAs. It must chain to one of ``trust_anchors`` (PEM or DER), allow
    digitalSignature + nonRepudiation, be valid now and name the person (CN).
    """
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import (
        PathBuildingError,
        PathError,
        PathValidationError,
        ValidationError,
    )

    await _refuse_read_only(session, principal)
    certs = load_certificates(certificate_pem)
    user, _agency = await _person(session, principal)
    cert = certs[0]
    cn = common_name(cert.subject)
    if cn is None or not names_match(cn, user.full_name):
        raise InvalidInput(
            f"The certificate names {cn!r}, but you are {user.full_name!r}; "
            "only your own certificate can be enrolled."
        )
    if not trust_anchors:
        raise InvalidInput("No trust anchors are configured (DOCFLOW_TRUST_ANCHORS).")
    roots = [
        asn1_x509.Certificate.load(asn1_pem.unarmor(a)[2] if asn1_pem.detect(a) else a)
        for a in trust_anchors
    ]
    der = [c.public_bytes(serialization.Encoding.DER) for c in certs]
    context = ValidationContext(
        trust_roots=roots,
        other_certs=[asn1_x509.Certificate.load(d) for d in der[1:]],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    validator = CertificateValidator(asn1_x509.Certificate.load(der[0]), validation_context=context)
    try:
        await validator.async_validate_usage({"digital_signature", "non_repudiation"})  # type: ignore[no-untyped-call]
    except (PathBuildingError, PathValidationError) as exc:
        raise InvalidInput(
            f"The certificate is not accepted: {exc}. It must be issued (through its "
            "issuing CA, included after it) by a trusted CA, be valid now and allow "
            "digital signatures with non-repudiation."
        ) from None
    # A key usage check failing otherwise (InvalidCertificateError), or an extension
    # asn1crypto cannot parse in the uploaded certificate (ValueError and kin).
    except (PathError, ValidationError, ValueError, TypeError, LookupError) as exc:
        raise InvalidInput(f"The certificate is not accepted: {exc}.") from None
    row = await _store(session, principal, cert, "uploaded")
    return _info(row, [])


async def list_certificates(
    session: AsyncSession, principal: Principal, *, crls: Sequence[bytes] = ()
) -> list[CertificateInfo]:
    """The person's own certificates, newest first, with expiry and status from ``crls``
    (DER; a certificate whose issuer has none there shows ``unknown``)."""
    rows = (
        await session.exec(
            select(PersonalCertificate)
            .where(PersonalCertificate.user_id == principal.user_id)
            .order_by(col(PersonalCertificate.id).desc())
        )
    ).all()
    loaded = _crls(crls) if rows else []
    return [_info(r, loaded) for r in rows]
