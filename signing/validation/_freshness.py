"""docflow's freshness rule for the newest archive timestamp, offline.

Years after signing, the newest document timestamp is the one thing the long-term
validation (ETSI EN 319 102-1, past signature validation) must still trust *now*; with no
network, nothing current can say its TSA certificate was not revoked since. docflow
accepts it as not revoked when the file carries revocation data about that certificate
(and any CA between it and the anchor) that was added to the DSS in a revision after the
timestamp, was issued at or after the timestamp's time and says "good": the TSA's key was
sound after the timestamp was made, so the timestamp stands. The certificate must still
be within its validity at the validation time (the engine checks that). A renewal adds a
newer timestamp long before that validity ends.
Online (``TrustConfig.allow_fetching``) current revocation data is fetched instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.policy_decl import NonRevokedStatusAssertion

from signing._failures import MALFORMED

__all__ = ["newest_timestamp_assertions", "postdating_status"]


def _good_ocsp_after(
    cert: x509.Certificate, issuer: x509.Certificate | None, when: datetime, data: Iterable[bytes]
) -> bool:
    serial = int(cert.serial_number)
    for raw in data:
        with suppress(*MALFORMED):  # unreadable data proves nothing
            resp = asn1_ocsp.OCSPResponse.load(raw)
            tbs = resp["response_bytes"]["response"].parsed["tbs_response_data"]
            for single in tbs["responses"]:
                cert_id = single["cert_id"]
                if int(cert_id["serial_number"].native) != serial:
                    continue
                algo = str(cert_id["hash_algorithm"]["algorithm"].native)
                if (
                    cert_id["issuer_name_hash"].native
                    != hashlib.new(algo, cert.issuer.dump()).digest()
                ):
                    continue
                if issuer is not None:
                    key = issuer.public_key["public_key"].contents[1:]
                    if cert_id["issuer_key_hash"].native != hashlib.new(algo, key).digest():
                        continue
                if single["cert_status"].name == "good" and single["this_update"].native >= when:
                    return True
    return False


def _good_crl_after(cert: x509.Certificate, when: datetime, data: Iterable[bytes]) -> bool:
    serial = int(cert.serial_number)
    for raw in data:
        with suppress(*MALFORMED):  # unreadable data proves nothing
            tbs = asn1_crl.CertificateList.load(raw)["tbs_cert_list"]
            if tbs["issuer"] != cert.issuer or tbs["this_update"].native < when:
                continue
            revoked = {int(e["user_certificate"].native) for e in tbs["revoked_certificates"] or []}
            if serial not in revoked:
                return True
    return False


def postdating_status(
    cert: x509.Certificate,
    issuer: x509.Certificate | None,
    when: datetime,
    ocsps: list[bytes],
    crls: list[bytes],
) -> bool:
    """Whether ``ocsps``/``crls`` say ``cert`` was good in data issued at or after ``when``."""
    return _good_ocsp_after(cert, issuer, when, ocsps) or _good_crl_after(cert, when, crls)


def _dss_data(reader: PdfFileReader, revision: int) -> set[bytes]:
    """The CRLs and OCSP responses the DSS held as of ``revision`` (what came after the
    timestamp of that revision cannot be among them)."""
    try:
        dss = reader.get_historical_root(revision)["/DSS"]
    except (KeyError, TypeError):
        return set()
    found: set[bytes] = set()
    for key in ("/CRLs", "/OCSPs"):
        with suppress(*MALFORMED):
            found |= {ref.get_object().data for ref in dss.get(key, ())}
    return found


def newest_timestamp_assertions(
    reader: PdfFileReader, validation_time: datetime
) -> list[NonRevokedStatusAssertion]:
    """Non-revocation assertions (valid up to ``validation_time``) for the newest document
    timestamp's TSA certificate and its CAs below the anchor, where the file's DSS proves
    them good with data issued after that timestamp (empty list: no such proof)."""
    try:
        stamps = reader.embedded_timestamp_signatures
        if not stamps:
            return []
        newest = stamps[-1]
        gen_time = newest.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
        dss = DocumentSecurityStore.read_dss(reader)
        before = _dss_data(reader, newest.signed_revision)
        ocsps = [d for d in (ref.get_object().data for ref in dss.ocsps) if d not in before]
        crls = [d for d in (ref.get_object().data for ref in dss.crls) if d not in before]
        known = list(dss.load_certs()) + list(newest.signed_data["certificates"] or [])
    except MALFORMED:  # no DSS or no readable timestamp: no assertion
        return []
    certs = [c.chosen if hasattr(c, "chosen") else c for c in known]
    assertions = []
    current: x509.Certificate | None = newest.signer_cert
    for _ in range(8):
        if current is None or current.self_signed != "no":
            break
        issuer = next((c for c in certs if c.subject == current.issuer), None)
        if not postdating_status(current, issuer, gen_time, ocsps, crls):
            return []
        assertions.append(NonRevokedStatusAssertion(current.sha256, validation_time))
        if issuer is None or issuer.self_signed != "no":
            break
        current = issuer
    return assertions
