"""Making the enveloped XML signature with a key that may never leave its token.

The signer is a pyHanko ``Signer`` (what ``signing.async_load_signer`` returns for a
PEM, PKCS#12 or PKCS#11 source). Only its raw-signing method is used: docflow
canonicalises ``SignedInfo`` itself and hands those bytes to
``Signer.async_sign_raw(data, "sha256")``, which hashes and signs them in software or
on the token (SoftHSM2, an HSM). pyHanko returns ECDSA signatures DER-encoded, as CMS
wants them; XML-DSig wants the fixed-length ``r || s`` form, so they are converted.
Every signature is verified under the signer's own certificate before it is used.
"""

from __future__ import annotations

import base64
import contextlib
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureMethod

from docflow.exchange.edxml._dsig import DSIG_NS, ENVELOPED, EXC_C14N, dsig
from docflow.exchange.edxml.errors import SigningFailed
from docflow.exchange.edxml.messages import problem
from docflow.exchange.edxml.trust import load_certificates

__all__ = [
    "RawSigner",
    "SignerIdentity",
    "identify",
    "set_digest",
    "set_value",
    "sign_signed_info",
    "signature_element",
]


class RawSigner(Protocol):
    """What docflow needs of a pyHanko ``Signer``: its certificate, the certificates it
    knows (for the chain), and raw signing."""

    @property
    def signing_cert(self) -> Any: ...

    @property
    def cert_registry(self) -> Any: ...

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes: ...


@dataclass(frozen=True)
class SignerIdentity:
    """The signer's certificate, the chain below its root, and the method its key makes."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    method: str
    """Signature method URI (RSA-SHA256 or ECDSA-SHA256: never SHA-1)."""
    name: str
    value_length: int
    """Bytes of the SignatureValue (RSA modulus, or 2 × the curve's coordinate size)."""


# signers are long-lived (signing caches them per key source); their certificate and
# chain do not change, and working them out costs more than a P-256 signature
_IDENTITIES: weakref.WeakKeyDictionary[Any, SignerIdentity] = weakref.WeakKeyDictionary()


def identify(signer: RawSigner) -> SignerIdentity:
    """Who signs and how; :class:`SigningFailed` for keys XML-DSig cannot use here."""
    try:
        known = _IDENTITIES.get(signer)
    except TypeError:  # a signer that cannot be weakly referenced: no cache
        known = None
    if known is not None:
        return known
    identity = _identify(signer)
    with contextlib.suppress(TypeError):
        _IDENTITIES[signer] = identity
    return identity


def _identify(signer: RawSigner) -> SignerIdentity:
    asn1_cert = signer.signing_cert
    if asn1_cert is None:
        raise SigningFailed(problem("key_unsupported", key="no certificate"))
    (certificate,) = load_certificates([asn1_cert])
    key = certificate.public_key()
    _refuse_other_mechanisms(signer, key)
    if isinstance(key, rsa.RSAPublicKey):
        method, name, length = (
            SignatureMethod.RSA_SHA256.value,
            "RSA-SHA256",
            (key.key_size + 7) // 8,
        )
    elif isinstance(key, ec.EllipticCurvePublicKey):
        method, name = SignatureMethod.ECDSA_SHA256.value, "ECDSA-SHA256"
        length = 2 * ((key.curve.key_size + 7) // 8)
    else:
        raise SigningFailed(problem("key_unsupported", key=type(key).__name__))
    pool = load_certificates(list(signer.cert_registry or ()))
    return SignerIdentity(certificate, _chain_below_root(certificate, pool), method, name, length)


def _refuse_other_mechanisms(signer: RawSigner, key: Any) -> None:
    mechanism = getattr(signer, "signature_mechanism", None)
    if mechanism is None:
        return
    algorithm = str(mechanism.signature_algo)
    if isinstance(key, rsa.RSAPublicKey) and algorithm != "rsassa_pkcs1v15":
        raise SigningFailed(problem("key_unsupported", key=f"RSA with {algorithm}"))


def _chain_below_root(
    leaf: x509.Certificate, pool: tuple[x509.Certificate, ...]
) -> tuple[x509.Certificate, ...]:
    chain: list[x509.Certificate] = []
    current = leaf
    while current.issuer != current.subject and len(chain) < 8:
        issuer = next(
            (c for c in pool if c.subject == current.issuer and _issued(current, c)), None
        )
        if issuer is None or issuer.issuer == issuer.subject:  # unknown, or the root
            break
        chain.append(issuer)
        current = issuer
    return tuple(chain)


def _issued(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def signature_element(header: Any, identity: SignerIdentity) -> Any:
    """Append an unfilled ``Signature`` as the last child of ``edXMLHeader``; its
    placeholder values have the final lengths, so the package size is already exact."""
    signature = etree.SubElement(header, dsig("Signature"), nsmap={None: DSIG_NS})
    signed_info = etree.SubElement(signature, dsig("SignedInfo"))
    etree.SubElement(signed_info, dsig("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, dsig("SignatureMethod"), Algorithm=identity.method)
    reference = etree.SubElement(signed_info, dsig("Reference"), URI="")
    transforms = etree.SubElement(reference, dsig("Transforms"))
    etree.SubElement(transforms, dsig("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(transforms, dsig("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(reference, dsig("DigestMethod"), Algorithm=DigestAlgorithm.SHA256.value)
    etree.SubElement(reference, dsig("DigestValue")).text = _b64(bytes(32))
    etree.SubElement(signature, dsig("SignatureValue")).text = _b64(bytes(identity.value_length))
    data = etree.SubElement(etree.SubElement(signature, dsig("KeyInfo")), dsig("X509Data"))
    for certificate in (identity.certificate, *identity.chain):
        der = certificate.public_bytes(Encoding.DER)
        etree.SubElement(data, dsig("X509Certificate")).text = _b64(der)
    return signature


def set_digest(signature: Any, digest: bytes) -> None:
    signature.find(f"{dsig('SignedInfo')}/{dsig('Reference')}/{dsig('DigestValue')}").text = _b64(
        digest
    )


def set_value(signature: Any, value: bytes) -> None:
    signature.find(dsig("SignatureValue")).text = _b64(value)


async def sign_signed_info(signer: RawSigner, identity: SignerIdentity, data: bytes) -> bytes:
    """The SignatureValue bytes over canonical ``SignedInfo`` ``data``, checked."""
    try:
        raw = await signer.async_sign_raw(data, "sha256")
    except Exception as exc:  # tokens and pyHanko raise many unrelated types
        detail = f"{type(exc).__name__}: {exc or 'no detail'}"
        raise SigningFailed(problem("signing_failed", detail=detail)) from exc
    key = identity.certificate.public_key()
    value = _xmldsig_form(raw, key, identity.value_length)
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            half = identity.value_length // 2
            r, s = int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise SigningFailed(problem("signature_self_check")) from None
    return value


def _xmldsig_form(raw: bytes, key: Any, length: int) -> bytes:
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return raw
    try:
        r, s = decode_dss_signature(raw)
    except ValueError:
        if len(raw) == length:  # already r || s (a signer that returns the raw form)
            return raw
        raise SigningFailed(problem("signature_self_check")) from None
    half = length // 2
    return r.to_bytes(half, "big") + s.to_bytes(half, "big")
