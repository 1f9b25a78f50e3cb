"""Revocation status of the dev PKI: CRLs and OCSP responses, signed here.

Certomancer takes seconds to build a CRL, so docflow signs its own, on a CA's schedule:
one CRL per period (root 30 days, agency CAs 7 days, aligned to the Unix epoch), valid one
day past the next one's issue, the same bytes all period long (cached in memory and under
the dev PKI's cache directory). An OCSP response is made per request with ``thisUpdate`` =
now: revocation data issued *after* an archive timestamp is what lets a B-LTA document be
validated offline years later (see ``signing.validation._freshness``).

Times are whole seconds: strict DER parsers (pyca/cryptography, NSS) refuse fractions.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from datetime import UTC, datetime, timedelta

from asn1crypto import core, ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from docflow.devpki.pki import AGENCIES, DevPki, RevokedEntry, atomic_write, issuer_public_key

__all__ = [
    "CRL_OVERLAP",
    "CRL_PERIODS",
    "OCSP_VALIDITY",
    "UnknownService",
    "crl_labels",
    "dev_crl",
    "issue_time",
    "ocsp_labels",
    "ocsp_response",
    "whole_seconds",
]

#: How often the root and an agency CA issue a CRL.
CRL_PERIODS = {"root": timedelta(days=30), "agency": timedelta(days=7)}
#: A CRL stays valid this long after the next one is issued (as real CAs overlap them).
CRL_OVERLAP = timedelta(days=1)
#: nextUpdate of an OCSP response after its thisUpdate.
OCSP_VALIDITY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class UnknownService(LookupError):
    """No CRL repository or OCSP responder of that name."""


def whole_seconds(moment: datetime | None = None) -> datetime:
    return (moment or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def crl_labels() -> tuple[str, ...]:
    """CRL repositories: ``root`` and one per agency CA (named by the agency)."""
    return ("root", *AGENCIES)


def ocsp_labels() -> tuple[str, ...]:
    """OCSP responders: ``root`` (signed by the root, for the TSA) and one per agency."""
    return ("root", *AGENCIES)


def _ca_label(repo: str) -> str:
    if repo == "root":
        return "root"
    if repo in AGENCIES:
        return f"ca-{repo}"
    raise UnknownService(f"no dev CRL repository or OCSP responder named {repo!r}")


def _sign(key: object, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    raise TypeError(f"unsupported dev key type {type(key).__name__}")


def _sig_algo(key: object) -> str:
    return "sha256_rsa" if isinstance(key, rsa.RSAPrivateKey) else "sha256_ecdsa"


_REASONS = {
    "key_compromise": x509.ReasonFlags.key_compromise,
    "ca_compromise": x509.ReasonFlags.ca_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "certificate_hold": x509.ReasonFlags.certificate_hold,
}

_crl_cache: dict[tuple[int, str, datetime], bytes] = {}
_crl_lock = threading.Lock()


def _period(repo: str) -> timedelta:
    return CRL_PERIODS["root" if repo == "root" else "agency"]


def issue_time(repo: str, moment: datetime) -> datetime:
    """When the CRL of ``repo`` in force at ``moment`` was issued (its period's start)."""
    period = _period(repo)
    return _EPOCH + ((moment.astimezone(UTC) - _EPOCH) // period) * period


def _build_crl(pki: DevPki, repo: str, this_update: datetime) -> bytes:
    ca = _ca_label(repo)
    issuer = pki.cert(ca)
    key = pki.issuer_private_key(ca)
    next_update = this_update + _period(repo) + CRL_OVERLAP
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(int(this_update.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key(issuer)),
            critical=False,
        )
    )
    for entry in pki.revoked():
        if entry.issuer != ca or entry.since > this_update:
            continue
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(entry.since)
            .add_extension(x509.CRLReason(_REASONS[entry.reason]), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(revoked)
    crl = builder.sign(key, hashes.SHA256())
    return crl.public_bytes(Encoding.DER)


def dev_crl(pki: DevPki, repo: str, at: datetime | None = None) -> bytes:
    """The CRL of ``repo`` (``root`` or an agency abbreviation) in force at ``at`` (default
    now), DER: the one of that period, the same bytes every time it is asked for."""
    _ca_label(repo)
    issued = issue_time(repo, at or datetime.now(UTC))
    key = (id(pki), repo, issued)
    with _crl_lock:
        cached = _crl_cache.get(key)
    if cached is not None:
        return cached
    path = None
    if pki.cache_dir is not None:
        path = pki.cache_dir / f"crl-{repo}-{int(issued.timestamp())}.der"
    data = None
    if path is not None:
        with contextlib.suppress(OSError):
            data = path.read_bytes()
    if data is None:
        data = _build_crl(pki, repo, issued)
        if path is not None:
            with contextlib.suppress(OSError):  # a read-only data dir: memory only
                atomic_write(path, data)
    with _crl_lock:
        _crl_cache[key] = data
    return data


# --------------------------------------------------------------------------- OCSP


def _unsuccessful(status: str) -> bytes:
    return bytes(ocsp.OCSPResponse({"response_status": status}).dump())


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _key_hash(cert: x509.Certificate, algo: str) -> bytes:
    # RFC 6960: the hash of the BIT STRING value of the subject public key (no tag/length)
    key_bits = _asn1(cert).public_key["public_key"]
    return hashlib.new(algo, key_bits.contents[1:]).digest()


class _OcspRefusal(Exception):
    """An OCSP request answered with an unsuccessful ``status`` instead of statuses."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def _request_singles(request_der: bytes) -> tuple[ocsp.OCSPRequest, list[ocsp.Request]]:
    """The parsed request and its single requests (1 to 10), or ``malformed_request``."""
    try:
        request = ocsp.OCSPRequest.load(request_der)
        singles = list(request["tbs_request"]["request_list"])
        request.native  # noqa: B018 - parse fully now, so garbage fails here
    except (ValueError, TypeError, KeyError):
        raise _OcspRefusal("malformed_request") from None
    if not singles or len(singles) > 10:
        raise _OcspRefusal("malformed_request")
    return request, singles


def _single_response(
    single: ocsp.Request,
    ca: x509.Certificate,
    revoked: dict[int, RevokedEntry],
    now: datetime,
) -> dict[str, object]:
    """The status of the certificate ``single`` asks about, if ``ca`` issued it."""
    cert_id = single["req_cert"]
    algo = str(cert_id["hash_algorithm"]["algorithm"].native)
    if algo not in ("sha1", "sha256", "sha384", "sha512"):
        raise _OcspRefusal("malformed_request")
    ca_name_der = _asn1(ca).subject.dump()
    if cert_id["issuer_name_hash"].native != hashlib.new(algo, ca_name_der).digest() or cert_id[
        "issuer_key_hash"
    ].native != _key_hash(ca, algo):
        raise _OcspRefusal("unauthorized")
    entry = revoked.get(int(cert_id["serial_number"].native))
    if entry is not None and entry.since <= now:
        status = ocsp.CertStatus(
            name="revoked",
            value={
                "revocation_time": entry.since,
                "revocation_reason": entry.reason,
            },
        )
    else:
        status = ocsp.CertStatus(name="good", value=core.Null())
    return {
        "cert_id": cert_id,
        "cert_status": status,
        "this_update": now,
        "next_update": now + OCSP_VALIDITY,
    }


def _basic_response(
    pki: DevPki,
    signer_label: str,
    ca_label: str,
    request: ocsp.OCSPRequest,
    responses: list[dict[str, object]],
    now: datetime,
) -> ocsp.BasicOCSPResponse:
    """``responses`` signed by ``signer_label``, with the request's nonce if it had one."""
    signer_asn1 = _asn1(pki.cert(signer_label))
    signer_key = pki.private_key(signer_label)
    tbs = {
        "responder_id": ocsp.ResponderId(name="by_key", value=signer_asn1.public_key.sha1),
        "produced_at": now,
        "responses": responses,
    }
    nonce = _request_nonce(request)
    if nonce is not None:
        tbs["response_extensions"] = [{"extn_id": "nonce", "critical": False, "extn_value": nonce}]
    response_data = ocsp.ResponseData(tbs)
    basic = {
        "tbs_response_data": response_data,
        "signature_algorithm": {"algorithm": _sig_algo(signer_key)},
        "signature": _sign(signer_key, response_data.dump()),
    }
    if signer_label != ca_label:
        basic["certs"] = [signer_asn1]
    return ocsp.BasicOCSPResponse(basic)


def ocsp_response(
    pki: DevPki, responder: str, request_der: bytes, at: datetime | None = None
) -> bytes:
    """An RFC 6960 response of ``responder`` (``root`` or an agency) to ``request_der``.

    ``good`` unless the configuration revokes the certificate by then; requests about
    another CA's certificates answer ``unauthorized``; an unreadable request
    ``malformed_request``.
    """
    ca_label = _ca_label(responder)
    try:
        request, singles = _request_singles(request_der)
        ca = pki.cert(ca_label)
        signer_label = ca_label if responder == "root" else f"ocsp-{responder}"
        now = whole_seconds(at)
        revoked = {e.serial: e for e in pki.revoked() if e.issuer == ca_label}
        responses = [_single_response(single, ca, revoked, now) for single in singles]
    except _OcspRefusal as refusal:
        return _unsuccessful(refusal.status)
    basic = _basic_response(pki, signer_label, ca_label, request, responses, now)
    return bytes(
        ocsp.OCSPResponse(
            {
                "response_status": "successful",
                "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
            }
        ).dump()
    )


def _request_nonce(request: ocsp.OCSPRequest) -> bytes | None:
    for ext in request["tbs_request"]["request_extensions"] or []:
        if ext["extn_id"].native == "nonce":
            return bytes(ext["extn_value"].parsed.native)
    return None
