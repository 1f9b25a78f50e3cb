"""How a signing key is described: a PKCS#12 archive, a PEM key with its certificate, or a
key on a PKCS#11 token; and reading the certificates that come with it.

Both the software keys (``signing.signers.keys``) and the tokens
(``signing.signers.pkcs11``) start from here, so neither imports the other's module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.errors import SignerLoadError

__all__ = [
    "PemSource",
    "Pkcs11Source",
    "Pkcs12Source",
    "SignerSource",
    "load_certificates",
    "new_store",
]


@dataclass(frozen=True)
class Pkcs12Source:
    """A PKCS#12 (``.p12``/``.pfx``) archive holding the key, its certificate and chain."""

    data: bytes | Path
    """The archive's bytes, or the path of the file holding them."""
    passphrase: str | bytes | None = None
    """Passphrase protecting the archive (``None`` for an unprotected one)."""
    extra_certs: tuple[bytes, ...] = ()
    """Further CA certificates (PEM or DER) to embed besides those in the archive."""


@dataclass(frozen=True)
class PemSource:
    """A private key and certificate in PEM (or DER), with the issuing chain."""

    key: bytes
    """The private key, PEM or DER (PKCS#8 or traditional)."""
    certificate: bytes
    """The signer's certificate, PEM or DER."""
    chain: tuple[bytes, ...] = ()
    """Issuing CA certificates (PEM or DER; a PEM item may hold several)."""
    key_passphrase: bytes | None = None
    """Passphrase of an encrypted private key."""


@dataclass(frozen=True)
class Pkcs11Source:
    """A key that stays on a PKCS#11 token (HSM, SoftHSM2, USB token)."""

    module_path: str
    """Path of the PKCS#11 module (e.g. ``/usr/lib/softhsm/libsofthsm2.so``)."""
    token_label: str
    """Label of the token holding the key."""
    user_pin: str
    """User PIN of the token."""
    key_label: str | None = None
    """Label of the private key object."""
    key_id: bytes | None = None
    """``CKA_ID`` of the private key object (alternative to the label)."""
    cert_label: str | None = None
    """Label of the certificate object (defaults to the key label)."""
    chain: tuple[bytes, ...] = ()
    """Issuing CA certificates (PEM or DER) to embed; not read from the token."""


SignerSource = Pkcs12Source | PemSource | Pkcs11Source


def load_certificates(*blobs: bytes) -> list[asn1_x509.Certificate]:
    """Parse PEM (possibly several per blob) or DER certificates."""
    out: list[asn1_x509.Certificate] = []
    for blob in blobs:
        try:
            out.extend(load_certs_from_pemder_data(blob))
        except (ValueError, TypeError, LookupError) as exc:  # asn1crypto's parse errors
            raise SignerLoadError(f"A certificate could not be read ({exc}).") from exc
    return out


def _untyped(obj: Any) -> Any:
    """pyHanko callables that carry no annotations, for ``mypy --strict``."""
    return obj


def new_store(certs: list[asn1_x509.Certificate]) -> SimpleCertificateStore:
    """A pyHanko certificate store holding ``certs``."""
    store: SimpleCertificateStore = _untyped(SimpleCertificateStore)()
    store.register_multiple(certs)
    return store
