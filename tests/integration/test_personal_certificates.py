"""Enrolling personal certificates from browser-made CSRs; the signing core accepts them."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID, NameOID
from litestar.testing import AsyncTestClient
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import CertificateValidator
from sqlmodel import func, select

from docflow.accounts.models_certificate import PersonalCertificate
from docflow.app import create_app
from docflow.core.audit_models import AuditEvent
from signing import SignRequest, async_complete_external, async_prepare_external
from tests.integration.authz_world import World, world  # noqa: F401
from tests.pki import DevPkiServices, cert, pki_services, root_cert, tiny_pdf  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LEADER = "stttt.leader"
LEADER_NAME = "Nguyễn Thị Hồng Nhung"
KEYS = {
    "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "rsa2048": lambda: rsa.generate_private_key(65537, 2048),
}


def make_csr(key: Any, cn: str | None = LEADER_NAME) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else [])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def webcrypto_sign(key: Any, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def bearer(world: World, who: str = LEADER) -> dict[str, str]:  # noqa: F811
    return {"Authorization": f"Bearer {world.tokens[who]}"}


async def stored(world: World) -> int:  # noqa: F811
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            query = select(func.count()).select_from(PersonalCertificate)
            return int((await session.exec(query)).one())
    finally:
        await runtime.dispose()


@pytest.mark.parametrize("kind", sorted(KEYS))
async def test_enrolled_certificate_signs_through_the_external_flow(
    world: World,  # noqa: F811
    pki_services: DevPkiServices,  # noqa: F811
    kind: str,
    tmp_path: Path,
) -> None:
    key = KEYS[kind]()
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        response = await client.post(
            "/api/v1/me/certificates", json={"csr": make_csr(key)}, headers=bearer(world)
        )
        assert response.status_code == 201, response.text
        body = response.json()
        listed = await client.get("/api/v1/me/certificates", headers=bearer(world))
    issued = x509.load_pem_x509_certificate(body["certificate"].encode())
    assert issued.public_key().public_numbers() == key.public_key().public_numbers()
    subject = issued.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == LEADER_NAME
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
    )
    usage = issued.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    crl_dp = issued.extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS)
    assert crl_dp.value[0].full_name[0].value.endswith("/crls/stttt/latest.crl")
    aia = issued.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    methods = {d.access_method for d in aia.value}
    assert AuthorityInformationAccessOID.OCSP in methods
    days = (issued.not_valid_after_utc - issued.not_valid_before_utc).days
    assert 720 <= days <= 731

    mine = next(c for c in listed.json() if c["id"] == body["id"])
    assert mine["serial"] == format(issued.serial_number, "X")
    assert mine["expired"] is False
    assert mine["revocation"] == "good"
    assert "CA STTTT" in mine["issuer"]

    # It chains to the dev root for signing use.
    validator = CertificateValidator(
        asn1_x509.Certificate.load(issued.public_bytes(serialization.Encoding.DER)),
        validation_context=pki_services.validation_context(),
    )
    await validator.async_validate_usage({"digital_signature", "non_repudiation"})

    # And the signing core's two-step (in-browser) flow signs with it.
    chain = tuple(p.encode() for p in body["chain_pem"])
    prepared_path, out = tmp_path / "prepared.pdf", tmp_path / "signed.pdf"
    prepared = await async_prepare_external(
        tiny_pdf(),
        prepared_path,
        body["certificate"].encode(),
        SignRequest(
            level="B-T",
            field_name="ChuKy",
            tsa_url=pki_services.tsa_url,
            http_session=pki_services.session,
        ),
        chain=chain,
    )
    signature = webcrypto_sign(key, base64.b64decode(prepared.to_be_signed))
    await async_complete_external(
        prepared_path, out, prepared, signature, http_session=pki_services.session
    )
    reader = PdfFileReader(io.BytesIO(out.read_bytes()), strict=True)
    status = await async_validate_pdf_signature(
        reader.embedded_signatures[0], pki_services.validation_context()
    )
    assert status.bottom_line, status.pretty_print_details()
    assert status.signing_cert.subject.native["common_name"] == LEADER_NAME


def oversized_csr() -> str:
    return make_csr(KEYS["p256"]()) + "\n" + "A" * (70 * 1024)


def bad_signature_csr() -> str:
    der = bytearray(
        x509.load_pem_x509_csr(make_csr(KEYS["p256"]()).encode()).public_bytes(
            serialization.Encoding.DER
        )
    )
    der[-3] ^= 0x55  # inside the signature value
    return asn1_pem.armor("CERTIFICATE REQUEST", bytes(der)).decode()


BAD_CSRS = {
    "someone else's name": (lambda: make_csr(KEYS["p256"](), "Trần Quốc Bảo"), 422, "names"),
    "not PEM": (lambda: "hello", 422, "not PEM"),
    "broken PEM": (
        lambda: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        422,
        "cannot be read",
    ),
    "RSA-1024": (lambda: make_csr(rsa.generate_private_key(65537, 1024)), 422, "RSA-1024"),
    "P-521": (lambda: make_csr(ec.generate_private_key(ec.SECP521R1())), 422, "secp521r1"),
    "no proof of possession": (bad_signature_csr, 422, "signature"),
    "oversized": (oversized_csr, 413, "larger"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSRS))
async def test_bad_requests_are_refused_with_a_reason_and_nothing_is_stored(
    world: World,  # noqa: F811
    case: str,
) -> None:
    build, status, reason = BAD_CSRS[case]
    before = await stored(world)
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        response = await client.post(
            "/api/v1/me/certificates", json={"csr": build()}, headers=bearer(world)
        )
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"]
    assert await stored(world) == before


async def test_enrolment_is_recorded(world: World) -> None:  # noqa: F811
    async with AsyncTestClient(app=create_app(world.settings)) as client:
        response = await client.post(
            "/api/v1/me/certificates",
            json={"csr": make_csr(KEYS["p256"](), None)},
            headers=bearer(world, "stttt.specialist"),
        )
    assert response.status_code == 201, response.text
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            event = (
                await session.exec(
                    select(AuditEvent)
                    .where(AuditEvent.action == "certificate.enrolled")
                    .order_by(AuditEvent.seq.desc())  # type: ignore[attr-defined]
                )
            ).first()
    finally:
        await runtime.dispose()
    assert event is not None
    assert event.actor_user_id == world.user_ids["stttt.specialist"]
    assert event.subject_id == str(response.json()["id"])


async def test_production_takes_a_trusted_certificate_not_a_csr(
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    root = tmp_path / "root.pem"
    root.write_bytes(asn1_pem.armor("CERTIFICATE", root_cert().dump()))
    settings = world.settings.__class__(
        **{
            **world.settings.__dict__,
            "env": "production",
            "trust_anchors": (root,),
            "secret_key": "s" * 40,
            "demo_password": "not-the-demo",
        }
    )
    leader_cert = asn1_pem.armor("CERTIFICATE", cert("stttt-leader").dump()).decode()
    ca = asn1_pem.armor("CERTIFICATE", cert("ca-stttt").dump()).decode()
    other_cert = asn1_pem.armor("CERTIFICATE", cert("stc-leader").dump()).decode()
    async with AsyncTestClient(app=create_app(settings)) as client:
        # the world's tokens were made with the development key: sign in anew
        token = (await world.new_token(LEADER, secret_key=settings.effective_secret_key))[0]
        headers = {"Authorization": f"Bearer {token}"}
        as_csr = await client.post(
            "/api/v1/me/certificates", json={"csr": make_csr(KEYS["p256"]())}, headers=headers
        )
        assert as_csr.status_code == 422 and "trusted CA" in as_csr.json()["detail"]
        wrong_person = await client.post(
            "/api/v1/me/certificates", json={"certificate": other_cert + ca}, headers=headers
        )
        assert wrong_person.status_code == 422, wrong_person.text
        ok = await client.post(
            "/api/v1/me/certificates", json={"certificate": leader_cert + ca}, headers=headers
        )
        assert ok.status_code == 201, ok.text
        assert ok.json()["source"] == "uploaded"
