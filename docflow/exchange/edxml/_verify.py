"""Verifying the enveloped XML signature of a parsed package, naming what fails.

Accepted: one XML-DSig ``Signature`` (anywhere, though peers expect it last in
``edXMLHeader``) with one ``Reference URI=""`` whose transforms are enveloped-signature
plus at most one canonicalisation; RSA or ECDSA with SHA-256/384/512, and RSA-SHA1 /
SHA-1 digests from older systems, reported as weak. The digest is recomputed by
streaming libxml2's canonical form of the document with the signature taken out;
the signature value is checked with ``cryptography`` under the certificate in
``KeyInfo`` whose key made it; its chain is built to the given roots (``trust``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import VerificationError
from lxml import etree

from docflow.exchange.edxml._dsig import (
    C14N,
    DIGEST_METHODS,
    ENVELOPED,
    EXC_C14N_NS,
    SIGNATURE_METHODS,
    canonical,
    canonical_without,
    dsig,
)
from docflow.exchange.edxml._extract import local_name
from docflow.exchange.edxml.messages import Problem, Severity, problem
from docflow.exchange.edxml.parse import SignaturePresence
from docflow.exchange.edxml.trust import TrustAnchors, build_chain

__all__ = ["SignatureVerification", "verify_tree"]

_MIN_BITS = {"rsa": 2048, "ec": 256}
_MAX_CERTIFICATES = 16


@dataclass(frozen=True)
class SignatureVerification:
    """The verdict on a package's XML signature. ``valid`` is the one thing to branch
    on; ``problems`` says why not (or what is weak) in both languages."""

    presence: SignaturePresence
    """Signed, unsigned, or a placeholder that is not an XML signature."""
    problems: tuple[Problem, ...] = ()
    """Everything found wrong or weak, coded (``digest_mismatch``, ``chain_untrusted`` ...)."""
    signer_certificate: x509.Certificate | None = None
    """The certificate whose key made the signature (or the one claimed, if none did).
    The caller checks it is a seal certificate of the ``From`` agency."""
    chain: tuple[x509.Certificate, ...] = ()
    """Signer to root, when a trusted chain was found."""
    signature_method: str | None = None
    """SignatureMethod URI."""
    digest_method: str | None = None
    """DigestMethod URI."""
    algorithm: str | None = None
    """Readable name, e.g. ``"RSA-SHA256"``, ``"ECDSA-SHA256"``."""
    weak: bool = False
    """SHA-1 or a key below today's minimum: accepted on import, weak as proof."""

    @property
    def valid(self) -> bool:
        """Signed, the digest and value verify, and the chain reaches a trusted root."""
        return self.presence is SignaturePresence.SIGNED and not any(
            p.severity is Severity.ERROR for p in self.problems
        )


class _Stop(Exception):
    """The signature cannot be examined further; ``problem`` says why."""

    def __init__(self, found: Problem) -> None:
        super().__init__(found.en)
        self.problem = found


@dataclass(frozen=True)
class _Parts:
    signed_info: Any
    c14n: tuple[bool, bool]
    c14n_prefixes: list[str] | None
    method: str
    reference_c14n: bool
    reference_prefixes: list[str] | None
    digest_method: str
    digest_value: bytes
    value: bytes


def verify_tree(
    tree: Any, trust: TrustAnchors, *, moment: datetime | None, accept_sha1: bool
) -> SignatureVerification:
    root = tree.getroot()
    signatures = list(root.iter(dsig("Signature")))
    if not signatures:
        placeholder = any(local_name(e) == "Signature" for e in root.iter())
        if placeholder:
            found = problem("signature_placeholder")
            return SignatureVerification(SignaturePresence.PLACEHOLDER, (found,))
        return SignatureVerification(SignaturePresence.UNSIGNED, (problem("signature_missing"),))
    if len(signatures) > 1:
        found = problem("signature_multiple", count=len(signatures))
        return SignatureVerification(SignaturePresence.SIGNED, (found,))
    try:
        return _verify_one(tree, signatures[0], trust, moment, accept_sha1)
    except _Stop as stop:
        return SignatureVerification(SignaturePresence.SIGNED, (stop.problem,))
    except (ValueError, TypeError, UnsupportedAlgorithm, etree.Error) as error:
        # libxml2 refuses to canonicalise some documents (relative namespace URIs);
        # cryptography refuses some keys: the signature cannot be checked, say why
        detail = f"{type(error).__name__}: {str(error)[:200]}"
        found = problem("signature_unverifiable", detail=detail)
        return SignatureVerification(SignaturePresence.SIGNED, (found,))


def _verify_one(
    tree: Any, signature: Any, trust: TrustAnchors, moment: datetime | None, accept_sha1: bool
) -> SignatureVerification:
    problems: list[Problem] = []
    parent = signature.getparent()
    last = [e for e in parent if isinstance(e.tag, str)][-1]
    if local_name(parent) != "edXMLHeader" or last is not signature:
        problems.append(problem("signature_misplaced"))
    parts = _read(signature)
    kind, hash_name, name = SIGNATURE_METHODS[parts.method]
    weak = _sha1(parts, name, accept_sha1, problems)
    digest = hashlib.new(DIGEST_METHODS[parts.digest_method])
    canonical_without(
        tree,
        signature,
        digest.update,
        exclusive=parts.reference_c14n,
        inclusive_prefixes=parts.reference_prefixes,
    )
    if not hmac.compare_digest(digest.digest(), parts.digest_value):
        problems.append(problem("digest_mismatch"))
    certificates = _certificates(signature)
    exclusive, comments = parts.c14n
    signed = canonical(
        parts.signed_info,
        exclusive=exclusive,
        with_comments=comments,
        inclusive_prefixes=parts.c14n_prefixes,
    )
    signer, value_problem = _find_signer(certificates, kind, hash_name, signed, parts.value)
    if value_problem is not None:
        problems.append(value_problem)
    weak = _key_strength(signer, problems) or weak
    chain = _chain(signer, certificates, trust, moment, problems)
    return SignatureVerification(
        presence=SignaturePresence.SIGNED,
        problems=tuple(problems),
        signer_certificate=signer,
        chain=chain,
        signature_method=parts.method,
        digest_method=parts.digest_method,
        algorithm=name,
        weak=weak,
    )


def _sha1(parts: _Parts, name: str, accept_sha1: bool, problems: list[Problem]) -> bool:
    """Whether SHA-1 is used; reported as weak, or refused when ``accept_sha1`` is off."""
    method_sha1 = SIGNATURE_METHODS[parts.method][1] == "sha1"
    digest_sha1 = DIGEST_METHODS[parts.digest_method] == "sha1"
    if not (method_sha1 or digest_sha1):
        return False
    if not accept_sha1:
        if method_sha1:
            what, what_vi, uri = "signature method", "phương thức ký", parts.method
        else:
            what, what_vi, uri = "digest method", "thuật toán băm", parts.digest_method
        raise _Stop(problem("algorithm_unsupported", what=what, what_vi=what_vi, uri=uri))
    problems.append(problem("algorithm_weak", name=name if method_sha1 else "SHA-1"))
    return True


def _find(element: Any, *path: str) -> Any:
    found = element.find("/".join(dsig(p) for p in path))
    if found is None:
        raise _Stop(problem("signature_malformed", what="/".join(path)))
    return found


def _b64(element: Any, what: str) -> bytes:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise _Stop(problem("signature_malformed", what=what)) from None


def _prefixes(transform: Any) -> list[str] | None:
    found = transform.find(f"{{{EXC_C14N_NS}}}InclusiveNamespaces")
    if found is None:
        return None
    return (found.get("PrefixList") or "").split() or None


def _algorithm(element: Any, known: dict[str, Any], what: str, what_vi: str) -> str:
    uri = element.get("Algorithm") or ""
    if uri not in known:
        raise _Stop(problem("algorithm_unsupported", what=what, what_vi=what_vi, uri=uri or "?"))
    return uri


def _read(signature: Any) -> _Parts:
    signed_info = _find(signature, "SignedInfo")
    c14n_element = _find(signed_info, "CanonicalizationMethod")
    c14n = _algorithm(c14n_element, C14N, "canonicalization", "phép chuẩn hóa")
    method = _algorithm(
        _find(signed_info, "SignatureMethod"),
        SIGNATURE_METHODS,
        "signature method",
        "phương thức ký",
    )
    references = signed_info.findall(dsig("Reference"))
    if not references:
        raise _Stop(problem("reference_missing"))
    if len(references) > 1:
        raise _Stop(problem("reference_extra", count=len(references)))
    reference = references[0]
    uri = reference.get("URI")
    if uri != "":
        raise _Stop(problem("reference_wrong", uri=uri if uri is not None else "(none)"))
    exclusive, prefixes = _reference_transforms(reference)
    digest_method = _algorithm(
        _find(reference, "DigestMethod"), DIGEST_METHODS, "digest method", "thuật toán băm"
    )
    return _Parts(
        signed_info=signed_info,
        c14n=C14N[c14n],
        c14n_prefixes=_prefixes(c14n_element),
        method=method,
        reference_c14n=exclusive,
        reference_prefixes=prefixes,
        digest_method=digest_method,
        digest_value=_b64(_find(reference, "DigestValue"), "DigestValue"),
        value=_b64(_find(signature, "SignatureValue"), "SignatureValue"),
    )


def _reference_transforms(reference: Any) -> tuple[bool, list[str] | None]:
    """(exclusive?, inclusive prefixes) of the reference's canonicalisation; without
    one, XML-DSig converts the node-set with inclusive C14N 1.0."""
    enveloped = False
    c14n: tuple[bool, list[str] | None] | None = None
    for transform in reference.findall(f"{dsig('Transforms')}/{dsig('Transform')}"):
        uri = transform.get("Algorithm") or ""
        if uri == ENVELOPED and not enveloped:
            enveloped = True
        elif uri in C14N and c14n is None:
            c14n = (C14N[uri][0], _prefixes(transform))
        else:
            raise _Stop(problem("transform_not_allowed", uri=uri or "?"))
    if not enveloped:
        raise _Stop(problem("reference_not_enveloped"))
    return c14n if c14n is not None else (False, None)


def _certificates(signature: Any) -> list[x509.Certificate]:
    path = f"{dsig('KeyInfo')}/{dsig('X509Data')}/{dsig('X509Certificate')}"
    found = signature.findall(path)
    if not found:
        raise _Stop(problem("certificate_missing"))
    if len(found) > _MAX_CERTIFICATES:  # a chain is a handful; more only slows path building
        what = f"KeyInfo (more than {_MAX_CERTIFICATES} certificates)"
        raise _Stop(problem("signature_malformed", what=what))
    certificates: list[x509.Certificate] = []
    for element in found:
        try:
            der = base64.b64decode("".join((element.text or "").split()), validate=True)
            certificate = x509.load_der_x509_certificate(der)
            # cryptography parses some fields lazily: read them now, not mid-verification
            certificate.public_key(), certificate.subject, certificate.issuer
        except (binascii.Error, ValueError, UnsupportedAlgorithm):
            raise _Stop(problem("certificate_unreadable")) from None
        certificates.append(certificate)
    return certificates


def subject_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else certificate.subject.rfc4514_string()
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _find_signer(
    certificates: list[x509.Certificate], kind: str, hash_name: str, signed: bytes, value: bytes
) -> tuple[x509.Certificate, Problem | None]:
    """The certificate whose key made ``value`` (end certificates tried first)."""
    issuers = {c.issuer for c in certificates if c.issuer != c.subject}
    leaves = [c for c in certificates if c.subject not in issuers]
    ordered = leaves + [c for c in certificates if c not in leaves]
    claimed = ordered[0]
    for certificate in ordered:
        key = certificate.public_key()
        if (
            kind == "rsa"
            and not isinstance(key, rsa.RSAPublicKey)
            or (kind == "ec" and not isinstance(key, ec.EllipticCurvePublicKey))
        ):
            continue
        if _verifies(key, hash_name, signed, value):
            return certificate, None
    key_kind = type(claimed.public_key()).__name__.removesuffix("PublicKey").removeprefix("_")
    if (
        kind == "rsa"
        and not isinstance(claimed.public_key(), rsa.RSAPublicKey)
        or (kind == "ec" and not isinstance(claimed.public_key(), ec.EllipticCurvePublicKey))
    ):
        return claimed, problem("key_algorithm_mismatch", method=kind.upper(), key=key_kind)
    return claimed, problem("signature_invalid", subject=subject_name(claimed))


def _verifies(key: Any, hash_name: str, signed: bytes, value: bytes) -> bool:
    algorithm: hashes.HashAlgorithm = {
        "sha1": hashes.SHA1(),
        "sha256": hashes.SHA256(),
        "sha384": hashes.SHA384(),
        "sha512": hashes.SHA512(),
    }[hash_name]
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed, padding.PKCS1v15(), algorithm)
            return True
        half = (key.curve.key_size + 7) // 8
        if len(value) != 2 * half:
            return False
        r, s = int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big")
        key.verify(encode_dss_signature(r, s), signed, ec.ECDSA(algorithm))
        return True
    except (InvalidSignature, ValueError):
        return False


def _key_strength(signer: x509.Certificate, problems: list[Problem]) -> bool:
    key = signer.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        kind, bits = "rsa", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        kind, bits = "ec", key.curve.key_size
    else:
        return False
    if bits >= _MIN_BITS[kind]:
        return False
    problems.append(problem("key_too_small", key=kind.upper(), bits=bits, minimum=_MIN_BITS[kind]))
    return True


def _chain(
    signer: x509.Certificate,
    certificates: list[x509.Certificate],
    trust: TrustAnchors,
    moment: datetime | None,
    problems: list[Problem],
) -> tuple[x509.Certificate, ...]:
    at = moment or datetime.now(UTC)
    subject = subject_name(signer)
    if not signer.not_valid_before_utc <= at <= signer.not_valid_after_utc:
        problems.append(
            problem(
                "certificate_expired",
                subject=subject,
                moment=f"{at:%Y-%m-%d %H:%M} UTC",
                not_before=f"{signer.not_valid_before_utc:%Y-%m-%d}",
                not_after=f"{signer.not_valid_after_utc:%Y-%m-%d}",
            )
        )
        return ()
    if not trust.roots:
        problems.append(problem("chain_untrusted", subject=subject, detail="no trusted root given"))
        return ()
    try:
        return build_chain(signer, certificates, trust, at)
    except VerificationError as error:
        problems.append(problem("chain_untrusted", subject=subject, detail=str(error)))
        return ()
