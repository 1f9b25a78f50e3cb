"""A key source turned into a pyHanko signer: PKCS#12 and PEM keys parsed once, PKCS#11
token sessions opened once, both cached.

Parsed keys are cached per source (pyHanko's ``SimpleSigner`` re-parses the DER key
on every raw signature, ~40 ms for RSA, twice per PDF).
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.signers.pdf_cms import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from signing.errors import SignerLoadError
from signing.signers.cms import FastCmsMixin
from signing.signers.sources import (
    PemSource,
    Pkcs12Source,
    SignerSource,
    load_certificates,
    new_store,
)

__all__ = [
    "CachedKeySigner",
    "load_signer",
    "async_load_signer",
    "clear_signer_cache",
]


class CachedKeySigner(FastCmsMixin, SimpleSigner):
    """A ``SimpleSigner`` that parses its private key once, not on every signature."""

    def __init__(
        self,
        signing_cert: asn1_x509.Certificate,
        private_key: Any,
        cert_registry: SimpleCertificateStore,
    ) -> None:
        der = private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        super().__init__(
            signing_cert=signing_cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=cert_registry,
        )
        self._pyca_key = private_key

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if dry_run:  # size estimation only: a placeholder of the largest size will do
            key = self._pyca_key
            if isinstance(key, rsa.RSAPrivateKey):
                return bytes((key.key_size + 7) // 8)
            if isinstance(key, ec.EllipticCurvePrivateKey):
                n = (key.curve.key_size + 7) // 8
                return bytes(2 * (n + 1) + 8)
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mech = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mech.signature_algo
        key = self._pyca_key
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            pss, hash_algo = process_pss_params(mech["parameters"])
            return key.sign(data, pss, hash_algo)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            return key.sign(data, ec.ECDSA(hash_algo))
        result: bytes = super().sign_raw(data, digest_algorithm)
        return result


def _as_bytes(value: str | bytes | None) -> bytes | None:
    return value.encode("utf-8") if isinstance(value, str) else value


def _to_asn1_cert(cert: Any) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _load_pkcs12(source: Pkcs12Source) -> CachedKeySigner:
    data = source.data
    if isinstance(data, Path):
        try:
            data = data.read_bytes()
        except OSError as exc:
            raise SignerLoadError(f"The PKCS#12 file {source.data!s} cannot be read.") from exc
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, _as_bytes(source.passphrase))
    except ValueError as exc:
        raise SignerLoadError(
            "The PKCS#12 file could not be opened: the passphrase is wrong or the file "
            "is damaged."
        ) from exc
    if key is None or cert is None:
        raise SignerLoadError("The PKCS#12 file holds no private key with its certificate.")
    chain = [_to_asn1_cert(c) for c in others] + load_certificates(*source.extra_certs)
    return CachedKeySigner(_to_asn1_cert(cert), key, new_store(chain))


def _load_pem(source: PemSource) -> CachedKeySigner:
    try:
        if source.key.lstrip().startswith(b"-----"):
            key = serialization.load_pem_private_key(source.key, source.key_passphrase)
        else:
            key = serialization.load_der_private_key(source.key, source.key_passphrase)
    except (ValueError, TypeError) as exc:
        raise SignerLoadError(
            "The private key could not be read: the passphrase is wrong or missing, "
            "or the data is not a private key."
        ) from exc
    certs = load_certificates(source.certificate)
    if not certs:
        raise SignerLoadError("No certificate was found for the private key.")
    cert = certs[0]
    if _public_der(key) != cert.public_key.dump():
        raise SignerLoadError("The private key does not belong to the certificate given.")
    return CachedKeySigner(cert, key, new_store(load_certificates(*source.chain)))


def _public_der(key: Any) -> bytes:
    der: bytes = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


_CACHE_SIZE = 32
_cache: OrderedDict[SignerSource, Signer] = OrderedDict()
_lock = threading.Lock()


def load_signer(source: SignerSource) -> Signer:
    """A pyHanko signer for ``source``; parsed keys and open token sessions are cached.

    Raises :class:`~signing.errors.SignerLoadError` with a readable sentence when the
    key cannot be loaded (wrong passphrase or PIN, unreadable file, missing object).
    """
    with _lock:
        found = _cache.get(source)
        if found is not None:
            _cache.move_to_end(source)
            return found
    signer: Signer
    if isinstance(source, Pkcs12Source):
        signer = _load_pkcs12(source)
    elif isinstance(source, PemSource):
        signer = _load_pem(source)
    else:
        from signing.signers.pkcs11 import open_pkcs11_signer

        signer = open_pkcs11_signer(source)
    with _lock:
        _cache[source] = signer
        while len(_cache) > _CACHE_SIZE:
            _, evicted = _cache.popitem(last=False)
            _close(evicted)
    return signer


async def async_load_signer(source: SignerSource) -> Signer:
    """:func:`load_signer` in a worker thread (PKCS#12 key derivation and token logins
    block for tens of milliseconds; keep the event loop free)."""
    return await asyncio.to_thread(load_signer, source)


def _close(signer: Signer) -> None:
    if getattr(signer, "pkcs11_session", None) is not None:
        from signing.signers.pkcs11 import close_quietly

        close_quietly(signer)


def clear_signer_cache() -> None:
    """Forget cached keys and close cached PKCS#11 sessions."""
    with _lock:
        items = list(_cache.values())
        _cache.clear()
    for signer in items:
        _close(signer)
