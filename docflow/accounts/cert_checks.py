"""X.509 for personal certificates: reading CSRs and certificates, key rules, the dev CA.

Pure functions over bytes (``cryptography``); ``InvalidInput`` (422) says what is wrong.
"""

from __future__ import annotations

import unicodedata

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from docflow.core.errors import InvalidInput

__all__ = [
    "MAX_PEM_BYTES",
    "check_public_key",
    "common_name",
    "load_certificates",
    "load_csr",
    "names_match",
]

#: Largest CSR or certificate chain accepted, in bytes.
MAX_PEM_BYTES = 64 * 1024
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
