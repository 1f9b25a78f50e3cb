"""Long-term evidence for one signature: the document's and the signature's validation
state, the PAdES level reached, revocation matching, and long-term validation (the AdES
engine's proof of existence, or the chain as of a trusted timestamp) when only time
stands in the way of a signature."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from asn1crypto import cms, x509
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from signing._failures import CHECK_FAILED, MALFORMED, reason
from signing.validation import _facts
from signing.validation._evidence import _build_context, _Evidence
from signing.validation._policy import DOCFLOW_DIFF_POLICY
from signing.validation._verdict import _Verdict
from signing.validation.model import (
    CertificateInfo,
    Coverage,
    Indication,
    ModificationKind,
    Modifications,
    RevocationInfo,
)
from signing.validation.trust import TrustConfig

log = logging.getLogger(__name__)


_PADES_SUBFILTERS = {"/ETSI.CAdES.detached"}


_POE_CURABLE = {
    "OUT_OF_BOUNDS_NO_POE",
    "OUT_OF_BOUNDS_NOT_REVOKED",
    "REVOKED_NO_POE",
    "REVOCATION_OUT_OF_BOUNDS_NO_POE",
    "TRY_LATER",
    "NO_POE",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
    # pyHanko's classic validation says this when the revocation data it holds is stale
    # (years after signing); the long-term validation decides with the timestamps
    "CERTIFICATE_CHAIN_GENERAL_FAILURE",
}


@dataclass
class _DocState:
    reader: PdfFileReader
    trust: TrustConfig
    moment: datetime
    evidence: _Evidence
    vc: ValidationContext
    doc_ts_revisions: list[int] = field(default_factory=list)


@dataclass
class _SigState:
    """What is learnt about one signature, step by step."""

    emb: EmbeddedPdfSignature
    v: _Verdict = field(default_factory=_Verdict)
    cert: x509.Certificate | None = None
    md: str | None = None
    sig_algo: str | None = None
    own: _Evidence = field(default_factory=_Evidence)
    """Revocation data the signature carries itself (Adobe's archival attribute)."""
    st: PdfSignatureStatus | None = None
    coverage: Coverage = Coverage.UNKNOWN
    mods: Modifications = field(default_factory=lambda: Modifications(ModificationKind.UNKNOWN))
    best_time: datetime | None = None
    """The signing time proven by a trusted timestamp."""
    tsa: str | None = None
    claimed: datetime | None = None
    chain: tuple[CertificateInfo, ...] = ()
    level: str | None = None
    ades: dict[str, Any] | None = None
    poe_cured: datetime | None = None
    """The proven time long-term validation judged the signature at (it passed then)."""


def _level(
    emb: EmbeddedPdfSignature, st: PdfSignatureStatus | None, doc: _DocState, own_revinfo: bool
) -> str:
    subfilter = str(emb.sig_object.get("/SubFilter", ""))
    prefix = "B" if subfilter in _PADES_SUBFILTERS else "PKCS7"
    has_sig_ts = False
    with suppress(*MALFORMED):
        has_sig_ts = any(True for _ in _tst_iter(emb))
    later_doc_ts = [r for r in doc.doc_ts_revisions if r > emb.signed_revision]
    if not (has_sig_ts or later_doc_ts):
        return f"{prefix}-B"
    dss_rev = doc.evidence.dss_revision
    dss_after = doc.evidence.dss_has_revinfo and (dss_rev is None or dss_rev > emb.signed_revision)
    if not (dss_after or own_revinfo):
        return f"{prefix}-T"
    if later_doc_ts:
        return f"{prefix}-LTA"
    return f"{prefix}-LT"


def _tst_iter(emb: EmbeddedPdfSignature) -> Iterator[cms.SignedData]:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    yield from extract_tst_data_iter(emb.signer_info, signed=False)


def _revocation(
    cert: x509.Certificate | None,
    st: PdfSignatureStatus | None,
    doc: _DocState,
    extra: _Evidence,
    at: datetime,
) -> RevocationInfo:
    if cert is None:
        return RevocationInfo(source="none", status="unknown")
    known = doc.evidence.known_dumps() | extra.known_dumps()
    ocsps: list[tuple[str, asn1_ocsp.OCSPResponse]] = []
    crls: list[tuple[str, asn1_crl.CertificateList]] = []
    with suppress(*MALFORMED):
        for o in doc.vc.ocsps:
            ocsps.append((known.get(o.dump(), "fetched"), o))
        for c in doc.vc.crls:
            crls.append((known.get(c.dump(), "fetched"), c))
    ocsps += [x for x in extra.ocsps if x[1].dump() not in {o.dump() for _, o in ocsps}]
    crls += [x for x in extra.crls if x[1].dump() not in {c.dump() for _, c in crls}]
    info = _facts.match_revocation(cert, ocsps, crls, at)
    if st is not None and st.revocation_details is not None:
        rd = st.revocation_details
        base = info or RevocationInfo(
            source="fetched" if doc.trust.allow_fetching else "embedded", status="revoked"
        )
        return RevocationInfo(
            source=base.source,
            status="revoked",
            kind=base.kind,
            produced_at=base.produced_at,
            next_update=base.next_update,
            fresh=base.fresh,
            revocation_date=rd.revocation_date,
            revocation_reason=str(rd.revocation_reason.native),
        )
    return info or RevocationInfo(source="none", status="unknown")


async def _passes_at(
    emb: EmbeddedPdfSignature, doc: _DocState, own: _Evidence, when: datetime
) -> PdfSignatureStatus | None:
    """Whether the signer's chain validates as of ``when`` (a trusted signature timestamp)
    from the revocation data in the file and given to us; no fetching."""
    evidence = _Evidence(
        certs=doc.evidence.certs,
        crls=doc.evidence.crls + own.crls,
        ocsps=doc.evidence.ocsps + own.ocsps,
    )
    vc = _build_context(doc.trust, evidence, when, None, point_in_time=True)
    try:
        st = await async_validate_pdf_signature(
            emb,
            signer_validation_context=vc,
            ts_validation_context=doc.vc,
            diff_policy=DOCFLOW_DIFF_POLICY,
        )
    except CHECK_FAILED as exc:
        log.info("point-in-time validation of %s failed: %s", emb.field_name, reason(exc))
        return None
    finally:
        with suppress(aiohttp.ClientError, OSError):  # closing must not hide the result
            await vc.aclose()  # type: ignore[no-untyped-call]
    if st.intact and st.valid and st.trusted and st.revocation_details is None:
        return st
    return None


def archive_lacks(doc: _DocState) -> str | None:
    """What a B-LTA document lacks offline when its long-term validation failed: revocation
    data for the newest archive timestamp's authority issued after that timestamp."""
    if doc.trust.allow_fetching:
        return None
    from signing.validation._freshness import newest_timestamp_assertions

    try:
        stamps = doc.reader.embedded_timestamp_signatures
        if not stamps or newest_timestamp_assertions(doc.reader, doc.moment):
            return None
        tst = stamps[-1].signed_data["encap_content_info"]["content"].parsed
        when = tst["gen_time"].native.isoformat()
    except MALFORMED:  # an unreadable timestamp was reported already
        return None
    return (
        f"The newest archive timestamp ({when}) carries no revocation data for its "
        "time-stamping authority issued after it: offline, nothing shows that authority's "
        "certificate unrevoked at the validation time. Validate online (--online), or renew "
        "the archive timestamp while the authority's status can still be fetched."
    )


def _curable(s: _SigState, doc: _DocState) -> bool:
    """Whether only time stands in the way (expiry, stale revocation data) of an intact,
    unmodified signature, and the file holds a timestamp that could prove it in time."""
    st = s.st
    if st is None:
        return False
    has_time_evidence = st.timestamp_validity is not None or any(
        r > s.emb.signed_revision for r in doc.doc_ts_revisions
    )
    return (
        s.v.only_time_problems
        and s.v.sub in _POE_CURABLE
        and st.intact
        and st.valid
        and has_time_evidence
        and s.mods.kind is not ModificationKind.OTHER
    )


async def long_term(s: _SigState, doc: _DocState) -> None:
    """Long-term validation: the AdES engine with proof of existence from the file's
    timestamps, else the chain as of the trusted signature timestamp (B-LT); also the
    AdES cross-check when asked for."""
    curable = _curable(s, doc)
    if not (curable or (doc.trust.ades_cross_check and s.st is not None)):
        return
    from signing.validation.ades import ades_validate_embedded, process_for_level

    process = "LTA" if curable else process_for_level(s.level)
    try:
        ades = await ades_validate_embedded(s.emb, doc.trust, doc.moment, process)
    except CHECK_FAILED as exc:
        ades = {
            "indication": "INDETERMINATE",
            "sub_indication": "GENERIC",
            "message": reason(exc),
            "best_signature_time": None,
        }
    s.ades = ades
    v = s.v
    if curable and ades.get("indication") == Indication.TOTAL_PASSED.value:
        when = ades.get("best_signature_time")
        s.poe_cured = when if isinstance(when, datetime) else None
        s.best_time = s.poe_cured or s.best_time
        when_s = when.isoformat() if isinstance(when, datetime) else str(when)
        s.v = v.cured(
            f"Validated as of the proven signing time {when_s} from the file's timestamps "
            "and revocation data (ETSI long-term validation); at the validation time alone "
            f"the result would be {v.indication.value}/{v.sub}."
        )
    elif curable and s.best_time is not None and await _passes_at_timestamp(s, doc, s.best_time):
        return
    elif ades.get("indication") != v.indication.value and doc.trust.ades_cross_check:
        v.warnings.append(
            f"The AdES engine reached {ades.get('indication')}/{ades.get('sub_indication')}."
        )


async def _passes_at_timestamp(s: _SigState, doc: _DocState, best_time: datetime) -> bool:
    """Cure the verdict when the chain validates as of the signature timestamp with the
    revocation data the file holds (PAdES B-LT without an archive timestamp)."""
    pit = await _passes_at(s.emb, doc, s.own, best_time)
    if not pit:
        return False
    v = s.v
    s.poe_cured = best_time
    if pit.validation_path is not None:
        s.chain = _facts.chain_infos(reversed(list(pit.validation_path)))
    s.v = v.cured(
        f"Validated as of the signature timestamp {best_time.isoformat()} with the "
        "revocation data held in the file (PAdES B-LT): the certificate chain was "
        "valid and not revoked then. At the validation time alone the result would be "
        f"{v.indication.value}/{v.sub}; a document timestamp (B-LTA) would let the "
        "ETSI long-term validation confirm it too."
    )
    return True


def name_what_long_term_lacks(s: _SigState, doc: _DocState) -> None:
    """When long-term validation did not settle a B-LT or B-LTA signature that fails only
    for time, say what the file lacks."""
    level, v = s.level, s.v
    if s.poe_cured is not None or not level or not v.only_time_problems:
        return
    if level.endswith("-LTA"):
        lacking = archive_lacks(doc)
        if lacking:
            v.errors.append(lacking)
    if level.endswith("-LT"):
        v.errors.append(
            "This B-LT signature has no archive timestamp (B-LTA) after it: at the validation "
            "time the revocation data it carries no longer shows the certificates unrevoked, "
            "and no later timestamp proves it existed while they were. It needs a document "
            "timestamp added while its data was current (docflow renews issued documents), "
            "or validation with current revocation data (--online)."
        )
