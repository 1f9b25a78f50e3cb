"""The development PKI behind docflow's ports (``docflow.core.ports``), for demo mode.

``docflow.bootstrap`` picks these when no real key, time-stamping authority or root is
configured outside production. Each is a frozen dataclass naming the dev PKI (its URL
prefix and cache directory), so it pickles into the signing workers, which rebuild the
same ``DevPki`` there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import signing
from docflow.devpki.pki import DevPki, dev_pki_for

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["DevCertificateIssuer", "DevSealKeys", "DevTimeStamping", "DevTrust"]


@dataclass(frozen=True)
class _DevPkiRef:
    url_prefix: str
    cache_dir: str | None

    def pki(self) -> DevPki:
        from docflow.devpki import configure

        cache = Path(self.cache_dir) if self.cache_dir else None
        return configure(dev_pki_for(self.url_prefix, cache))

    def warm(self) -> None:
        """Derive and load the dev PKI's certificates, keys and CRLs now (start-up)."""
        from docflow.devpki.warm import warm_pki

        warm_pki(self.pki())


@dataclass(frozen=True)
class DevSealKeys(_DevPkiRef):
    """Every demo agency's seal from the dev PKI (``devpki:<abbrev>`` key references)."""

    def seal_source(self, abbreviation: str, key_ref: str | None = None) -> signing.SignerSource:
        from docflow.devpki import dev_signer

        name = abbreviation
        if key_ref and key_ref.startswith("devpki:"):
            name = key_ref.split(":", 1)[1]
        key, cert, chain = dev_signer(name, self.pki())
        return signing.PemSource(key=key, certificate=cert, chain=tuple(chain))

    def rehearse(self) -> None:
        """Seal a blank page as an issue does and validate it as a verification does,
        in this process (a signing worker, at start-up: ``docflow.core.warm_up``)."""
        from docflow.devpki.warm import rehearse_seal

        ref = (self.url_prefix, self.cache_dir)
        rehearse_seal(self.seal_source("stttt"), DevTrust(*ref), DevTimeStamping(*ref))


@dataclass(frozen=True)
class DevTimeStamping(_DevPkiRef):
    """The dev TSA, in-process (no HTTP to docflow itself)."""

    def sign_kwargs(self) -> dict[str, Any]:
        from docflow.devpki import dev_timestamper

        return {"timestamper": dev_timestamper(self.pki())}


@dataclass(frozen=True)
class DevTrust(_DevPkiRef):
    """The dev root; revocation data answered in-process by the dev PKI."""

    def anchor_pems(self) -> tuple[bytes, ...]:
        return (self.pki().root_pem(),)

    def ca_pems(self) -> tuple[bytes, ...]:
        from docflow.devpki import dev_intermediates

        return tuple(dev_intermediates(self.pki()))

    def revocation_crls(self) -> list[bytes]:
        from docflow.devpki import dev_crls

        return dev_crls(pki=self.pki())

    def trust_config(self) -> signing.TrustConfig:
        """Offline, with the dev CAs' current CRLs (a B-T document validates too)."""
        anchors = tuple(c for p in self.anchor_pems() for c in signing.load_certificates(p))
        inter = tuple(c for p in self.ca_pems() for c in signing.load_certificates(p))
        return signing.TrustConfig(
            trust_anchors=anchors,
            intermediates=inter,
            crls=tuple(self.revocation_crls()),
            allow_fetching=False,
        )

    def long_term_kwargs(self) -> dict[str, Any]:
        """Fetched as in production (the DSS then holds the signatures' own chains and
        status after archive timestamps), answered in-process by the dev PKI."""
        return {
            "trust_roots": self.anchor_pems(),
            "http_session": self.fetch_session(),
            "allow_fetching": True,
        }

    def fetch_session(self) -> Any:
        """The dev PKI's CRL/OCSP URLs name a docflow server that need not be running:
        answered in-process (other URLs still go to the network)."""
        from docflow.devpki.fetch import DevPkiSession

        return DevPkiSession(self.pki())


@dataclass(frozen=True)
class DevCertificateIssuer(_DevPkiRef):
    """Personal certificates from the demo agencies' dev CAs."""

    def issue(
        self,
        csr: x509.CertificateSigningRequest,
        *,
        abbrev: str,
        full_name: str,
        agency_name: str,
    ) -> x509.Certificate:
        from docflow.devpki import dev_ca_issue

        return dev_ca_issue(
            csr, abbrev=abbrev, full_name=full_name, agency_name=agency_name, pki=self.pki()
        )

    def chain_pems(self, abbrev: str) -> list[bytes]:
        from docflow.devpki import dev_ca_chain_pem

        return dev_ca_chain_pem(abbrev, self.pki())
