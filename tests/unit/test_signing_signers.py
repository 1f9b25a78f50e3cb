"""Signer sources, key caching, typed errors, external-signature checks (no services)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from signing import (
    InvalidExternalSignature,
    PemSource,
    Pkcs12Source,
    PreparedSignature,
    SignerLoadError,
    SigningError,
    SignRequest,
    clear_signer_cache,
    load_signer,
)
from signing.external.verify import verify_and_normalise
from signing.pades.levels import build_timestamper, level_rank
from signing.signers.algorithms import algorithm_name
from signing.signers.keys import CachedKeySigner
from tests.pki import cert, chain_pems, signer_p12, signer_pem


def test_pem_source_loads_once_and_is_cached() -> None:
    key, crt = signer_pem("stttt-leader")
    source = PemSource(key=key, certificate=crt, chain=tuple(chain_pems("stttt-leader")))
    first = load_signer(source)
    assert isinstance(first, CachedKeySigner)
    assert load_signer(dataclasses.replace(source)) is first  # equal source, same signer
    clear_signer_cache()
    assert load_signer(source) is not first


def test_pkcs12_from_bytes_and_path(tmp_path: Path) -> None:
    data = signer_p12("stttt-seal-p256", b"pw")
    (tmp_path / "s.p12").write_bytes(data)
    a = load_signer(Pkcs12Source(data=data, passphrase="pw"))
    b = load_signer(Pkcs12Source(data=tmp_path / "s.p12", passphrase=b"pw"))
    assert a.signing_cert is not None and b.signing_cert is not None
    assert a.signing_cert.dump() == b.signing_cert.dump() == cert("stttt-seal-p256").dump()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (lambda: Pkcs12Source(data=signer_p12("stc-seal", b"a"), passphrase="b"), "passphrase"),
        (lambda: Pkcs12Source(data=b"garbage", passphrase="b"), "damaged"),
        (lambda: Pkcs12Source(data=Path("/nonexistent.p12")), "cannot be read"),
        (lambda: PemSource(key=b"nope", certificate=signer_pem("vp-seal")[1]), "private key"),
        (
            lambda: PemSource(key=signer_pem("vp-seal")[0], certificate=signer_pem("vp-leader")[1]),
            "does not belong",
        ),
    ],
)
def test_load_errors_are_typed_and_readable(source: object, message: str) -> None:
    with pytest.raises(SignerLoadError, match=message) as info:
        load_signer(source())  # type: ignore[operator]
    assert isinstance(info.value, SigningError)
    assert str(info.value).endswith(".")


async def test_cached_key_signature_verifies() -> None:
    key_pem, crt = signer_pem("stttt-leader-p256")
    signer = load_signer(PemSource(key=key_pem, certificate=crt))
    raw = await signer.async_sign_raw(b"data", "sha256")
    public = serialization.load_pem_private_key(key_pem, None).public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(raw, b"data", ec.ECDSA(hashes.SHA256()))
    dry = await signer.async_sign_raw(b"data", "sha256", dry_run=True)
    assert len(dry) >= len(raw)


def test_levels_and_tsa_requirements() -> None:
    assert [level_rank(x) for x in ("B-B", "B-T", "B-LT", "B-LTA")] == [0, 1, 2, 3]
    with pytest.raises(SigningError, match="Unknown signature level"):
        level_rank("B-X")  # type: ignore[arg-type]
    assert build_timestamper(SignRequest(level="B-B")) is None
    with pytest.raises(SigningError, match="tsa_url"):
        build_timestamper(SignRequest(level="B-T"))


def test_external_signature_checks() -> None:
    key_pem, _ = signer_pem("stttt-seal-p256")
    key = serialization.load_pem_private_key(key_pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    c: asn1_x509.Certificate = cert("stttt-seal-p256")
    assert algorithm_name(c, "sha256") == "ECDSA-P256/SHA-256"
    assert algorithm_name(cert("stttt-seal"), "sha256") == "RSASSA-PKCS1-v1_5/SHA-256"
    der = key.sign(b"tbs", ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert decode_dss_signature(verify_and_normalise(c, b"tbs", raw, "sha256")) == (r, s)
    assert verify_and_normalise(c, b"tbs", der, "sha256") == der
    with pytest.raises(InvalidExternalSignature):
        verify_and_normalise(c, b"other", raw, "sha256")
    rsa_key = serialization.load_pem_private_key(signer_pem("stttt-seal")[0], None)
    sig = rsa_key.sign(b"tbs", padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    with pytest.raises(InvalidExternalSignature):
        verify_and_normalise(cert("stttt-seal"), b"tbs", sig[:-1] + b"\0", "sha256")
    with pytest.raises(SigningError, match="SHA-256 or stronger"):
        verify_and_normalise(cert("stttt-seal"), b"tbs", sig, "sha1")


def test_prepared_signature_json_round_trip() -> None:
    p = PreparedSignature(
        to_be_signed="MQA=", algorithm="ECDSA-P256/SHA-256", digest_algorithm="sha256",
        document_digest="00" * 32, reserved_start=100, reserved_end=200,
        prepared_sha256="11" * 32, prepared_size=1000, certificate="", chain=("AA==",),
        field_name="S", level="B-T", signed_at="2026-11-26T10:00:00+07:00",
    )
    assert PreparedSignature.from_json(p.to_json()) == p
    assert p.byte_range == (0, 100, 200, 800)
    with pytest.raises(SigningError):
        PreparedSignature.from_json("{not json")


def test_weak_digest_refused(tmp_path: Path) -> None:
    from signing import SignatureCreationError, sign_pdf
    from tests.pki import tiny_pdf

    key, crt = signer_pem("vp-leader")
    signer = load_signer(PemSource(key=key, certificate=crt))
    with pytest.raises(SignatureCreationError, match="SHA-256 or stronger"):
        sign_pdf(tiny_pdf(), tmp_path / "x.pdf", SignRequest(level="B-B", md_algorithm="sha1"),
                 signer)
