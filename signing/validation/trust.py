"""What a validation trusts: anchors, extra certificates, revocation data, time, network."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict, Unpack

from asn1crypto import pem, x509

if TYPE_CHECKING:
    import aiohttp

__all__ = ["RevocationMode", "TrustConfig", "load_certificates"]

RevocationMode = Literal["hard-fail", "soft-fail", "require"]


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or many) or DER bytes."""
    if pem.detect(data):
        return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [x509.Certificate.load(data)]


class _PolicyOptions(TypedDict, total=False):
    """:class:`TrustConfig`'s fields besides the certificates, as keyword arguments."""

    allow_fetching: bool
    revocation_mode: RevocationMode
    crls: tuple[bytes, ...]
    ocsp_responses: tuple[bytes, ...]
    validation_time: datetime | None
    session: aiohttp.ClientSession | None
    fetch_timeout: float
    ades_cross_check: bool


class _TrustOptions(_PolicyOptions, total=False):
    """Every field of :class:`TrustConfig`, as keyword arguments."""

    trust_anchors: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class TrustConfig:
    """Validation policy input. Immutable; build a new one with :meth:`replace`.

    ``revocation_mode``: ``hard-fail`` (default) rejects a certificate whose declared
    CRL/OCSP cannot be checked; ``require`` demands revocation data for every certificate
    even when it declares none; ``soft-fail`` is for diagnostics only.
    """

    trust_anchors: tuple[x509.Certificate, ...] = ()
    intermediates: tuple[x509.Certificate, ...] = ()
    allow_fetching: bool = False
    revocation_mode: RevocationMode = "hard-fail"
    crls: tuple[bytes, ...] = ()
    """DER-encoded CRLs given to the validator (in addition to what the file holds)."""
    ocsp_responses: tuple[bytes, ...] = ()
    """DER-encoded OCSP responses given to the validator."""
    validation_time: datetime | None = None
    """Validate as of this moment (tests, audits "as of"); ``None`` means now."""
    session: aiohttp.ClientSession | None = field(default=None, compare=False, repr=False)
    """aiohttp session used for fetching CRL/OCSP/certificates (tests: certomancer's
    in-process services). The caller owns and closes it."""
    fetch_timeout: float = 10.0
    """Seconds per network request when fetching is allowed."""
    ades_cross_check: bool = False
    """Also run pyHanko's AdES (ETSI EN 319 102-1) engine on every signature and report
    its verdict next to ours. The AdES engine is always consulted when a signature fails
    only for reasons a proof of existence could cure (expiry, stale revocation data)."""

    @classmethod
    def from_pem_files(
        cls,
        anchors: Iterable[str | Path],
        intermediates: Iterable[str | Path] = (),
        **kw: Unpack[_PolicyOptions],
    ) -> TrustConfig:
        roots = [c for p in anchors for c in load_certificates(Path(p).read_bytes())]
        others = [c for p in intermediates for c in load_certificates(Path(p).read_bytes())]
        return cls(trust_anchors=tuple(roots), intermediates=tuple(others), **kw)

    def replace(self, **changes: Unpack[_TrustOptions]) -> TrustConfig:
        return dataclasses.replace(self, **changes)

    def with_anchors(self, *certs: x509.Certificate) -> TrustConfig:
        return dataclasses.replace(self, trust_anchors=self.trust_anchors + tuple(certs))
