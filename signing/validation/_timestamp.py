"""Validation of one document timestamp (``/DocTimeStamp``) into its report entry."""

from __future__ import annotations

import logging
from datetime import datetime

from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_timestamp
from pyhanko.sign.validation.status import DocumentTimestampStatus

from signing._failures import CHECK_FAILED
from signing._failures import reason as _reason
from signing.validation import _facts
from signing.validation._changes import _coverage, _modifications
from signing.validation._longterm import _DocState
from signing.validation._policy import DOCFLOW_DIFF_POLICY
from signing.validation._verdict import (
    _judge_algorithms,
    _judge_integrity,
    _judge_trust,
    _Verdict,
)
from signing.validation.model import (
    CertificateInfo,
    Coverage,
    Indication,
    ModificationKind,
    Modifications,
    SubIndication,
    TimestampReport,
)

__all__ = ["_validate_doc_timestamp"]

log = logging.getLogger(__name__)


async def _validate_doc_timestamp(emb: EmbeddedPdfSignature, doc: _DocState) -> TimestampReport:
    v = _Verdict()
    st: DocumentTimestampStatus | None = None
    try:
        st = await async_validate_pdf_timestamp(
            emb, validation_context=doc.vc, diff_policy=DOCFLOW_DIFF_POLICY
        )
    except CHECK_FAILED as exc:
        log.info("timestamp %s: validation failed: %s", emb.field_name, _reason(exc))
        v.fail(
            Indication.TOTAL_FAILED,
            SubIndication.FORMAT_FAILURE.value,
            f"The document timestamp could not be validated: {_reason(exc)}",
        )
    coverage = Coverage.UNKNOWN
    mods = Modifications(ModificationKind.UNKNOWN)
    when: datetime | None = None
    tsa: str | None = None
    chain: tuple[CertificateInfo, ...] = ()
    if st is not None:
        coverage, mods, when = _coverage(st.coverage), _modifications(st), st.timestamp
        tsa = _facts.signer_info(st.signing_cert).name
        _judge_integrity(v, st)
        if st.intact and st.valid:
            _judge_trust(v, st, "time-stamping authority's")
        if st.validation_path is not None:
            chain = _facts.chain_infos(reversed(list(st.validation_path)))
        _judge_algorithms(v, st.md_algorithm, None)
    return TimestampReport(
        field_name=str(emb.field_name),
        indication=v.indication,
        sub_indication=v.sub if v.indication is not Indication.TOTAL_PASSED else None,
        timestamp=when,
        tsa=tsa,
        coverage=coverage,
        modifications=mods,
        certificate_chain=chain,
        errors=tuple(v.errors),
        warnings=tuple(v.warnings),
        signed_revision=_facts.signed_revision(emb),
    )
