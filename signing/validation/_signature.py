"""Validation of one ``/Sig`` signature into its report entry, in named steps: what the
signature claims, pyHanko's verdict on it, the certificate's validity, long-term
validation when only time stands in the way, and revocation."""

from __future__ import annotations

import logging
from contextlib import suppress

from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus

from signing._failures import CHECK_FAILED, MALFORMED
from signing._failures import reason as _reason
from signing.validation import _facts
from signing.validation._changes import (
    _coverage,
    _modifications,
    describe_changes_bilingual,
    refused_revision,
)
from signing.validation._evidence import _adobe_revinfo
from signing.validation._longterm import (
    _DocState,
    _level,
    _revocation,
    _SigState,
    long_term,
    name_what_long_term_lacks,
)
from signing.validation._policy import DOCFLOW_DIFF_POLICY
from signing.validation._verdict import (
    _TRUST_SENTENCES,
    _explain_expiry,
    _indication_of,
    _judge_algorithms,
    _judge_integrity,
    _judge_trust,
    _sub_name,
)
from signing.validation.messages import finding
from signing.validation.model import (
    Coverage,
    Indication,
    ModificationKind,
    Modifications,
    RevocationInfo,
    SignatureReport,
    SubIndication,
)

__all__ = ["_failed_signature", "_validate_signature"]

log = logging.getLogger(__name__)


_SIG_SUBFILTERS = {"/ETSI.CAdES.detached", "/adbe.pkcs7.detached", "/adbe.pkcs7.sha1"}


_MASKS_EXPIRY = {
    "CERTIFICATE_CHAIN_GENERAL_FAILURE",
    "TRY_LATER",
    "REVOCATION_OUT_OF_BOUNDS_NO_POE",
    "NO_POE",
}


def _failed_signature(
    field_name: str,
    sentence: str,
    sub: str = "FORMAT_FAILURE",
    ind: Indication = Indication.TOTAL_FAILED,
) -> SignatureReport:
    return SignatureReport(
        field_name=field_name,
        indication=ind,
        sub_indication=sub,
        level=None,
        signer=None,
        signing_time=None,
        best_signature_time=None,
        coverage=Coverage.UNKNOWN,
        modifications=Modifications(ModificationKind.UNKNOWN),
        certificate_chain=(),
        revocation=RevocationInfo(source="none", status="unknown"),
        digest_algorithm=None,
        signature_algorithm=None,
        errors=(sentence,),
    )


async def _validate_signature(emb: EmbeddedPdfSignature, doc: _DocState) -> SignatureReport:
    """One signature's report entry; each step adds to the verdict, in this order (the
    order of its sentences)."""
    s = _read_claims(emb)
    s.own = _adobe_revinfo(emb)
    await _run_pyhanko(s, doc)
    with suppress(*MALFORMED):
        s.claimed = emb.self_reported_timestamp
    if s.st is not None:
        _judge_status(s, s.st, doc)
    _judge_certificate(s, doc)
    with suppress(*MALFORMED):
        s.level = _level(emb, s.st, doc, bool(s.own.crls or s.own.ocsps))
    await long_term(s, doc)
    name_what_long_term_lacks(s, doc)
    rev = _judge_revocation(s, doc)
    v = s.v
    return SignatureReport(
        field_name=str(emb.field_name),
        indication=v.indication,
        sub_indication=v.sub if v.indication is not Indication.TOTAL_PASSED else None,
        level=s.level,
        signer=_facts.signer_info(s.cert) if s.cert is not None else None,
        signing_time=s.claimed,
        best_signature_time=s.best_time,
        coverage=s.coverage,
        modifications=s.mods,
        certificate_chain=s.chain,
        revocation=rev,
        digest_algorithm=s.md,
        signature_algorithm=s.sig_algo,
        errors=tuple(v.errors),
        warnings=tuple(v.warnings),
        signed_revision=_facts.signed_revision(emb),
        timestamp_authority=s.tsa,
        ades=s.ades,
        holds_alone=s.st is not None and v.signature_alone_passes,
    )


def _read_claims(emb: EmbeddedPdfSignature) -> _SigState:
    """What the signature says about itself: signer, algorithms, format."""
    s = _SigState(emb)
    v = s.v
    try:
        s.cert = emb.signer_cert
    except MALFORMED as exc:
        v.fail(
            Indication.INDETERMINATE,
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND.value,
            f"The signer's certificate cannot be identified: {_reason(exc)}",
        )
    s.md = getattr(emb, "md_algorithm", None)
    s.sig_algo = _signature_algorithm(emb)
    subfilter = str(emb.sig_object.get("/SubFilter", ""))
    if subfilter not in _SIG_SUBFILTERS:
        v.fail(
            Indication.TOTAL_FAILED,
            SubIndication.FORMAT_FAILURE.value,
            f"The signature format {subfilter or '(none)'} is not supported.",
        )
    if subfilter == "/adbe.pkcs7.detached" or subfilter == "/adbe.pkcs7.sha1":
        v.warnings.append("This is a legacy PKCS#7 signature, not a PAdES signature.")
    with suppress(*MALFORMED):
        if not emb.signer_info["signed_attrs"]:
            v.warnings.append("The signature has no signed attributes.")
            v.fail(
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE.value,
                "The signature has no signed attributes, so what was signed cannot be "
                "bound to the signer's certificate.",
            )
    return s


def _signature_algorithm(emb: EmbeddedPdfSignature) -> str | None:
    try:
        return str(emb.signer_info["signature_algorithm"].signature_algo)
    except MALFORMED:
        try:
            return str(emb.signer_info["signature_algorithm"]["algorithm"].native)
        except MALFORMED:
            return None


async def _run_pyhanko(s: _SigState, doc: _DocState) -> None:
    """pyHanko's validation at the validation time, with the document's context."""
    try:
        s.st = await async_validate_pdf_signature(
            s.emb,
            signer_validation_context=doc.vc,
            ts_validation_context=doc.vc,
            diff_policy=DOCFLOW_DIFF_POLICY,
        )
    except CHECK_FAILED as exc:
        log.info("signature %s: validation failed: %s", s.emb.field_name, _reason(exc))
        name = _sub_name(getattr(exc, "ades_subindication", None))
        ind = _indication_of(getattr(exc, "ades_subindication", None))
        if ind is Indication.TOTAL_PASSED:
            ind = Indication.INDETERMINATE
        s.v.fail(
            ind,
            name or SubIndication.FORMAT_FAILURE.value,
            f"The signature could not be validated: {_reason(exc)}",
        )


def _judge_status(s: _SigState, st: PdfSignatureStatus, doc: _DocState) -> None:
    """Integrity, coverage and later changes, trust, the signature timestamp, the
    signature field's constraints, and the validated chain, from pyHanko's status."""
    v = s.v
    s.md = st.md_algorithm or s.md
    s.sig_algo = st.pkcs7_signature_mechanism or s.sig_algo
    s.coverage = _coverage(st.coverage)
    s.mods = _modifications(st)
    summary = _describe_modifications(s, doc) if s.mods.kind is ModificationKind.OTHER else []
    _judge_integrity(v, st, summary)
    if st.intact and st.valid:
        _judge_trust(v, st, "signer's")
    _judge_signature_timestamp(s, st)
    if st.content_timestamp_validity is not None and not st.content_timestamp_validity.trusted:
        v.warnings.append("The content timestamp is not valid or not trusted.")
    if st.seed_value_constraint_error is not None:
        v.fail(
            Indication.INDETERMINATE,
            SubIndication.SIG_CONSTRAINTS_FAILURE.value,
            "The signature does not meet the constraints of its signature field: "
            + _reason(st.seed_value_constraint_error),
        )
    if st.validation_path is not None:
        s.chain = _facts.chain_infos(reversed(list(st.validation_path)))
    if s.mods.kind is ModificationKind.FORM_FILLING:
        fields_s = ", ".join(s.mods.changed_form_fields) or "form fields"
        v.warnings.append(f"Form fields were filled in after this signature: {fields_s}.")


def _describe_modifications(s: _SigState, doc: _DocState) -> list[str]:
    """Name, in both languages, what the revision the difference analysis refused
    changed; the English sentences for the verdict."""
    emb, mods = s.emb, s.mods
    pairs = describe_changes_bilingual(
        doc.reader, emb.signed_revision, only=refused_revision(emb)
    )
    summary = [en for en, _ in pairs]
    changes = tuple(finding("modified", what=en, what_vi=vi, revision=None) for en, vi in pairs)
    s.mods = Modifications(
        mods.kind, mods.changed_form_fields, tuple(summary) + mods.details, changes
    )
    return summary


def _judge_signature_timestamp(s: _SigState, st: PdfSignatureStatus) -> None:
    ts = st.timestamp_validity
    if ts is None:
        return
    s.tsa = _facts.signer_info(ts.signing_cert).name
    if ts.intact and ts.valid and ts.trusted:
        s.best_time = ts.timestamp
        return
    broken = not (ts.intact and ts.valid)
    s.v.fail(
        Indication.TOTAL_FAILED if broken else Indication.INDETERMINATE,
        SubIndication.SIG_CRYPTO_FAILURE.value
        if broken
        else _sub_name(ts.trust_problem_indic) or SubIndication.GENERIC.value,
        "The signature timestamp is broken."
        if broken
        else "The signature timestamp's authority is not trusted at the validation time.",
        time_related=not broken,
    )


def _judge_certificate(s: _SigState, doc: _DocState) -> None:
    """The signer's certificate: its chain as far as known, its expiry (which explains a
    chain failure better than the failure itself), its key and the digest."""
    v, cert = s.v, s.cert
    if not s.chain and cert is not None:
        s.chain = (_facts.cert_info(cert),)
    if cert is not None and v.indication is Indication.INDETERMINATE and v.sub in _MASKS_EXPIRY:
        try:
            expired = cert.not_valid_after < doc.moment
        except MALFORMED:
            expired = False
        if expired:  # the expiry is what matters; the chain problem follows from it
            v.sub = SubIndication.OUT_OF_BOUNDS_NO_POE.value
            v.fail(
                Indication.INDETERMINATE,
                v.sub,
                _TRUST_SENTENCES["OUT_OF_BOUNDS_NO_POE"],
                time_related=True,
            )
    if v.sub == SubIndication.OUT_OF_BOUNDS_NO_POE.value and cert is not None:
        claimed_ts = None
        st = s.st
        if st is not None and st.timestamp_validity is not None and s.best_time is None:
            claimed_ts = st.timestamp_validity.timestamp
        _explain_expiry(v, cert, s.best_time, claimed_ts)
    _judge_algorithms(v, s.md, cert)


def _judge_revocation(s: _SigState, doc: _DocState) -> RevocationInfo:
    """The signer certificate's revocation status, as of the proven signing time when
    long-term validation established one; a revocation after it is only a warning."""
    v = s.v
    rev = _revocation(s.cert, s.st, doc, s.own, s.poe_cured or doc.moment)
    if rev.status == "revoked" and rev.revocation_date is not None:
        when_s = rev.revocation_date.isoformat()
        if s.poe_cured is not None and s.poe_cured < rev.revocation_date:
            v.warnings.append(
                f"The signer's certificate was revoked on {when_s}, after the proven "
                f"signing time {s.poe_cured.isoformat()}."
            )
        elif not any("revoked" in e for e in v.errors):
            v.fail(
                Indication.INDETERMINATE,
                SubIndication.REVOKED_NO_POE.value,
                f"The signer's certificate was revoked on {when_s}.",
            )
    if rev.source == "none" and v.indication is not Indication.TOTAL_PASSED:
        v.warnings.append("No revocation data for the signer's certificate was available.")
    return rev
