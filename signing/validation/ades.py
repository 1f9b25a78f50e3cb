"""pyHanko's AdES engine (ETSI EN 319 102-1) and the ETSI TS 119 102-2 XML report."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from pyhanko.sign.validation import EmbeddedPdfSignature
from pyhanko.sign.validation.ades import (
    AdESBasicValidationResult,
    ades_basic_validation,
    ades_lta_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    NonRevokedStatusAssertion,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

from signing.validation._freshness import newest_timestamp_assertions
from signing.validation._policy import DOCFLOW_DIFF_POLICY
from signing.validation.trust import TrustConfig

__all__ = ["ades_validate_embedded", "process_for_level", "run_ades"]

log = logging.getLogger(__name__)

_RULES = {
    "hard-fail": RevocationCheckingRule.CHECK_IF_DECLARED,
    "soft-fail": RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
    "require": RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
}


def _spec(
    trust: TrustConfig,
    backend: AIOHttpFetcherBackend | None,
    assertions: list[NonRevokedStatusAssertion] | None = None,
) -> PdfSignatureValidationSpec:
    rule = _RULES.get(trust.revocation_mode, RevocationCheckingRule.CHECK_IF_DECLARED)
    crls = [CRLContainer(asn1_crl.CertificateList.load(raw)) for raw in trust.crls]
    ocsps = [
        c
        for raw in trust.ocsp_responses
        for c in OCSPContainer.load_multi(asn1_ocsp.OCSPResponse.load(raw))
    ]
    return PdfSignatureValidationSpec(
        diff_policy=DOCFLOW_DIFF_POLICY,
        signature_validation_spec=SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=list(trust.trust_anchors)),
                revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(rule, rule)),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=(
                    RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
                    if trust.allow_fetching
                    else RevinfoOnlineFetchingRule.LOCAL_ONLY
                ),
                fetcher_backend=backend,
            ),
            local_knowledge=LocalKnowledge(
                known_certs=list(trust.intermediates),
                known_crls=crls,
                known_ocsps=ocsps,
                nonrevoked_assertions=list(assertions or ()),
            ),
        ),
    )


def _timing(moment: datetime, trust: TrustConfig) -> ValidationTimingInfo:
    return ValidationTimingInfo(
        validation_time=moment,
        best_signature_time=moment,
        point_in_time_validation=trust.validation_time is not None,
    )


def _with_file_knowledge(
    spec: PdfSignatureValidationSpec, emb: EmbeddedPdfSignature
) -> SignatureValidationSpec:
    """The validation spec plus the file's DSS and the signature's archived revocation
    data (what ``ades_lta_validation`` does by itself)."""
    from pyhanko.sign.validation import ades as _ades

    base = spec.signature_validation_spec
    known = base.local_knowledge
    dss = _ades._dss_to_local_knowledge(emb.reader)
    ria = _ades._adobe_revinfo_archival_to_local_knowledge(emb)
    return dataclasses.replace(
        base,
        local_knowledge=LocalKnowledge(
            known_ocsps=known.known_ocsps + dss.known_ocsps + ria.known_ocsps,
            known_crls=known.known_crls + dss.known_crls + ria.known_crls,
            known_certs=known.known_certs + dss.known_certs,
            known_poes=known.known_poes,
        ),
    )


async def run_ades(
    emb: EmbeddedPdfSignature, trust: TrustConfig, moment: datetime, process: str = "LTA"
) -> AdESBasicValidationResult[Any]:
    """Run the AdES process named ``Basic``, ``LTVM`` (with time) or ``LTA``."""
    backend = None
    if trust.allow_fetching:
        backend = AIOHttpFetcherBackend(
            session=trust.session, per_request_timeout=trust.fetch_timeout
        )
    try:
        assertions = None
        if process == "LTA" and not trust.allow_fetching:
            assertions = newest_timestamp_assertions(emb.reader, moment)
        spec = _spec(trust, backend, assertions)
        timing = _timing(moment, trust)
        if not getattr(emb, "_integrity_checked", False):
            emb.compute_integrity_info(diff_policy=spec.diff_policy)  # type: ignore[no-untyped-call]
        if process == "LTA":
            return await ades_lta_validation(emb, spec, timing_info=timing)
        kwargs: dict[str, Any] = dict(
            signed_data=emb.signed_data,
            validation_spec=_with_file_knowledge(spec, emb),
            timing_info=timing,
            raw_digest=emb.compute_digest(),
            extra_status_kwargs=emb.summarise_integrity_info(),
            status_cls=PdfSignatureStatus,
        )
        if process == "LTVM":
            return await ades_with_time_validation(**kwargs)
        del kwargs["extra_status_kwargs"], kwargs["status_cls"]
        return await ades_basic_validation(**kwargs)
    finally:
        if backend is not None:
            await backend.close()  # type: ignore[no-untyped-call]


def process_for_level(level: str | None) -> str:
    """The ETSI EN 319 102-1 process matching what the signature carries."""
    if level is None or level.endswith("-B"):
        return "Basic"
    if level.endswith("-LTA"):
        return "LTA"
    return "LTVM"


def _summary(result: AdESBasicValidationResult[Any], process: str) -> dict[str, Any]:
    status = result.ades_subindic.status.name
    indication = {"PASSED": "TOTAL_PASSED", "FAILED": "TOTAL_FAILED"}.get(status, "INDETERMINATE")
    return {
        "indication": indication,
        "sub_indication": None
        if indication == "TOTAL_PASSED"
        else result.ades_subindic.standard_name,
        "message": result.failure_msg,
        "best_signature_time": getattr(result, "best_signature_time", None),
        "process": process,
    }


async def ades_validate_embedded(
    emb: EmbeddedPdfSignature, trust: TrustConfig, moment: datetime, process: str = "LTA"
) -> dict[str, Any]:
    """The AdES verdict for one signature, as a plain dict (report field ``ades``)."""
    return _summary(await run_ades(emb, trust, moment, process), process)
