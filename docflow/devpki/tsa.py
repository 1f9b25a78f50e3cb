"""The dev PKI's RFC 3161 time-stamping authority, used in-process and under ``/dev-pki/``.

Certomancer's and pyHanko's dummy time-stampers identify their certificate with ESS
signing-certificate v1 (a SHA-1 hash); a document validated years later must not rest on
SHA-1, so this responder writes ESS signing-certificate v2 (RFC 5035) with SHA-256, as
ETSI EN 319 422 asks of a TSA. It keeps its key parsed and its constant parts encoded
(one instance per process and dev PKI: ``docflow.devpki.dev_tsa``; building each token
from scratch cost about a quarter of a seal's time), writes whole-second ``genTime``
values with an accuracy of one second, and refuses what a TSA must refuse (unknown
digest, other policy) with a ``rejection`` status instead of a token.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.timestamps.api import TimeStamper

from docflow.devpki.pki import DevPki
from docflow.devpki.status import whole_seconds

__all__ = ["DEV_TSA_POLICY", "DevTimeStamper", "DevTsa", "RejectionResp", "TsaRefusal"]

#: Policy of the dev TSA: a UUID OID (X.667), private to docflow's development PKI.
DEV_TSA_POLICY = "2.25." + str(uuid.UUID("6f6a1d54-0c2b-4d8e-9b1c-3f0d2a7e8c41").int)
_DIGESTS = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


# asn1crypto ships no type information, so its base class is Any to mypy.
class RejectionResp(core.Sequence):  # type: ignore[misc]
    """TimeStampResp without a token (asn1crypto's class insists on the token)."""

    _fields = [("status", tsp.PKIStatusInfo)]


class TsaRefusal(ValueError):
    """The request is refused; ``fail_info`` is the RFC 3161 PKIFailureInfo bit."""

    def __init__(self, fail_info: str, text: str) -> None:
        super().__init__(text)
        self.fail_info = fail_info

    def response_der(self) -> bytes:
        status = tsp.PKIStatusInfo(
            {
                "status": "rejection",
                "status_string": [str(self)],
                "fail_info": tsp.PKIFailureInfo({self.fail_info}),
            }
        )
        return bytes(RejectionResp({"status": status}).dump())


class DevTsa:
    """Signs time-stamp tokens with the dev TSA certificate (``tsa``)."""

    def __init__(self, pki: DevPki) -> None:
        key = pki.private_key("tsa")
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the dev TSA key must be RSA")
        self._key = key
        cert = pki.cert("tsa")
        self.cert = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
        digest = hashes.Hash(hashes.SHA256())
        digest.update(self.cert.dump())
        self._ess = tsp.SigningCertificateV2(
            {
                "certs": [
                    {
                        # hashAlgorithm SHA-256 is the DEFAULT, so it is left out (RFC 5035)
                        "cert_hash": digest.finalize(),
                        "issuer_serial": {
                            "issuer": [asn1_x509.GeneralName({"directory_name": self.cert.issuer})],
                            "serial_number": self.cert.serial_number,
                        },
                    }
                ]
            }
        )
        # Encoded once: they are the same in every token (see _signed_data).
        self._ess_attr = cms.CMSAttribute(
            {"type": "signing_certificate_v2", "values": [self._ess]}
        ).dump()
        self._content_type_attr = cms.CMSAttribute(
            {"type": "content_type", "values": ["tst_info"]}
        ).dump()
        self._sid = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": {
                    "issuer": self.cert.issuer,
                    "serial_number": self.cert.serial_number,
                }
            }
        ).dump()

    def respond(self, request: tsp.TimeStampReq, at: datetime | None = None) -> bytes:
        """The DER response to ``request``: a token, or a rejection naming the reason."""
        try:
            return bytes(self.grant(request, at).dump())
        except TsaRefusal as refusal:
            return refusal.response_der()

    def grant(self, request: tsp.TimeStampReq, at: datetime | None = None) -> tsp.TimeStampResp:
        """A granted response to ``request``; raises :class:`TsaRefusal` otherwise."""
        try:
            imprint = request["message_imprint"]
            algo = str(imprint["hash_algorithm"]["algorithm"].native)
            hashed = bytes(imprint["hashed_message"].native)
            policy = request["req_policy"].native
            version = request["version"].native
        except (ValueError, TypeError, KeyError):
            raise TsaRefusal(
                "bad_data_format", "The request is not a valid TimeStampReq."
            ) from None
        if version != "v1":
            raise TsaRefusal("bad_request", "Only version 1 requests are accepted.")
        if algo not in _DIGESTS:
            raise TsaRefusal(
                "bad_alg", f"The digest {algo} is not accepted; use SHA-256 or stronger."
            )
        if len(hashed) != _DIGEST_SIZES[algo]:
            raise TsaRefusal("bad_data_format", "The message imprint has the wrong length.")
        if policy is not None and policy != DEV_TSA_POLICY:
            raise TsaRefusal("unaccepted_policy", "Only the dev TSA policy is offered.")
        tst_info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": DEV_TSA_POLICY,
                "message_imprint": imprint,
                "serial_number": secrets.randbits(63) | 1,
                "gen_time": whole_seconds(at),
                "accuracy": {"seconds": 1},
                "ordering": False,
                "nonce": request["nonce"].native,
                "tsa": asn1_x509.GeneralName({"directory_name": self.cert.subject}),
            }
        )
        if request["nonce"].native is None:
            del tst_info["nonce"]
        content = tst_info.dump()
        return tsp.TimeStampResp(
            {
                "status": {"status": "granted"},
                "time_stamp_token": {
                    "content_type": "signed_data",
                    "content": self._signed_data(content, bool(request["cert_req"].native)),
                },
            }
        )

    def _signed_data(self, content: bytes, include_cert: bool) -> cms.SignedData:
        """The token's SignedData, encoded once and handed over parsed.

        asn1crypto re-encodes freshly built nested structures again and again (its
        "mutated" flag is never cleared; see ``signing.signers.cms``): built naively, one
        token cost ~50 ms, as much as the rest of a seal's time stamping. The constant
        parts (content-type and ESS attributes, signer identifier) are encoded once per
        TSA, the signed attributes are encoded by hand (DER: a SET OF sorted by
        encoding), and the SignedData is dumped once and re-parsed (~3 ms a token).
        """
        digest = hashes.Hash(hashes.SHA256())
        digest.update(content)
        message_digest = cms.CMSAttribute(
            {"type": "message_digest", "values": [digest.finalize()]}
        ).dump()
        attrs_der = _der_set(sorted([self._content_type_attr, message_digest, self._ess_attr]))
        signature = self._key.sign(attrs_der, padding.PKCS1v15(), hashes.SHA256())
        data = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(content),
            },
            "signer_infos": [
                {
                    "version": "v1",
                    "sid": cms.SignerIdentifier.load(self._sid),
                    "digest_algorithm": {"algorithm": "sha256"},
                    "signed_attrs": cms.CMSAttributes.load(attrs_der),
                    "signature_algorithm": {"algorithm": "sha256_rsa"},
                    "signature": signature,
                }
            ],
        }
        if include_cert:
            data["certificates"] = [self.cert]
        return cms.SignedData.load(cms.SignedData(data).dump())


def _der_set(members: list[bytes]) -> bytes:
    """A DER SET OF already encoded ``members`` (in the order given)."""
    body = b"".join(members)
    size = len(body)
    if size < 0x80:
        length = bytes([size])
    else:
        octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return b"\x31" + length + body


class DevTimeStamper(TimeStamper):
    """pyHanko's ``TimeStamper`` over :class:`DevTsa`, in-process (no HTTP to itself)."""

    def __init__(self, tsa: DevTsa, at: datetime | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # pyHanko leaves TimeStamper.__init__ unannotated
        self._tsa = tsa
        self._at = at

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            return self._tsa.grant(req, self._at)
        except TsaRefusal as refusal:
            from pyhanko.sign.timestamps.common_utils import TimestampRequestError

            raise TimestampRequestError(f"The dev TSA refused the request: {refusal}") from None
