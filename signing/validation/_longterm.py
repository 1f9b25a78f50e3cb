"""Long-term evidence for one signature: the document's validation state, the PAdES
level reached, revocation matching, and validation as of a proven (timestamped) time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import cms, x509
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from signing.validation import _facts
from signing.validation._evidence import _build_context, _Evidence
from signing.validation._policy import DOCFLOW_DIFF_POLICY
from signing.validation.model import RevocationInfo
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


def _level(
    emb: EmbeddedPdfSignature, st: PdfSignatureStatus | None, doc: _DocState, own_revinfo: bool
) -> str:
    subfilter = str(emb.sig_object.get("/SubFilter", ""))
    prefix = "B" if subfilter in _PADES_SUBFILTERS else "PKCS7"
    has_sig_ts = False
    with suppress(Exception):
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
    with suppress(Exception):
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
    except Exception:  # noqa: BLE001
        log.info("point-in-time validation of %s raised", emb.field_name, exc_info=True)
        return None
    finally:
        with suppress(Exception):
            await vc.aclose()  # type: ignore[no-untyped-call]
    if st.intact and st.valid and st.trusted and st.revocation_details is None:
        return st
    return None
