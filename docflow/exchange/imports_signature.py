"""Whether a received package's XML signature holds and who made it (steps 2 and 3 of
``docflow.exchange.imports``): ``judge_signature`` checks it against this deployment's
roots plus the peer's own anchors; ``sender_signed`` refuses any trusted signer that is
not the seal of the ``From`` agency."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from docflow.accounts.models_agency import Agency
from docflow.core.errors import InvalidInput
from docflow.core.keys import SigningConfig
from docflow.exchange import edxml
from docflow.exchange.imports_problems import PackageRejected, refusal
from docflow.exchange.models import ExchangePeer
from docflow.exchange.models import SignatureState as Sig

__all__ = ["Verdict", "judge_signature", "sender_signed"]


@dataclass(frozen=True)
class Verdict:
    state: Sig
    signer: x509.Certificate | None
    chain: tuple[x509.Certificate, ...]
    warnings: tuple[edxml.Problem, ...]


def _peer_anchors(peer: ExchangePeer | None) -> tuple[x509.Certificate, ...]:
    if peer is None or not peer.trust_anchors_pem.strip():
        return ()
    try:
        return edxml.TrustAnchors.of([peer.trust_anchors_pem.encode()]).roots
    except ValueError as exc:
        raise InvalidInput(
            f"The trust anchors of peer {peer.name} cannot be read ({exc}): an "
            "administrator must fix them before its packages can be received."
        ) from exc


def judge_signature(
    parsed: edxml.ParsedPackage,
    signing: SigningConfig,
    peer: ExchangePeer | None,
    allow_unsigned: bool,
) -> Verdict:
    trust = signing.trust
    anchors = edxml.TrustAnchors.of(
        [*trust.anchor_pems(), *_peer_anchors(peer)], trust.ca_pems()
    )
    verdict = edxml.verify_package(parsed, anchors)
    warnings = tuple(p for p in verdict.problems if p.severity is edxml.Severity.WARNING)
    if verdict.presence is not edxml.SignaturePresence.SIGNED:
        if allow_unsigned or (peer is not None and peer.allow_unsigned):
            return Verdict(Sig.UNSIGNED, None, (), warnings)
        raise PackageRejected(
            "The package is not signed, and unsigned packages are accepted only from a "
            "peer marked for it or by an administrator's explicit choice",
            [refusal("unsigned_refused", "The package carries no XML signature.",
                     "Gói tin không có chữ ký XML."), *warnings],
        )
    if not verdict.valid:
        raise PackageRejected("The package's XML signature does not verify",
                              verdict.problems)
    state = Sig.WEAK if verdict.weak else Sig.VALID
    return Verdict(state, verdict.signer_certificate, verdict.chain, warnings)


def _der(pem: str) -> bytes | None:
    try:
        return x509.load_pem_x509_certificate(pem.encode()).public_bytes(Encoding.DER)
    except ValueError:
        return None


def sender_signed(
    verdict: Verdict, organ_id: str, agency: Agency | None, peer: ExchangePeer | None
) -> None:
    """Refuse unless the signer holds the ``From`` agency's seal (see the module's rule 3)."""
    if verdict.signer is None:  # unsigned and allowed: nothing to compare
        return
    signer_der = verdict.signer.public_bytes(Encoding.DER)
    if agency is not None and agency.seal_certificate_pem:
        if _der(agency.seal_certificate_pem) == signer_der:
            return
    elif peer is not None and verdict.chain:
        peer_roots = {c.public_bytes(Encoding.DER) for c in _peer_anchors(peer)}
        root = verdict.chain[-1].public_bytes(Encoding.DER)
        if root in peer_roots and organ_id in verdict.signer.subject.rfc4514_string():
            return
    raise PackageRejected(
        f"The package was signed by {verdict.signer.subject.rfc4514_string()}, which is "
        f"not a seal certificate of the sending agency {organ_id}",
        [refusal("signer_not_sender",
                 f"The XML signer is not the seal of the From agency {organ_id}.",
                 f"Người ký XML không phải là con dấu của đơn vị gửi {organ_id}.")],
    )
