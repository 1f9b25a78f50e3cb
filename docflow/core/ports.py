"""The ports: what feature code may ask of the outside world, whoever provides it.

``docflow.bootstrap`` chooses the adapters once, from the settings: the development PKI
(``docflow.devpki.adapters``) or configured keys, time-stamping authority and roots
(``docflow.core.keys``). Feature code only sees these protocols; it never imports the
dev PKI nor asks whether it runs in demo mode. (The job queue's port is
``docflow.core.jobs.port``.) Adapters are frozen dataclasses: they
travel to the signing worker processes by pickle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cryptography import x509

    import signing

__all__ = [
    "CertificateIssuer",
    "SealKeys",
    "TimeStamping",
    "TrustStore",
]


class SealKeys(Protocol):
    """Where each agency's seal key is (an HSM token, PKCS#12 files, the dev PKI)."""

    def seal_source(self, abbreviation: str, key_ref: str | None = None) -> signing.SignerSource:
        """The key of the agency ``abbreviation``; ``key_ref`` is the agency's own record
        of where its key lives, when it has one. Raises ``JobFailed`` when none is
        configured."""
        ...


class TimeStamping(Protocol):
    """The RFC 3161 time-stamping authority signatures and checkpoints use."""

    def sign_kwargs(self) -> dict[str, Any]:
        """``SignRequest`` keyword arguments naming it (``tsa_url`` or ``timestamper``)."""
        ...


class TrustStore(Protocol):
    """The roots signatures are validated against, and how revocation data is had."""

    def anchor_pems(self) -> tuple[bytes, ...]:
        """The trust anchors (PEM); raises ``JobFailed`` when none is configured."""
        ...

    def ca_pems(self) -> tuple[bytes, ...]:
        """Known CA certificates below the anchors (PEM), to complete signers' chains."""
        ...

    def trust_config(self) -> signing.TrustConfig:
        """The validation policy of this deployment, now."""
        ...

    def long_term_kwargs(self) -> dict[str, Any]:
        """``SignRequest`` keyword arguments for gathering revocation data (B-LT, B-LTA)."""
        ...

    def fetch_session(self) -> Any | None:
        """An HTTP session that answers this trust's revocation URLs (the dev PKI's,
        in-process); None: the network."""
        ...

    def revocation_crls(self) -> list[bytes]:
        """Current CRLs known without fetching (to show a certificate's status)."""
        ...


class CertificateIssuer(Protocol):
    """Issues personal signing certificates for CSRs (the dev CAs; none in production,
    where people bring certificates from the real CA)."""

    def issue(
        self,
        csr: x509.CertificateSigningRequest,
        *,
        abbrev: str,
        full_name: str,
        agency_name: str,
    ) -> x509.Certificate: ...

    def chain_pems(self, abbrev: str) -> list[bytes]:
        """The issuing CA of ``abbrev`` then the root (PEM)."""
        ...
