"""Benchmark: signing with a time-stamp token whose length ends in 0x80, with
asn1crypto's own ``dump()`` and with ``signing._asn1_lengths``' correction, in one run:

    .venv/bin/python -m bench.asn1_lengths [--repeat 5]

asn1crypto 1.5.1 takes any header ending in 0x80 for an indefinite length and re-encodes
the value, and everything under it, on every dump. A time-stamp token is a whole CMS
(the TSA's certificates included) that pyHanko parses from the TSA's answer and then
dumps while it builds the signature. This signs the same data detached at B-T with
pyHanko's own signer (no docflow code in the way) and a TSA that answers a token made
once by the dev PKI's TSA: as it came (0x0891 bytes) and with one more certificate in
its set, sized so the token is 0x..80 bytes long (the TSA's signature does not cover
that set). Each signature's time is taken with the original methods and with the
corrected ones, alternately. Prints median milliseconds of CPU and their ratio. Not a
test.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import core

# asn1crypto's own methods, saved before ``signing`` installs the corrected ones
ORIGINAL = {cls: cls.__dict__["dump"] for cls in (core.Asn1Value, core.Choice,
            core.Primitive, core.Sequence, core.SequenceOf)}
DATA = b"docflow " * 4096


def _self_signed(label: str) -> tuple[Any, Any]:
    """(asn1crypto private key, certificate), the name holding ``label``."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nguyen Van An"),
                      x509.NameAttribute(NameOID.PSEUDONYM, label)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(4242)
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(serialization.Encoding.DER,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return (asn1_keys.PrivateKeyInfo.load(der_key),
            asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)))


async def _tokens() -> dict[str, bytes]:
    """A dev TSA token as it came, and the same with a certificate added that makes its
    length end in 0x80."""
    from asn1crypto import cms

    from docflow.devpki import dev_timestamper

    token = await dev_timestamper().async_timestamp(hashlib.sha256(DATA).digest(), "sha256")
    plain = token.dump()
    for pad in range(1, 600):
        padded = cms.ContentInfo.load(plain)
        certificates = list(padded["content"]["certificates"])
        certificates.append(cms.CertificateChoices("certificate", _self_signed("x" * pad)[1]))
        padded["content"]["certificates"] = certificates
        der = padded.dump(force=True)
        if der[3] == 0x80 and der[1] == 0x82:
            return {f"0x{plain[2:4].hex()} (as it came)": plain, f"0x{der[2:4].hex()}": der}
    raise SystemExit("no padding gave a token of length 0x..80")


class _FixedTokenTsa:
    """A TSA that answers every request with ``der``, parsed afresh as from the wire."""

    def __init__(self, der: bytes) -> None:
        self.der = der

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        from asn1crypto import cms

        return cms.ContentInfo.load(self.der)


async def _sign(signer: Any, tsa: _FixedTokenTsa) -> None:
    await signer.async_sign_general_data(DATA, "sha256", detached=True, timestamper=tsa)


def _use(methods: dict[Any, Any]) -> None:
    for cls, method in methods.items():
        cls.dump = method


def main() -> None:
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    import signing
    from signing import _asn1_lengths

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    signing.preload()  # installs the corrected methods
    corrected = {cls: cls.__dict__["dump"] for cls in ORIGINAL}
    assert corrected[core.Sequence] is _asn1_lengths._sequence_dump
    key, cert = _self_signed("leader")
    signer = SimpleSigner(signing_cert=cert, signing_key=key,
                          cert_registry=SimpleCertificateStore.from_certs([cert]))
    tokens = asyncio.run(_tokens())
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeat):
        for case, der in tokens.items():
            for methods_name, methods in (("asn1crypto", ORIGINAL), ("corrected", corrected)):
                _use(methods)
                gc.collect()  # none of one run's garbage collected in the next
                started = time.process_time()
                asyncio.run(_sign(signer, _FixedTokenTsa(der)))
                times.setdefault((case, methods_name), []).append(time.process_time() - started)
    _use(corrected)
    print(f"{'time-stamp token length':<26}{'asn1crypto ms':>15}{'corrected ms':>14}{'ratio':>8}")
    for case in tokens:
        before = statistics.median(times[(case, "asn1crypto")])
        after = statistics.median(times[(case, "corrected")])
        print(f"{case:<26}{1000 * before:>15.1f}{1000 * after:>14.1f}{before / after:>8.2f}")


if __name__ == "__main__":
    main()
