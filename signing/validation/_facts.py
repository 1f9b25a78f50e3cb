"""Small, side-effect-free readers of certificates, revocation data and PDF structure."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.sign.validation import EmbeddedPdfSignature

from signing._failures import MALFORMED
from signing.validation.model import CertificateInfo, RevocationInfo, SignerInfo

__all__ = [
    "cert_info",
    "chain_infos",
    "signed_revision",
    "key_description",
    "match_revocation",
    "signer_info",
    "weak_key_warning",
]

WEAK_DIGESTS = frozenset({"md5", "md2", "sha1", "sha224"})


def _name_attr(name: x509.Name, attr: str) -> str | None:
    try:
        value = name.native.get(attr)
    except MALFORMED:  # malformed names are reported as absent
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value) if value is not None else None


def _human(name: x509.Name) -> str:
    try:
        return str(name.human_friendly)
    except MALFORMED:
        return "(unreadable name)"


def serial_hex(cert: x509.Certificate) -> str:
    return format(int(cert.serial_number), "X")


def key_description(cert: x509.Certificate) -> tuple[str, int | None]:
    try:
        algo = str(cert.public_key.algorithm).upper()
        bits = int(cert.public_key.bit_size)
    except MALFORMED:
        return ("unknown", None)
    return (algo, bits)


def weak_key_warning(cert: x509.Certificate) -> str | None:
    algo, bits = key_description(cert)
    if bits is None:
        return None
    if algo == "RSA" and bits < 2048:
        return f"The signer's RSA key has only {bits} bits (at least 2048 required)."
    if algo == "EC" and bits < 256:
        return f"The signer's elliptic-curve key has only {bits} bits (at least 256 required)."
    if algo == "DSA":
        return "The signer uses a DSA key, which is not accepted for official documents."
    return None


def cert_info(cert: x509.Certificate) -> CertificateInfo:
    algo, bits = key_description(cert)
    try:
        nb: datetime | None = cert.not_valid_before
        na: datetime | None = cert.not_valid_after
    except MALFORMED:
        nb = na = None
    return CertificateInfo(
        subject=_human(cert.subject),
        issuer=_human(cert.issuer),
        serial=serial_hex(cert),
        not_before=nb,
        not_after=na,
        sha256=cert.sha256.hex(),
        key=f"{algo}-{bits}" if bits is not None else algo,
    )


def signer_info(cert: x509.Certificate) -> SignerInfo:
    name = _name_attr(cert.subject, "common_name") or _human(cert.subject)
    org = _name_attr(cert.subject, "organization_name")
    return SignerInfo(
        name=name,
        agency=org,
        organisation=org,
        organisational_unit=_name_attr(cert.subject, "organizational_unit_name"),
        certificate_serial=serial_hex(cert),
        issuer=_human(cert.issuer),
        certificate_sha256=cert.sha256.hex(),
    )


def signed_revision(emb: EmbeddedPdfSignature) -> int | None:
    """The (0-based) revision the signature signed, if it can be told."""
    try:
        return int(emb.signed_revision)
    except MALFORMED:
        return None


def chain_infos(certs: Iterable[x509.Certificate]) -> tuple[CertificateInfo, ...]:
    return tuple(cert_info(c) for c in certs)


def _fresh(this_update: datetime | None, next_update: datetime | None, at: datetime) -> bool | None:
    if this_update is None:
        return None
    if this_update > at:
        return False
    if next_update is None:
        # no nextUpdate (e.g. many OCSP responders): pyHanko accepts ~10 minutes
        return (at - this_update) <= timedelta(minutes=10)
    return at <= next_update


def _ocsp_single_responses(resp: asn1_ocsp.OCSPResponse) -> Iterable[tuple[Any, Any]]:
    basic = resp["response_bytes"]["response"].parsed
    tbs = basic["tbs_response_data"]
    for single in tbs["responses"]:
        yield tbs, single


def match_revocation(
    cert: x509.Certificate,
    ocsps: Sequence[tuple[str, asn1_ocsp.OCSPResponse]],
    crls: Sequence[tuple[str, asn1_crl.CertificateList]],
    at: datetime,
) -> RevocationInfo | None:
    """The most relevant revocation evidence about ``cert`` among the given data,
    each item tagged with its source (embedded / given / fetched)."""
    serial = int(cert.serial_number)
    best: RevocationInfo | None = None
    for source, resp in ocsps:
        try:
            for info in _ocsp_statuses(cert, serial, source, resp, at):
                best = _more_relevant(best, info)
        except MALFORMED:  # unparseable data is simply not evidence
            continue
    for source, cl in crls:
        try:
            found = _crl_status(cert, serial, source, cl, at)
        except MALFORMED:
            continue
        if found is not None:
            best = _more_relevant(best, found)
    return best


def _more_relevant(best: RevocationInfo | None, info: RevocationInfo) -> RevocationInfo:
    """A revocation wins, then fresh data over stale; otherwise the first found stays."""
    if best is None or info.status == "revoked" or (info.fresh and not best.fresh):
        return info
    return best


def _ocsp_statuses(
    cert: x509.Certificate, serial: int, source: str, resp: asn1_ocsp.OCSPResponse, at: datetime
) -> Iterator[RevocationInfo]:
    """What one OCSP response says about ``cert`` (same serial and same issuer)."""
    for tbs, single in _ocsp_single_responses(resp):
        cert_id = single["cert_id"]
        if int(cert_id["serial_number"].native) != serial:
            continue
        algo = str(cert_id["hash_algorithm"]["algorithm"].native)
        issuer_hash = hashlib.new(algo, cert.issuer.dump()).digest()
        if issuer_hash != cert_id["issuer_name_hash"].native:
            continue  # same serial, another CA
        status = single["cert_status"]
        rev_date = rev_reason = None
        if status.name == "revoked":
            rev_date = status.chosen["revocation_time"].native
            reason = status.chosen["revocation_reason"]
            rev_reason = str(reason.native) if reason.native is not None else None
        this_update = single["this_update"].native
        next_update = single["next_update"].native
        yield RevocationInfo(
            source=source,
            status=str(status.name),
            kind="OCSP",
            produced_at=tbs["produced_at"].native,
            next_update=next_update,
            fresh=_fresh(this_update, next_update, at),
            revocation_date=rev_date,
            revocation_reason=rev_reason,
        )


def _crl_status(
    cert: x509.Certificate, serial: int, source: str, cl: asn1_crl.CertificateList, at: datetime
) -> RevocationInfo | None:
    """What one CRL says about ``cert`` (``None``: another issuer's list)."""
    tbs = cl["tbs_cert_list"]
    if tbs["issuer"] != cert.issuer:
        return None
    this_update = tbs["this_update"].native
    next_update = tbs["next_update"].native
    status_s, rev_date, rev_reason = "good", None, None
    for entry in tbs["revoked_certificates"] or []:
        if int(entry["user_certificate"].native) == serial:
            status_s = "revoked"
            rev_date = entry["revocation_date"].native
            for ext in entry["crl_entry_extensions"] or []:
                if ext["extn_id"].native == "crl_reason":
                    rev_reason = str(ext["extn_value"].native)
            break
    return RevocationInfo(
        source=source,
        status=status_s,
        kind="CRL",
        produced_at=this_update,
        next_update=next_update,
        fresh=_fresh(this_update, next_update, at),
        revocation_date=rev_date,
        revocation_reason=rev_reason,
    )
