"""Validation of one signature or document timestamp into its report entry."""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import datetime
from typing import Any

from asn1crypto import x509
from pyhanko.sign.diff_analysis import SuspiciousModification
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
)

from signing.validation import _facts
from signing.validation._changes import (
    _coverage,
    _modifications,
    describe_changes_bilingual,
)
from signing.validation._evidence import (
    _adobe_revinfo,
)
from signing.validation._input import (
    _reason,
)
from signing.validation._longterm import (
    _POE_CURABLE,
    _level,
    _passes_at,
    _revocation,
)
from signing.validation._longterm import (
    _DocState as _DocState,  # engine imports it from here
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
    _Verdict,
)
from signing.validation.messages import finding
from signing.validation.model import (
    CertificateInfo,
    Coverage,
    Indication,
    ModificationKind,
    Modifications,
    RevocationInfo,
    SignatureReport,
    SubIndication,
    TimestampReport,
)

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
    field_name = str(emb.field_name)
    v = _Verdict()
    cert: x509.Certificate | None = None
    try:
        cert = emb.signer_cert
    except Exception as exc:  # noqa: BLE001
        v.fail(
            Indication.INDETERMINATE,
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND.value,
            f"The signer's certificate cannot be identified: {_reason(exc)}",
        )
    md: str | None = getattr(emb, "md_algorithm", None)
    sig_algo: str | None = None
    try:
        sig_algo = str(emb.signer_info["signature_algorithm"].signature_algo)
    except Exception:  # noqa: BLE001
        try:
            sig_algo = str(emb.signer_info["signature_algorithm"]["algorithm"].native)
        except Exception:  # noqa: BLE001
            sig_algo = None
    subfilter = str(emb.sig_object.get("/SubFilter", ""))
    if subfilter not in _SIG_SUBFILTERS:
        v.fail(
            Indication.TOTAL_FAILED,
            SubIndication.FORMAT_FAILURE.value,
            f"The signature format {subfilter or '(none)'} is not supported.",
        )
    if subfilter == "/adbe.pkcs7.detached" or subfilter == "/adbe.pkcs7.sha1":
        v.warnings.append("This is a legacy PKCS#7 signature, not a PAdES signature.")
    with suppress(Exception):
        if not emb.signer_info["signed_attrs"]:
            v.warnings.append("The signature has no signed attributes.")
            v.fail(
                Indication.TOTAL_FAILED,
                SubIndication.FORMAT_FAILURE.value,
                "The signature has no signed attributes, so what was signed cannot be "
                "bound to the signer's certificate.",
            )
    own = _adobe_revinfo(emb)
    st: PdfSignatureStatus | None = None
    try:
        st = await async_validate_pdf_signature(
            emb,
            signer_validation_context=doc.vc,
            ts_validation_context=doc.vc,
            diff_policy=DOCFLOW_DIFF_POLICY,
        )
    except Exception as exc:  # noqa: BLE001
        log.info("signature %s: validation raised", field_name, exc_info=True)
        name = _sub_name(getattr(exc, "ades_subindication", None))
        ind = _indication_of(getattr(exc, "ades_subindication", None))
        if ind is Indication.TOTAL_PASSED:
            ind = Indication.INDETERMINATE
        v.fail(
            ind,
            name or SubIndication.FORMAT_FAILURE.value,
            f"The signature could not be validated: {_reason(exc)}",
        )
    coverage = Coverage.UNKNOWN
    mods = Modifications(ModificationKind.UNKNOWN)
    best_time: datetime | None = None
    tsa: str | None = None
    claimed: datetime | None = None
    with suppress(Exception):
        claimed = emb.self_reported_timestamp
    chain: tuple[Any, ...] = ()
    ades: dict[str, Any] | None = None
    poe_cured: datetime | None = None
    if st is not None:
        md = st.md_algorithm or md
        sig_algo = st.pkcs7_signature_mechanism or sig_algo
        coverage = _coverage(st.coverage)
        mods = _modifications(st)
        summary: list[str] = []
        if mods.kind is ModificationKind.OTHER:
            pairs = describe_changes_bilingual(
                doc.reader, emb.signed_revision, only=_refused_revision(emb)
            )
            summary = [en for en, _ in pairs]
            changes = tuple(
                finding("modified", what=en, what_vi=vi, revision=None) for en, vi in pairs
            )
            mods = Modifications(
                mods.kind, mods.changed_form_fields, tuple(summary) + mods.details, changes
            )
        _judge_integrity(v, st, summary)
        if st.intact and st.valid:
            _judge_trust(v, st, "signer's")
        ts = st.timestamp_validity
        if ts is not None:
            tsa = _facts.signer_info(ts.signing_cert).name
            if ts.intact and ts.valid and ts.trusted:
                best_time = ts.timestamp
            else:
                broken = not (ts.intact and ts.valid)
                v.fail(
                    Indication.TOTAL_FAILED if broken else Indication.INDETERMINATE,
                    SubIndication.SIG_CRYPTO_FAILURE.value
                    if broken
                    else _sub_name(ts.trust_problem_indic) or SubIndication.GENERIC.value,
                    "The signature timestamp is broken."
                    if broken
                    else "The signature timestamp's authority is not trusted at the validation "
                    "time.",
                    time_related=not broken,
                )
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
            chain = _facts.chain_infos(reversed(list(st.validation_path)))
        if mods.kind is ModificationKind.FORM_FILLING:
            fields_s = ", ".join(mods.changed_form_fields) or "form fields"
            v.warnings.append(f"Form fields were filled in after this signature: {fields_s}.")
    if not chain and cert is not None:
        chain = (_facts.cert_info(cert),)
    if cert is not None and v.indication is Indication.INDETERMINATE and v.sub in _MASKS_EXPIRY:
        try:
            expired = cert.not_valid_after < doc.moment
        except Exception:  # noqa: BLE001
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
        if st is not None and st.timestamp_validity is not None and best_time is None:
            claimed_ts = st.timestamp_validity.timestamp
        _explain_expiry(v, cert, best_time, claimed_ts)
    _judge_algorithms(v, md, cert)
    level = None
    with suppress(Exception):
        level = _level(emb, st, doc, bool(own.crls or own.ocsps))
    # long-term validation: the AdES engine with proof of existence from timestamps
    has_time_evidence = st is not None and (
        st.timestamp_validity is not None
        or any(r > emb.signed_revision for r in doc.doc_ts_revisions)
    )
    curable = (
        st is not None
        and v.only_time_problems
        and v.sub in _POE_CURABLE
        and st.intact
        and st.valid
        and has_time_evidence
        and mods.kind is not ModificationKind.OTHER
    )
    if curable or (doc.trust.ades_cross_check and st is not None):
        from signing.validation.ades import ades_validate_embedded, process_for_level

        process = "LTA" if curable else process_for_level(level)
        try:
            ades = await ades_validate_embedded(emb, doc.trust, doc.moment, process)
        except Exception as exc:  # noqa: BLE001
            ades = {
                "indication": "INDETERMINATE",
                "sub_indication": "GENERIC",
                "message": _reason(exc),
                "best_signature_time": None,
            }
        ades_passed = ades.get("indication") == Indication.TOTAL_PASSED.value
        if curable and ades_passed:
            when = ades.get("best_signature_time")
            poe_cured = when if isinstance(when, datetime) else None
            best_time = poe_cured or best_time
            when_s = when.isoformat() if isinstance(when, datetime) else str(when)
            v = v.cured(
                f"Validated as of the proven signing time {when_s} from the file's timestamps "
                "and revocation data (ETSI long-term validation); at the validation time alone "
                f"the result would be {v.indication.value}/{v.sub}."
            )
        elif (
            curable
            and best_time is not None
            and (pit := await _passes_at(emb, doc, own, best_time))
        ):
            poe_cured = best_time
            if pit.validation_path is not None:
                chain = _facts.chain_infos(reversed(list(pit.validation_path)))
            v = v.cured(
                f"Validated as of the signature timestamp {best_time.isoformat()} with the "
                "revocation data held in the file (PAdES B-LT): the certificate chain was "
                "valid and not revoked then. At the validation time alone the result would be "
                f"{v.indication.value}/{v.sub}; a document timestamp (B-LTA) would let the "
                "ETSI long-term validation confirm it too."
            )
        elif ades.get("indication") != v.indication.value and doc.trust.ades_cross_check:
            v.warnings.append(
                f"The AdES engine reached {ades.get('indication')}/{ades.get('sub_indication')}."
            )
    if poe_cured is None and level and level.endswith("-LTA") and v.only_time_problems:
        lacking = _archive_lacks(doc)
        if lacking:
            v.errors.append(lacking)
    if poe_cured is None and level and level.endswith("-LT") and v.only_time_problems:
        v.errors.append(
            "This B-LT signature has no archive timestamp (B-LTA) after it: at the validation "
            "time the revocation data it carries no longer shows the certificates unrevoked, "
            "and no later timestamp proves it existed while they were. It needs a document "
            "timestamp added while its data was current (docflow renews issued documents), "
            "or validation with current revocation data (--online)."
        )
    rev = _revocation(cert, st, doc, own, poe_cured or doc.moment)
    if rev.status == "revoked" and rev.revocation_date is not None:
        when_s = rev.revocation_date.isoformat()
        if poe_cured is not None and poe_cured < rev.revocation_date:
            v.warnings.append(
                f"The signer's certificate was revoked on {when_s}, after the proven "
                f"signing time {poe_cured.isoformat()}."
            )
        elif not any("revoked" in e for e in v.errors):
            v.fail(
                Indication.INDETERMINATE,
                SubIndication.REVOKED_NO_POE.value,
                f"The signer's certificate was revoked on {when_s}.",
            )
    if rev.source == "none" and v.indication is not Indication.TOTAL_PASSED:
        v.warnings.append("No revocation data for the signer's certificate was available.")
    return SignatureReport(
        field_name=field_name,
        indication=v.indication,
        sub_indication=v.sub if v.indication is not Indication.TOTAL_PASSED else None,
        level=level,
        signer=_facts.signer_info(cert) if cert is not None else None,
        signing_time=claimed,
        best_signature_time=best_time,
        coverage=coverage,
        modifications=mods,
        certificate_chain=chain,
        revocation=rev,
        digest_algorithm=md,
        signature_algorithm=sig_algo,
        errors=tuple(v.errors),
        warnings=tuple(v.warnings),
        signed_revision=_safe_rev(emb),
        timestamp_authority=tsa,
        ades=ades,
        holds_alone=st is not None and v.signature_alone_passes,
    )


def _archive_lacks(doc: _DocState) -> str | None:
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
    except Exception:  # noqa: BLE001 - an unreadable timestamp was reported already
        return None
    return (
        f"The newest archive timestamp ({when}) carries no revocation data for its "
        "time-stamping authority issued after it: offline, nothing shows that authority's "
        "certificate unrevoked at the validation time. Validate online (--online), or renew "
        "the archive timestamp while the authority's status can still be fetched."
    )


def _refused_revision(emb: EmbeddedPdfSignature) -> int | None:
    """The first (0-based) revision pyHanko's difference analysis refuses after ``emb``:
    the one to describe (the ones before it only added signatures and validation data)."""
    reader = emb.reader
    try:
        base = reader.get_historical_resolver(emb.signed_revision)
        for rev in range(emb.signed_revision + 1, reader.xrefs.total_revisions):
            try:
                DOCFLOW_DIFF_POLICY.apply(
                    base,
                    reader.get_historical_resolver(rev),
                    field_mdp_spec=emb.fieldmdp,
                    doc_mdp=emb.docmdp_level,
                )
            except SuspiciousModification:
                return rev
    except Exception:  # noqa: BLE001 - then every later revision is described
        return None
    return None


def _safe_rev(emb: EmbeddedPdfSignature) -> int | None:
    try:
        return int(emb.signed_revision)
    except Exception:  # noqa: BLE001
        return None


async def _validate_doc_timestamp(emb: EmbeddedPdfSignature, doc: _DocState) -> TimestampReport:
    v = _Verdict()
    st: DocumentTimestampStatus | None = None
    try:
        st = await async_validate_pdf_timestamp(
            emb, validation_context=doc.vc, diff_policy=DOCFLOW_DIFF_POLICY
        )
    except Exception as exc:  # noqa: BLE001
        log.info("timestamp %s: validation raised", emb.field_name, exc_info=True)
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
        signed_revision=_safe_rev(emb),
    )
