"""Personal certificates from the agencies' dev CAs, for CSRs made in the browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from docflow.devpki.pki import AGENCIES, DevPki, issuer_public_key

__all__ = ["CERT_VALIDITY", "DOCUMENT_SIGNING", "issue_personal_certificate"]

#: How long a certificate the dev CA issues stays valid.
CERT_VALIDITY = timedelta(days=730)
#: id-kp-documentSigning (RFC 9336).
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def _key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _dev_ca_label(abbrev: str) -> str:
    """The dev CA's label for the agency ``abbrev``; ``LookupError`` if it has none."""
    label = abbrev.lower()
    if label not in AGENCIES:
        raise LookupError(
            f"The agency {abbrev} has no development CA; demo issuance covers "
            f"{', '.join(a.upper() for a in AGENCIES)}."
        )
    return label


def _person_name(agency_name: str, full_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, full_name[:64]),
        ]
    )


def _with_ca_pointers(
    builder: x509.CertificateBuilder, pki: DevPki, label: str, ca_cert: x509.Certificate
) -> x509.CertificateBuilder:
    """Authority key id, CRL distribution point and AIA (OCSP, caIssuers) of CA ``label``."""
    uri = x509.UniformResourceIdentifier
    return (
        builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key(ca_cert)),
            critical=False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([uri(pki.url("crl", label))], None, None, None)]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, uri(pki.url("ocsp", label))
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS, uri(pki.url("ca", label))
                    ),
                ]
            ),
            critical=False,
        )
    )


def issue_personal_certificate(
    pki: DevPki,
    csr: x509.CertificateSigningRequest,
    *,
    abbrev: str,
    full_name: str,
    agency_name: str,
) -> x509.Certificate:
    """A signing certificate for the CSR's key from the agency's dev CA (demo mode only).

    Subject C=VN, O=agency, CN=person; KU digitalSignature + nonRepudiation (critical);
    EKU emailProtection + documentSigning (NSS needs an EKU); CRL distribution point and
    AIA (OCSP, caIssuers) of that CA at ``pki``'s URLs, as the dev PKI's own signers have.
    Raises ``LookupError`` for an agency without a dev CA.
    """
    label = _dev_ca_label(abbrev)
    ca_cert = pki.cert(f"ca-{label}")
    ca_key = pki.issuer_private_key(f"ca-{label}")
    now = datetime.now(UTC).replace(microsecond=0)
    not_after = min(now + CERT_VALIDITY, ca_cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_person_name(agency_name, full_name))
        .issuer_name(ca_cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), False)
    )
    return _with_ca_pointers(builder, pki, label, ca_cert).sign(ca_key, hashes.SHA256())
