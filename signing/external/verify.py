"""Checking the signature value a client sends back, before anything is written."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from signing.errors import InvalidExternalSignature
from signing.signers.algorithms import digest_hash, public_key

__all__ = ["verify_and_normalise"]


def verify_and_normalise(
    cert: asn1_x509.Certificate, data: bytes, signature: bytes, digest_algorithm: str
) -> bytes:
    """Check ``signature`` over ``data``; the signature as CMS wants it (ECDSA in DER).

    ECDSA may come raw (``r || s``, WebCrypto's format) or DER-encoded.
    Raises :class:`~signing.errors.InvalidExternalSignature` when it does not verify.
    """
    key = public_key(cert)
    hash_algo = digest_hash(digest_algorithm)
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
