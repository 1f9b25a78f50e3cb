"""Certificates and revocation data known before validation (given, or in the file)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from signing._failures import MALFORMED
from signing._failures import reason as _reason
from signing.validation.trust import TrustConfig


@dataclass
class _Evidence:
    """Revocation data and certificates known before validation, tagged by source."""

    certs: list[x509.Certificate] = field(default_factory=list)
    crls: list[tuple[str, asn1_crl.CertificateList]] = field(default_factory=list)
    ocsps: list[tuple[str, asn1_ocsp.OCSPResponse]] = field(default_factory=list)
    dss_has_revinfo: bool = False
    dss_revision: int | None = None
    """The revision that last changed the DSS (None: unknown or absent)."""
    warnings: list[str] = field(default_factory=list)

    def known_dumps(self) -> dict[bytes, str]:
        out: dict[bytes, str] = {}
        for src, c in self.crls:
            out[c.dump()] = src
        for src, o in self.ocsps:
            out[o.dump()] = src
        return out


def _read_evidence(reader: PdfFileReader, trust: TrustConfig) -> _Evidence:
    ev = _Evidence(certs=list(trust.intermediates))
    for raw in trust.crls:
        try:
            ev.crls.append(("given", asn1_crl.CertificateList.load(raw)))
        except MALFORMED as exc:
            ev.warnings.append(f"A CRL given to the validator could not be read: {_reason(exc)}")
    for raw in trust.ocsp_responses:
        try:
            ev.ocsps.append(("given", asn1_ocsp.OCSPResponse.load(raw)))
        except MALFORMED as exc:
            ev.warnings.append(
                f"An OCSP response given to the validator could not be read: {_reason(exc)}"
            )
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return ev
    except MALFORMED as exc:
        ev.warnings.append(f"The document security store (DSS) could not be read: {_reason(exc)}")
        return ev
    with suppress(*MALFORMED):  # when the DSS last changed stays unknown
        ref = reader.root.raw_get("/DSS")
        if hasattr(ref, "reference"):
            ev.dss_revision = int(reader.xrefs.get_last_change(ref.reference))
        else:  # a direct dictionary in the catalog
            ev.dss_revision = int(reader.xrefs.get_last_change(reader.root_ref))
    try:
        ev.certs.extend(dss.load_certs())
    except MALFORMED as exc:
        ev.warnings.append(f"Certificates in the DSS could not be read: {_reason(exc)}")
    for ref in dss.crls:
        try:
            ev.crls.append(("embedded", asn1_crl.CertificateList.load(ref.get_object().data)))
            ev.dss_has_revinfo = True
        except MALFORMED as exc:
            ev.warnings.append(f"A CRL in the DSS could not be read: {_reason(exc)}")
    for ref in dss.ocsps:
        try:
            ev.ocsps.append(("embedded", asn1_ocsp.OCSPResponse.load(ref.get_object().data)))
            ev.dss_has_revinfo = True
        except MALFORMED as exc:
            ev.warnings.append(f"An OCSP response in the DSS could not be read: {_reason(exc)}")
    return ev


def _adobe_revinfo(emb: EmbeddedPdfSignature) -> _Evidence:
    ev = _Evidence()
    try:
        archival = find_unique_cms_attribute(
            emb.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
    except MALFORMED:  # absent or ambiguous: no evidence
        return ev
    with suppress(*MALFORMED):
        for c in archival["crl"] or []:
            ev.crls.append(("embedded", c))
        for o in archival["ocsp"] or []:
            ev.ocsps.append(("embedded", o))
    return ev


def _build_context(
    trust: TrustConfig,
    ev: _Evidence,
    moment: datetime,
    backend: AIOHttpFetcherBackend | None,
    *,
    point_in_time: bool = False,
) -> ValidationContext:
    """The legacy validation context. ``point_in_time``: validate as of ``moment`` (a
    proven signing time) with the revocation data at hand, accepting data issued after it
    (``retroactive_revinfo``) and never fetching."""
    return ValidationContext(
        trust_roots=list(trust.trust_anchors),
        other_certs=ev.certs,
        crls=[c for _, c in ev.crls],
        ocsps=[o for _, o in ev.ocsps],
        moment=moment,
        allow_fetching=trust.allow_fetching and not point_in_time,
        revocation_mode=trust.revocation_mode,
        fetcher_backend=None if point_in_time else backend,
        retroactive_revinfo=point_in_time,
    )
