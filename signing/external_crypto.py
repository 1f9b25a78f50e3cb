"""Key checks and signature verification for external (client-side) signatures."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from signing.errors import ExternalSigningError, InvalidExternalSignature

__all__ = ["algorithm_name", "placeholder_size", "verify_and_normalise"]

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}
_CURVES = {"secp256r1": "P256", "secp384r1": "P384", "secp521r1": "P521"}


def _public_key(cert: asn1_x509.Certificate) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    key = serialization.load_der_public_key(cert.public_key.dump())
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return key
    raise ExternalSigningError(
        "Only RSA (2048 bits or more) and ECDSA (256 bits or more) certificates can sign."
    )


def _hash(digest_algorithm: str) -> hashes.HashAlgorithm:
    try:
        return _HASHES[digest_algorithm.lower()]
    except KeyError:
        raise ExternalSigningError(
            f"The digest algorithm {digest_algorithm!r} is not accepted; use SHA-256 or stronger."
        ) from None


def algorithm_name(cert: asn1_x509.Certificate, digest_algorithm: str) -> str:
    """WebCrypto-style name of what the client must do, e.g. ``ECDSA-P256/SHA-256``."""
    key = _public_key(cert)
    digest = _hash(digest_algorithm).name.upper().replace("SHA", "SHA-")
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
    key = _public_key(cert)
    if isinstance(key, rsa.RSAPublicKey):
        return (key.key_size + 7) // 8
    n = (key.curve.key_size + 7) // 8
    return 2 * (n + 1) + 8


def verify_and_normalise(
    cert: asn1_x509.Certificate, data: bytes, signature: bytes, digest_algorithm: str
) -> bytes:
    """Check ``signature`` over ``data``; the signature as CMS wants it (ECDSA in DER).

    ECDSA may come raw (``r || s``, WebCrypto's format) or DER-encoded.
    Raises :class:`~signing.errors.InvalidExternalSignature` when it does not verify.
    """
    key = _public_key(cert)
    hash_algo = _hash(digest_algorithm)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hash_algo)
            return signature
        n = (key.curve.key_size + 7) // 8
        der = signature
        if len(signature) == 2 * n:
            r = int.from_bytes(signature[:n], "big")
            s = int.from_bytes(signature[n:], "big")
            der = encode_dss_signature(r, s)
        key.verify(der, data, ec.ECDSA(hash_algo))
        return der
    except (InvalidSignature, ValueError) as exc:
        raise InvalidExternalSignature(
            "The signature does not match the document and the signer's certificate; "
            "nothing was written."
        ) from exc
