"""Turning pyHanko statuses into an ETSI indication, sub-indication and sentences."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import EmbeddedPdfSignature
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    TimestampSignatureStatus,
)

from signing._failures import MALFORMED
from signing._failures import reason as _reason
from signing.validation import _facts
from signing.validation._changes import (
    _mod_sentence,
    _modifications,
)
from signing.validation._rules import SignedField, judge_later_changes
from signing.validation.model import (
    Indication,
    ModificationKind,
    Modifications,
    SignatureReport,
    SubIndication,
)


def _sub_name(indic: Any) -> str | None:
    if indic is None:
        return None
    name = getattr(indic, "standard_name", None) or getattr(indic, "name", None)
    return str(name) if name else str(indic)


def _indication_of(indic: Any) -> Indication:
    status = getattr(getattr(indic, "status", None), "name", "INDETERMINATE")
    return {"PASSED": Indication.TOTAL_PASSED, "FAILED": Indication.TOTAL_FAILED}.get(
        status, Indication.INDETERMINATE
    )


#: Trust problems that only mean "not provable at this time" (fresher data or a proof
#: of existence would settle them); an untrusted or broken signature is none of these.
_TIME_CURABLE = frozenset(
    {
        "OUT_OF_BOUNDS_NO_POE",
        "OUT_OF_BOUNDS_NOT_REVOKED",
        "REVOCATION_OUT_OF_BOUNDS_NO_POE",
        "TRY_LATER",
        "NO_POE",
        "CERTIFICATE_CHAIN_GENERAL_FAILURE",
    }
)

_TRUST_SENTENCES = {
    "NO_CERTIFICATE_CHAIN_FOUND": "The signer's certificate does not chain up to a trusted root.",
    "REVOKED_NO_POE": "The signer's certificate was revoked, and nothing proves the signature "
    "was made before the revocation.",
    "REVOKED_CA_NO_POE": "A certificate authority in the signer's chain was revoked.",
    "REVOKED": "The signer's certificate was revoked before the signature was made.",
    "OUT_OF_BOUNDS_NO_POE": "The signer's certificate was expired (or not yet valid) at the "
    "validation time, and no timestamp proves the signature was made while it was valid.",
    "OUT_OF_BOUNDS_NOT_REVOKED": "The signer's certificate has expired; the signature is "
    "proven to predate the expiry, but its revocation status then cannot be confirmed.",
    "TRY_LATER": "Current revocation data for the signer's certificate is not available "
    "(it may be fetched later, or embedded with the signature).",
    "REVOCATION_OUT_OF_BOUNDS_NO_POE": "The available revocation data is not recent enough.",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": "The signer's certificate chain could not be "
    "validated (often: no revocation data could be obtained for it).",
    "CHAIN_CONSTRAINTS_FAILURE": "The signer's certificate chain violates its constraints.",
    "CRYPTO_CONSTRAINTS_FAILURE": "The signature uses an algorithm or key size that is not "
    "accepted.",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "The signature uses an algorithm that is no longer "
    "accepted, and nothing proves it was made while the algorithm was still acceptable.",
    "SIG_CONSTRAINTS_FAILURE": "The signer's certificate is not allowed for this kind of "
    "signature (key usage).",
    "NO_POE": "No proof of existence is available for the validation data.",
}


@dataclass
class _Verdict:
    indication: Indication = Indication.TOTAL_PASSED
    sub: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    uncurable: list[tuple[Indication, str | None, str]] = field(default_factory=list)
    """Failures a proof of existence cannot cure (integrity, format, algorithms, ...)."""
    others: int = 0
    """Failures about the signature itself (not about later changes, and not what a
    proof of existence or fresher revocation data could cure)."""

    @property
    def only_time_problems(self) -> bool:
        """Every failure is about trust at the validation time (expiry, revocation data)."""
        return self.indication is Indication.INDETERMINATE and not self.uncurable

    @property
    def signature_alone_passes(self) -> bool:
        """Whether the signature itself holds (intact, trusted, acceptable algorithms),
        whatever was changed in the document after it."""
        return self.others == 0

    def cured(self, note: str) -> _Verdict:
        """The verdict once long-term validation proved the time-related failures away."""
        v = _Verdict(warnings=[*self.warnings, note])
        for ind, sub, sentence in self.uncurable:
            v.fail(ind, sub, sentence, about_changes=sentence in self.change_sentences)
        return v

    change_sentences: set[str] = field(default_factory=set)

    def fail(
        self,
        ind: Indication,
        sub: str | None,
        sentence: str,
        *,
        time_related: bool = False,
        about_changes: bool = False,
    ) -> None:
        if about_changes:
            self.change_sentences.add(sentence)
        elif not (time_related and sub in _TIME_CURABLE):
            self.others += 1
        if not time_related:
            self.uncurable.append((ind, sub, sentence))
        order = {
            Indication.TOTAL_PASSED: 0,
            Indication.INDETERMINATE: 1,
            Indication.TOTAL_FAILED: 2,
        }
        if order[ind] > order[self.indication]:
            self.indication, self.sub = ind, sub
        elif self.sub is None and ind is not Indication.TOTAL_PASSED:
            self.sub = sub
        if sentence not in self.errors:
            self.errors.append(sentence)


def _judge_integrity(
    v: _Verdict, st: PdfSignatureStatus | DocumentTimestampStatus, summary: list[str] | None = None
) -> None:
    if not st.intact:
        v.fail(
            Indication.TOTAL_FAILED,
            SubIndication.HASH_FAILURE.value,
            "The signed bytes were altered after signing (the document digest does not match).",
        )
    elif not st.valid:
        v.fail(
            Indication.TOTAL_FAILED,
            SubIndication.SIG_CRYPTO_FAILURE.value,
            "The cryptographic signature does not verify against the signer's certificate.",
        )
    cov = st.coverage
    if cov is not None and cov < SignatureCoverageLevel.ENTIRE_REVISION:
        v.fail(
            Indication.TOTAL_FAILED,
            SubIndication.FORMAT_FAILURE.value,
            "The signature's byte range does not cover its whole revision of the document.",
        )
    mods = _modifications(st)
    if mods.kind is ModificationKind.OTHER or st.docmdp_ok is False:
        v.fail(
            Indication.TOTAL_FAILED,
            SubIndication.FORMAT_FAILURE.value,
            _mod_sentence(mods, summary),
            about_changes=True,
        )


def _judge_trust(v: _Verdict, st: TimestampSignatureStatus | PdfSignatureStatus, who: str) -> None:
    if st.trusted:
        return
    if st.revocation_details is not None:
        rd = st.revocation_details
        sub = "REVOKED_CA_NO_POE" if rd.ca_revoked else "REVOKED_NO_POE"
        whose = "A CA certificate in the chain" if rd.ca_revoked else f"The {who} certificate"
        v.fail(
            Indication.INDETERMINATE,
            sub,
            f"{whose} was revoked on {rd.revocation_date.isoformat()} "
            f"(reason: {rd.revocation_reason.native}).",
            time_related=True,
        )
        return
    name = _sub_name(st.trust_problem_indic)
    if name is None and st.validation_path is None:
        name = SubIndication.NO_CERTIFICATE_CHAIN_FOUND.value
    sentence = _TRUST_SENTENCES.get(name or "", "The signer's certificate is not trusted.")
    if who != "signer's":
        sentence = sentence.replace("signer's", who)
    ind = (
        _indication_of(st.trust_problem_indic)
        if st.trust_problem_indic
        else Indication.INDETERMINATE
    )
    if ind is Indication.TOTAL_PASSED:
        ind = Indication.INDETERMINATE
    v.fail(ind, name or SubIndication.GENERIC.value, sentence, time_related=True)


def _judge_algorithms(v: _Verdict, md: str | None, cert: x509.Certificate | None) -> None:
    if md and md.lower() in _facts.WEAK_DIGESTS:
        v.warnings.append(
            f"The signature uses the weak digest algorithm {md.upper()}: reported, not trusted."
        )
        v.fail(
            Indication.INDETERMINATE,
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE.value,
            f"The digest algorithm {md.upper()} is not accepted for signatures.",
        )
    if cert is not None:
        weak = _facts.weak_key_warning(cert)
        if weak:
            v.warnings.append(weak + " Reported, not trusted.")
            v.fail(Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE.value, weak)


def _explain_expiry(
    v: _Verdict,
    cert: x509.Certificate,
    best_time: datetime | None,
    claimed_ts: datetime | None = None,
) -> None:
    """Say which: no proof of time at all, or proof of time but nothing to check it with."""
    try:
        expiry: datetime = cert.not_valid_after
    except MALFORMED:
        return
    generic = _TRUST_SENTENCES["OUT_OF_BOUNDS_NO_POE"]
    if best_time is not None and best_time <= expiry:
        sentence = (
            f"The signer's certificate expired on {expiry.isoformat()}. The signature "
            f"timestamp proves the signature existed on {best_time.isoformat()}, while the "
            "certificate was valid, but the file holds no revocation data from that time, so "
            "its status then cannot be confirmed (B-LT/B-LTA signatures carry it)."
        )
    elif claimed_ts is not None:
        sentence = (
            f"The signer's certificate expired on {expiry.isoformat()}. The signature carries "
            f"a timestamp of {claimed_ts.isoformat()}, but that timestamp cannot be verified "
            "with the data available, so nothing proves the signature was made in time."
        )
    else:
        sentence = (
            f"The signer's certificate expired on {expiry.isoformat()} and no timestamp "
            "proves the signature was made before that."
        )
    v.errors = [sentence if e == generic else e for e in v.errors]


def apply_document_rules(
    reader: PdfFileReader,
    embedded: Sequence[EmbeddedPdfSignature],
    reports: list[SignatureReport],
) -> list[SignatureReport]:
    """Fail each signature after which the document changed in a way its own rules forbid
    (see ``signing.validation._rules``), naming every such change."""
    by_name = {str(e.field_name): e for e in embedded}
    signed: list[SignedField] = []
    for r in reports:
        emb = by_name.get(r.field_name)
        if emb is None or r.signed_revision is None:
            continue
        lock = None
        with suppress(*MALFORMED):
            lock = emb.fieldmdp
        signed.append(SignedField(r.field_name, r.signed_revision, lock, r.holds_alone))
    try:
        judged = judge_later_changes(reader, signed)
    except MALFORMED as exc:  # a form the rules cannot read is not a pass
        sentence = f"The changes after signing could not be checked: {_reason(exc)}"
        return [
            dataclasses.replace(
                r,
                indication=Indication.TOTAL_FAILED,
                sub_indication=SubIndication.FORMAT_FAILURE.value,
                errors=(*r.errors, sentence),
            )
            for r in reports
        ]
    out: list[SignatureReport] = []
    for r in reports:
        found = judged.get(r.field_name) or []
        if not found:
            out.append(r)
            continue
        sentences = tuple(f.en for f in found)
        mods = r.modifications
        out.append(
            dataclasses.replace(
                r,
                indication=Indication.TOTAL_FAILED,
                sub_indication=SubIndication.FORMAT_FAILURE.value,
                modifications=Modifications(
                    ModificationKind.OTHER,
                    mods.changed_form_fields,
                    sentences + tuple(d for d in mods.details if d not in sentences),
                    tuple(found) + mods.changes,
                ),
                errors=tuple(dict.fromkeys((*r.errors, *sentences))),
            )
        )
    return out
