"""X.509 for personal certificates: reading CSRs and certificates, key rules, the dev CA.

Pure functions over bytes (``cryptography``); ``InvalidInput`` (422) says what is wrong.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from docflow.errors import ConflictError, InvalidInput

__all__ = [
    "MAX_PEM_BYTES",
    "CERT_VALIDITY",
    "check_public_key",
    "common_name",
    "dev_ca_issue",
    "load_certificates",
    "load_csr",
    "names_match",
]

#: Largest CSR or certificate chain accepted, in bytes.
MAX_PEM_BYTES = 64 * 1024
#: How long a certificate the dev CA issues stays valid.
CERT_VALIDITY = timedelta(days=730)
ALLOWED_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384"}


def _check_size(text: str, what: str) -> bytes:
    data = text.encode("utf-8", errors="replace")
    if len(data) > MAX_PEM_BYTES:
        raise InvalidInput(
            f"The {what} is {len(data)} bytes; at most {MAX_PEM_BYTES} are accepted."
        )
    return data


def load_csr(text: str) -> x509.CertificateSigningRequest:
    """A PEM CSR whose signature (proof of possession of the key) checks; else 422."""
    data = _check_size(text, "certificate request")
    if b"-----BEGIN CERTIFICATE REQUEST-----" not in data:
        raise InvalidInput(
            "The certificate request is not PEM: it must start with "
            "-----BEGIN CERTIFICATE REQUEST-----."
        )
    try:
        csr = x509.load_pem_x509_csr(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InvalidInput(f"The certificate request cannot be read ({exc}).") from None
    check_public_key(csr.public_key())
    try:
        valid = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm):
        valid = False
    if not valid:
        raise InvalidInput(
            "The certificate request's signature does not match its key (no proof that "
            "you hold the private key)."
        )
    return csr


def load_certificates(text: str) -> list[x509.Certificate]:
    """Every PEM certificate in ``text`` (the person's first, then its issuers)."""
    data = _check_size(text, "certificate")
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise InvalidInput(
            "The certificate is not PEM: it must start with -----BEGIN CERTIFICATE-----."
        )
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise InvalidInput(f"The certificate cannot be read ({exc}).") from None
    check_public_key(certs[0].public_key())
    return certs


def check_public_key(key: object) -> str:
    """``RSA-2048`` and up (to 8192) or ECDSA ``P-256``/``P-384``; a description, else 422."""
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048 or key.key_size > 8192:
            raise InvalidInput(
                f"The key is RSA-{key.key_size}; RSA keys must have 2048 to 8192 bits."
            )
        return f"RSA-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        curve = ALLOWED_CURVES.get(key.curve.name)
        if curve is None:
            raise InvalidInput(
                f"The key is on the curve {key.curve.name}; only P-256 and P-384 are accepted."
            )
        return f"ECDSA-{curve}"
    raise InvalidInput(
        f"The key type {type(key).__name__} is not accepted; use RSA-2048 or ECDSA P-256."
    )


def common_name(name: x509.Name) -> str | None:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else None


def names_match(a: str, b: str) -> bool:
    """Same name after Unicode NFC, case folding and collapsing spaces."""

    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).casefold().split())

    return norm(a) == norm(b)


@lru_cache(maxsize=16)
def _dev_ca(abbrev: str) -> tuple[x509.Certificate, object]:
    from certomancer.registry import CertLabel

    from docflow.devpki import dev_pki
    from docflow.settings import DEV_PKI_DIR

    key_path = DEV_PKI_DIR / "keys-dev-only" / f"ca-{abbrev}.dev-only.key.pem"
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    cert = x509.load_der_x509_certificate(dev_pki().get_cert(CertLabel(f"ca-{abbrev}")).dump())
    return cert, key


def dev_ca_issue(
    csr: x509.CertificateSigningRequest, *, abbrev: str, full_name: str, agency_name: str
) -> x509.Certificate:
    """A signing certificate for the CSR's key from the agency's dev CA (demo mode only).

    Subject C=VN, O=agency, CN=person; KU digitalSignature + nonRepudiation (critical);
    CRL distribution point and AIA (OCSP, caIssuers) of that CA, as the dev PKI's own
    signer certificates have.
    """
    from docflow.devpki import AGENCIES, DEV_ARCH_LABEL, DEV_PKI_URL_PREFIX

    label = abbrev.lower()
    if label not in AGENCIES:
        raise ConflictError(
            f"The agency {abbrev} has no development CA; demo issuance covers "
            f"{', '.join(a.upper() for a in AGENCIES)}."
        )
    ca_cert, ca_key = _dev_ca(label)
    base = f"{DEV_PKI_URL_PREFIX}/{DEV_ARCH_LABEL}"
    now = datetime.now(UTC).replace(microsecond=0)
    not_after = min(now + CERT_VALIDITY, ca_cert.not_valid_after_utc)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, full_name[:64]),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{base}/crls/{label}/latest.crl")],
                        None,
                        None,
                        None,
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(f"{base}/ocsp/{label}"),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(f"{base}/certs/{label}/ca.crt"),
                    ),
                ]
            ),
            critical=False,
        )
    )
    return builder.sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]


def dev_ca_chain_pem(abbrev: str) -> list[bytes]:
    """The dev CA of ``abbrev`` then the dev root (PEM), to hand out with a certificate."""
    from docflow.devpki import dev_trust_roots

    ca_cert, _ = _dev_ca(abbrev.lower())
    return [ca_cert.public_bytes(serialization.Encoding.PEM), *dev_trust_roots()]
