"""The dev PKI: every signer chains to the root with live revocation checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    pkcs12,
)
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import ExpiredError, RevokedError

from tests.pki import (
    AGENCIES,
    EXPIRED_SIGNER,
    REVOKED_SIGNER,
    SIGNERS,
    DevPkiServices,
    cert,
    chain,
    crl_der,
    offline_validation_context,
    pki_services,  # noqa: F401 - fixture
    root_cert,
    serve_dev_pki,
    signer_p12,
    signer_pem,
)

SIGNING_USAGE = {"digital_signature", "non_repudiation"}


async def _validate(label: str, vc: object) -> None:
    validator = CertificateValidator(
        cert(label),
        intermediate_certs=chain(label),
        validation_context=vc,  # type: ignore[arg-type]
    )
    await validator.async_validate_usage(SIGNING_USAGE)


@pytest.mark.parametrize("label", SIGNERS)
async def test_signer_chains_to_root_with_revocation(
    label: str,
    pki_services: DevPkiServices,  # noqa: F811
) -> None:
    await _validate(label, pki_services.validation_context())


async def test_revoked_signer_is_revoked(pki_services: DevPkiServices) -> None:  # noqa: F811
    with pytest.raises(RevokedError):
        await _validate(REVOKED_SIGNER, pki_services.validation_context())


async def test_revoked_signer_was_good_before_revocation() -> None:
    when = datetime(2026, 2, 1, tzinfo=UTC)
    async with serve_dev_pki(at_time=when) as pki:
        await _validate(REVOKED_SIGNER, pki.validation_context(moment=when))


async def test_expired_signer_is_expired(pki_services: DevPkiServices) -> None:  # noqa: F811
    with pytest.raises(ExpiredError):
        await _validate(EXPIRED_SIGNER, pki_services.validation_context())


async def test_expired_signer_was_valid_in_2025() -> None:
    when = datetime(2025, 6, 1, tzinfo=UTC)
    async with serve_dev_pki(at_time=when) as pki:
        await _validate(EXPIRED_SIGNER, pki.validation_context(moment=when))


async def test_offline_context_with_given_crls() -> None:
    vc = offline_validation_context(crls=[crl_der("stttt"), crl_der("root")])
    await _validate("stttt-seal", vc)
    with pytest.raises(RevokedError):
        await _validate(REVOKED_SIGNER, vc)


async def test_crl_and_ca_cert_served(pki_services: DevPkiServices) -> None:  # noqa: F811
    async with pki_services.session.get(pki_services.url("crl", "stttt")) as resp:
        assert resp.status == 200
        crl = asn1_crl.CertificateList.load(await resp.read())
    revoked = crl["tbs_cert_list"]["revoked_certificates"]
    serials = {entry["user_certificate"].native for entry in revoked}
    assert serials == {cert(REVOKED_SIGNER).serial_number}
    async with pki_services.session.get(pki_services.url("ca", "stttt")) as resp:
        assert resp.status == 200
        assert await resp.read() == cert("ca-stttt").dump()


async def test_tsa_answers(pki_services: DevPkiServices) -> None:  # noqa: F811
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus

    digest = b"\x01" * 32
    token = await pki_services.timestamper().async_timestamp(digest, "sha256")
    kwargs = await validate_tst_signed_data(
        token["content"], pki_services.validation_context(), lambda _algo: digest
    )
    status = TimestampSignatureStatus(**kwargs)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject == cert("tsa").subject


def test_ocsp_responder_cert_profile() -> None:
    for abbrev in AGENCIES:
        eku = cert(f"ocsp-{abbrev}").extended_key_usage_value
        assert eku is not None and eku.native == ["ocsp_signing"]
    tsa_eku = cert("tsa").extended_key_usage_value
    assert tsa_eku is not None and tsa_eku.native == ["time_stamping"]


def test_names_and_key_types() -> None:
    leader = cert("stttt-leader").subject.native
    assert leader["common_name"] == "Nguyễn Thị Hồng Nhung"
    assert leader["organization_name"] == "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
    seal = cert("stttt-seal").subject.native
    assert seal["common_name"] == seal["organization_name"]
    assert cert("stttt-leader-p256").subject == cert("stttt-leader").subject
    assert cert("stttt-leader-p256").public_key.algorithm == "ec"
    assert cert("stttt-seal-p256").public_key.curve == ("named", "secp256r1")
    for label in SIGNERS:
        if not label.endswith("-p256"):
            assert cert(label).public_key.bit_size == 2048
        assert cert(label).key_usage_value.native == SIGNING_USAGE
    assert root_cert().self_signed in {"maybe", "yes"}


def test_pem_and_p12_material_matches_cert() -> None:
    key_pem, cert_pem = signer_pem("stttt-seal-p256")
    public = load_pem_private_key(key_pem, None).public_key()
    spki = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert spki == cert("stttt-seal-p256").public_key.dump()
    assert pem.unarmor(cert_pem)[2] == cert("stttt-seal-p256").dump()
    key, leaf, extra = pkcs12.load_key_and_certificates(signer_p12("stttt-leader", b"pw"), b"pw")
    assert key is not None and leaf is not None
    assert len(extra) == 2  # issuing CA + root
