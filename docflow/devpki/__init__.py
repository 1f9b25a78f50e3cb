"""The development PKI in demo mode: dev signers, trust anchor, revocation data, TSA.

**Development keys only** (``certs-dev/``): public, never trusted; production mode
refuses them. Nothing here may be wired in production.

One :class:`DevPki` per public URL: the certificates name their CRL, OCSP and CA-issuer
services under ``<DOCFLOW_PUBLIC_URL>/dev-pki/haugiang/...``, which ``devpki_router()``
serves, so NSS (pdfsig), Acrobat or pyHanko fetch them wherever docflow is reached. The
derived certificates are cached under ``<DOCFLOW_DATA_DIR>/dev-pki-cache/``.

- ``current()``: the dev PKI of this process (from the settings, or ``configure()``).
- ``dev_signer(name)``: key, certificate and chain of a demo user or agency seal.
- ``dev_trust_roots()`` / ``dev_intermediates()``: the dev root / the agency CAs (PEM).
- ``dev_crls(repos)``: current CRLs (DER); ``dev_timestamper()``: the TSA in-process.
- ``dev_ca_issue(...)``: a personal certificate for a CSR from an agency's dev CA.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from docflow.devpki.pki import (
    AGENCIES,
    DEFAULT_URL_PREFIX,
    DEV_ARCH_LABEL,
    PERSON_ROLES,
    DevPki,
    dev_pki_for,
)

if TYPE_CHECKING:
    from cryptography import x509

    from docflow.core.settings import Settings
    from docflow.devpki.tsa import DevTimeStamper, DevTsa

__all__ = [
    "AGENCIES",
    "DEFAULT_URL_PREFIX",
    "DEV_ARCH_LABEL",
    "DEV_PKI_URL_PREFIX",
    "PERSON_ROLES",
    "DevPki",
    "configure",
    "current",
    "dev_ca_chain_pem",
    "dev_ca_issue",
    "dev_crls",
    "dev_intermediates",
    "dev_signer",
    "dev_signer_names",
    "dev_timestamper",
    "dev_trust_roots",
    "dev_tsa",
    "dev_tsa_url",
    "pki_for_settings",
    "url_prefix_for",
]

#: Kept for callers of the default address (``make run``).
DEV_PKI_URL_PREFIX = DEFAULT_URL_PREFIX

_current: DevPki | None = None
_tsas: dict[int, DevTsa] = {}
_lock = threading.Lock()


def url_prefix_for(public_url: str) -> str:
    return public_url.rstrip("/") + "/dev-pki"


def pki_for_settings(settings: Settings) -> DevPki:
    """The dev PKI named by ``settings`` (public URL, data dir for the cache)."""
    return dev_pki_for(
        url_prefix_for(settings.public_url), Path(settings.data_dir).resolve() / "dev-pki-cache"
    )


def configure(pki: DevPki) -> DevPki:
    """Make ``pki`` this process's dev PKI (bootstrap, worker processes)."""
    global _current
    _current = pki
    return pki


def current() -> DevPki:
    """This process's dev PKI: the configured one, else the one the environment names."""
    global _current
    if _current is None:
        from docflow.core.settings import ConfigurationError, Settings

        try:
            _current = pki_for_settings(Settings.from_env())
        except ConfigurationError:
            _current = dev_pki_for()
    return _current


def dev_signer(name: str, pki: DevPki | None = None) -> tuple[bytes, bytes, list[bytes]]:
    """``(key PEM, certificate PEM, chain PEMs)`` for a demo user (``stttt.leader``) or
    an agency seal (``STTTT``/``stttt``); ``LookupError`` lists the valid names."""
    return (pki or current()).signer(name)


def dev_signer_names() -> list[str]:
    return DevPki.signer_names()


def dev_trust_roots(pki: DevPki | None = None) -> list[bytes]:
    """The dev root certificate (PEM), the only trust anchor of the dev PKI."""
    return [(pki or current()).root_pem()]


def dev_intermediates(pki: DevPki | None = None) -> list[bytes]:
    """The agency CAs (PEM): what validation may need to build a chain."""
    p = pki or current()
    return [p.cert_pem(label) for label in p.ca_labels()]


def dev_crls(
    repos: tuple[str, ...] | None = None, at: datetime | None = None, pki: DevPki | None = None
) -> list[bytes]:
    """Current CRLs (DER) of ``repos`` (default: the root and every agency CA)."""
    from docflow.devpki.status import crl_labels, dev_crl

    p = pki or current()
    return [dev_crl(p, repo, at) for repo in (repos or crl_labels())]


def dev_tsa(pki: DevPki | None = None) -> DevTsa:
    from docflow.devpki.tsa import DevTsa

    p = pki or current()
    with _lock:
        tsa = _tsas.get(id(p))
        if tsa is None:
            tsa = _tsas[id(p)] = DevTsa(p)
        return tsa


def dev_timestamper(pki: DevPki | None = None, at: datetime | None = None) -> DevTimeStamper:
    """pyHanko time stamper signing with the dev TSA in-process (no HTTP to itself)."""
    from docflow.devpki.tsa import DevTimeStamper

    return DevTimeStamper(dev_tsa(pki), at)


def dev_tsa_url(pki: DevPki | None = None) -> str:
    return (pki or current()).tsa_url


def dev_ca_issue(
    csr: x509.CertificateSigningRequest,
    *,
    abbrev: str,
    full_name: str,
    agency_name: str,
    pki: DevPki | None = None,
) -> x509.Certificate:
    """A personal signing certificate for the CSR's key from the agency's dev CA."""
    from docflow.devpki.issue import issue_personal_certificate

    return issue_personal_certificate(
        pki or current(), csr, abbrev=abbrev, full_name=full_name, agency_name=agency_name
    )


def dev_ca_chain_pem(abbrev: str, pki: DevPki | None = None) -> list[bytes]:
    """The dev CA of ``abbrev`` then the dev root (PEM)."""
    p = pki or current()
    label = abbrev.lower()
    if label not in AGENCIES:
        raise LookupError(f"no development CA for {abbrev!r}")
    return [p.cert_pem(f"ca-{label}"), p.root_pem()]
