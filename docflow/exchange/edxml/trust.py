"""Whom an XML signature may lead to: trust anchors, and building the signer's chain.

Chains are built and checked by ``cryptography``'s X.509 verifier (path building from
the certificates in ``KeyInfo`` plus known intermediates to a root given here), with
the policy signxml applies to XML signers: the end certificate must allow digital
signatures (or non-repudiation); CA certificates follow the Web PKI CA profile
(basic constraints, key usage, no SHA-1 signatures). Revocation is not checked here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeAlias

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509 import verification

__all__ = ["CertificateLike", "TrustAnchors", "build_chain", "load_certificates"]

#: A certificate as any of docflow's libraries hold it, or its PEM/DER bytes (a PEM
#: blob may hold several).
CertificateLike: TypeAlias = x509.Certificate | asn1_x509.Certificate | bytes


def load_certificates(items: Iterable[CertificateLike]) -> tuple[x509.Certificate, ...]:
    """``cryptography`` certificates for ``items`` (``ValueError`` for unreadable bytes)."""
    found: list[x509.Certificate] = []
    for item in items:
        if isinstance(item, x509.Certificate):
            found.append(item)
        elif isinstance(item, asn1_x509.Certificate):
            found.append(x509.load_der_x509_certificate(item.dump()))
        elif item.lstrip().startswith(b"-----BEGIN"):
            found.extend(x509.load_pem_x509_certificates(item))
        else:
            found.append(x509.load_der_x509_certificate(item))
    return tuple(found)


@dataclass(frozen=True)
class TrustAnchors:
    """Roots a signer's chain must end in, and intermediates that may help build it."""

    roots: tuple[x509.Certificate, ...]
    """Trusted roots (a peer's, or the national root)."""
    intermediates: tuple[x509.Certificate, ...] = ()
    """CA certificates to build chains with; trusted only through a root."""

    @classmethod
    def of(
        cls, roots: Iterable[CertificateLike], intermediates: Iterable[CertificateLike] = ()
    ) -> TrustAnchors:
        """From ``cryptography`` or ``asn1crypto`` certificates, or PEM/DER bytes."""
        return cls(load_certificates(roots), load_certificates(intermediates))


def _key_usage_allows_signing(policy: Any, certificate: Any, usage: x509.KeyUsage) -> None:
    if not (usage.digital_signature or usage.content_commitment):
        raise ValueError("the certificate's key usage allows no signatures")


def build_chain(
    signer: x509.Certificate,
    others: Iterable[x509.Certificate],
    trust: TrustAnchors,
    moment: datetime | None,
) -> tuple[x509.Certificate, ...]:
    """The chain from ``signer`` to a trusted root at ``moment`` (default: now).

    Raises ``cryptography.x509.verification.VerificationError`` naming why there is none.
    """
    end_policy = verification.ExtensionPolicy.permit_all().require_present(
        x509.KeyUsage, verification.Criticality.AGNOSTIC, _key_usage_allows_signing
    )
    builder = (
        verification.PolicyBuilder()
        .store(verification.Store(list(trust.roots)))
        .time(moment or datetime.now(UTC))
        .extension_policies(
            ee_policy=end_policy, ca_policy=verification.ExtensionPolicy.webpki_defaults_ca()
        )
    )
    verifier = builder.build_client_verifier()
    intermediates = [c for c in (*others, *trust.intermediates) if c != signer]
    result = verifier.verify(signer, intermediates)
    return tuple(result.chain)
