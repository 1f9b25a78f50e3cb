"""Revocation status of the dev PKI: CRLs and OCSP responses, signed here.

Certomancer issues CRLs on a simulated schedule (a CRL "of the week", seconds to build),
so docflow signs its own: a CRL's ``thisUpdate`` is the moment it is made and it is reused
until shortly before its ``nextUpdate``; an OCSP response is made per request, with
``thisUpdate`` = now. Revocation data issued *after* an archive timestamp is what lets a
B-LTA document be validated offline years later (see ``signing.validation``), so fresh
status matters more than the schedule realism certomancer offers.

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

from docflow.devpki.pki import AGENCIES, DevPki, atomic_write

__all__ = [
    "CRL_PERIODS",
    "OCSP_VALIDITY",
    "UnknownService",
    "crl_labels",
    "dev_crl",
    "ocsp_labels",
    "ocsp_response",
    "whole_seconds",
]

#: Validity of a CRL of the root and of an agency CA.
CRL_PERIODS = {"root": timedelta(days=30), "agency": timedelta(days=7)}
#: nextUpdate of an OCSP response after its thisUpdate.
OCSP_VALIDITY = timedelta(days=1)
#: A cached CRL is replaced this long before its nextUpdate.
_REFRESH_MARGIN = timedelta(hours=12)


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

_crl_cache: dict[tuple[int, str], tuple[datetime, bytes]] = {}
_crl_lock = threading.Lock()


def _build_crl(pki: DevPki, repo: str, this_update: datetime) -> tuple[datetime, bytes]:
    ca = _ca_label(repo)
    issuer = pki.cert(ca)
    key = pki.private_key(ca)
    period = CRL_PERIODS["root" if repo == "root" else "agency"]
    next_update = this_update + period
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(int(this_update.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),  # type: ignore[arg-type]
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
    crl = builder.sign(key, hashes.SHA256())  # type: ignore[arg-type]
    return next_update, crl.public_bytes(Encoding.DER)


def dev_crl(pki: DevPki, repo: str, at: datetime | None = None) -> bytes:
    """The CRL of ``repo`` (``root`` or an agency abbreviation), DER.

    ``at`` (tests, demonstrations "as of") makes a CRL for that moment, uncached;
    otherwise the current one is reused until shortly before its ``nextUpdate``.
    """
    _ca_label(repo)
    if at is not None:
        return _build_crl(pki, repo, whole_seconds(at))[1]
    now = whole_seconds()
    key = (id(pki), repo)
    with _crl_lock:
        cached = _crl_cache.get(key)
        if cached is not None and now < cached[0] - _REFRESH_MARGIN:
            return cached[1]
    path = None if pki.cache_dir is None else pki.cache_dir / f"crl-{repo}.der"
    if cached is None and path is not None and path.is_file():
        data = path.read_bytes()
        next_update = x509.load_der_x509_crl(data).next_update_utc
        if next_update is not None and now < next_update - _REFRESH_MARGIN:
            with _crl_lock:
                _crl_cache[key] = (next_update, data)
            return data
    next_update, data = _build_crl(pki, repo, now)
    with _crl_lock:
        _crl_cache[key] = (next_update, data)
    if path is not None:
        with contextlib.suppress(OSError):  # a read-only data dir: memory only
            atomic_write(path, data)
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
        request = ocsp.OCSPRequest.load(request_der)
        singles = list(request["tbs_request"]["request_list"])
        request.native  # noqa: B018 - parse fully now, so garbage fails here
    except (ValueError, TypeError, KeyError):
        return _unsuccessful("malformed_request")
    if not singles or len(singles) > 10:
        return _unsuccessful("malformed_request")
    ca = pki.cert(ca_label)
    signer_label = ca_label if responder == "root" else f"ocsp-{responder}"
    signer_cert = pki.cert(signer_label)
    signer_key = pki.private_key(signer_label)
    now = whole_seconds(at)
    revoked = {e.serial: e for e in pki.revoked() if e.issuer == ca_label}
    ca_name_der = _asn1(ca).subject.dump()
    responses = []
    for single in singles:
        cert_id = single["req_cert"]
        algo = str(cert_id["hash_algorithm"]["algorithm"].native)
        if algo not in ("sha1", "sha256", "sha384", "sha512"):
            return _unsuccessful("malformed_request")
        if cert_id["issuer_name_hash"].native != hashlib.new(algo, ca_name_der).digest() or cert_id[
            "issuer_key_hash"
        ].native != _key_hash(ca, algo):
            return _unsuccessful("unauthorized")
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
        responses.append(
            {
                "cert_id": cert_id,
                "cert_status": status,
                "this_update": now,
                "next_update": now + OCSP_VALIDITY,
            }
        )
    signer_asn1 = _asn1(signer_cert)
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
    return bytes(
        ocsp.OCSPResponse(
            {
                "response_status": "successful",
                "response_bytes": {
                    "response_type": "basic_ocsp_response",
                    "response": ocsp.BasicOCSPResponse(basic),
                },
            }
        ).dump()
    )


def _request_nonce(request: ocsp.OCSPRequest) -> bytes | None:
    for ext in request["tbs_request"]["request_extensions"] or []:
        if ext["extn_id"].native == "nonce":
            return bytes(ext["extn_value"].parsed.native)
    return None
