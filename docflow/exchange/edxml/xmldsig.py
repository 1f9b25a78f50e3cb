"""Signed packages: the enveloped XML signature docflow makes, and the one it checks.

**Signing.** :func:`async_write_signed_package` builds the package and signs it with
an agency seal key through the same key adapters as PAdES: pass a
``signing.SignerSource`` (``PemSource``, ``Pkcs12Source``, ``Pkcs11Source``) or a
pyHanko ``Signer`` already loaded (``await signing.async_load_signer(source)``). The
signature (W3C XML-DSig namespace) is the last child of ``edXMLHeader``; its one
reference is ``URI=""`` with the enveloped-signature and exclusive C14N transforms,
SHA-256 digest, RSA-SHA256 or ECDSA-SHA256 by the key (never SHA-1); ``KeyInfo``
carries the signing certificate and its chain below the root. A PKCS#11 key never
leaves its token: only the canonical ``SignedInfo`` is sent to it.

**Verifying.** :func:`verify_package` judges a parsed package's signature against
trust anchors and returns a :class:`SignatureVerification`: ``valid``, the signer's
certificate (check it belongs to the ``From`` agency), the algorithm, a ``weak`` flag
(RSA-SHA1 is accepted here, on import, and only here) and coded problems naming what
failed: the digest of the reference, the signature value, an untrusted chain, a
missing or wrong reference, extra references, a transform that would let the
signature cover less than the whole package.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO

from cryptography import x509

from docflow.exchange.edxml._dsig import canonical
from docflow.exchange.edxml._sign import (
    RawSigner,
    identify,
    set_digest,
    set_value,
    sign_signed_info,
    signature_element,
)
from docflow.exchange.edxml._verify import SignatureVerification, verify_tree
from docflow.exchange.edxml.build import digest_without, ensure_size, prepare, write_tree
from docflow.exchange.edxml.limits import Limits
from docflow.exchange.edxml.model import Package
from docflow.exchange.edxml.parse import ParsedPackage
from docflow.exchange.edxml.trust import TrustAnchors

if TYPE_CHECKING:
    import signing

__all__ = [
    "RawSigner",
    "SignatureVerification",
    "SignedPackage",
    "async_sign_package",
    "async_write_signed_package",
    "verify_package",
]

_DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SignedPackage:
    """What was written, and by whom."""

    size: int
    """Bytes written."""
    sha256: str
    """SHA-256 of the bytes written, hex."""
    algorithm: str
    """``"RSA-SHA256"`` or ``"ECDSA-SHA256"``."""
    signer_certificate: x509.Certificate
    """The seal certificate that signed."""


async def _signer(source: RawSigner | signing.SignerSource) -> RawSigner:
    import signing

    if isinstance(source, signing.PemSource | signing.Pkcs12Source | signing.Pkcs11Source):
        loaded: RawSigner = await signing.async_load_signer(source)
        return loaded
    return source


async def async_write_signed_package(
    package: Package,
    signer: RawSigner | signing.SignerSource,
    out: BinaryIO,
    *,
    limits: Limits = _DEFAULT_LIMITS,
    check: bool = True,
) -> SignedPackage:
    """Build ``package``, sign it, write it to ``out``.

    Raises, before anything is written: :class:`PackageInvalid` (rules broken),
    :class:`PackageTooLarge`, :class:`SigningFailed` (unusable key, token error, a
    signature that does not verify under its certificate); ``signing.SignerLoadError``
    when a source cannot be loaded.
    """
    raw = await _signer(signer)
    identity = identify(raw)
    built = prepare(package, check=check)
    signature = signature_element(built.header, identity)
    ensure_size(built, limits)
    set_digest(signature, digest_without(built, signature, "sha256"))
    signed_info = canonical(signature[0], exclusive=True, with_comments=False)
    set_value(signature, await sign_signed_info(raw, identity, signed_info))
    written = write_tree(built, out)
    return SignedPackage(
        size=written.size,
        sha256=written.sha256,
        algorithm=identity.name,
        signer_certificate=identity.certificate,
    )


async def async_sign_package(
    package: Package,
    signer: RawSigner | signing.SignerSource,
    *,
    limits: Limits = _DEFAULT_LIMITS,
    check: bool = True,
) -> bytes:
    """The signed package as bytes (small packages and tests; prefer writing to a file)."""
    out = io.BytesIO()
    await async_write_signed_package(package, signer, out, limits=limits, check=check)
    return out.getvalue()


def verify_package(
    parsed: ParsedPackage,
    trust: TrustAnchors,
    *,
    moment: datetime | None = None,
    accept_sha1: bool = True,
) -> SignatureVerification:
    """The verdict on ``parsed``'s XML signature against ``trust`` at ``moment`` (now).

    Never raises for what the package contains. An unsigned package or a placeholder
    gives ``valid=False`` with ``presence`` saying which; whether to accept it anyway
    (a legacy peer) is the caller's decision. ``accept_sha1=False`` refuses RSA-SHA1
    and SHA-1 digests instead of reporting them as weak. ``moment`` (zone-aware) is
    when the certificates must be valid; revocation is not checked here.
    """
    if moment is not None and moment.tzinfo is None:
        raise ValueError("moment must carry a time zone")
    return verify_tree(parsed.tree, trust, moment=moment, accept_sha1=accept_sha1)
