"""Which keys and digests may sign (RSA >= 2048 bits, ECDSA P-256 or stronger, SHA-256 or
stronger), and the WebCrypto-style name a client uses for them."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from signing.errors import ExternalSigningError

__all__ = ["algorithm_name", "digest_hash", "placeholder_size", "public_key"]

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}
_CURVES = {"secp256r1": "P256", "secp384r1": "P384", "secp521r1": "P521"}


def public_key(cert: asn1_x509.Certificate) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """The certificate's key, if it is one that may sign."""
    key = serialization.load_der_public_key(cert.public_key.dump())
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return key
    raise ExternalSigningError(
        "Only RSA (2048 bits or more) and ECDSA (256 bits or more) certificates can sign."
    )


def digest_hash(digest_algorithm: str) -> hashes.HashAlgorithm:
    """The ``cryptography`` hash for an accepted digest name (``sha256`` and up)."""
    try:
        return _HASHES[digest_algorithm.lower()]
    except KeyError:
        raise ExternalSigningError(
            f"The digest algorithm {digest_algorithm!r} is not accepted; use SHA-256 or stronger."
        ) from None


def algorithm_name(cert: asn1_x509.Certificate, digest_algorithm: str) -> str:
    """WebCrypto-style name of what the client must do, e.g. ``ECDSA-P256/SHA-256``."""
    key = public_key(cert)
    digest = digest_hash(digest_algorithm).name.upper().replace("SHA", "SHA-")
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise ExternalSigningError(
                f"RSA keys need 2048 bits or more (this one has {key.key_size})."
            )
        return f"RSASSA-PKCS1-v1_5/{digest}"
    curve = _CURVES.get(key.curve.name)
    if curve is None:
        raise ExternalSigningError(
            f"The curve {key.curve.name} is not accepted; use P-256 or P-384."
        )
    return f"ECDSA-{curve}/{digest}"


def placeholder_size(cert: asn1_x509.Certificate) -> int:
    """Bytes of the largest signature value the key can produce (for size estimates)."""
    key = public_key(cert)
    if isinstance(key, rsa.RSAPublicKey):
        return (key.key_size + 7) // 8
    n = (key.curve.key_size + 7) // 8
    return 2 * (n + 1) + 8
