"""External two-step signing end to end: keys generated here (as a browser's WebCrypto or
a USB-token agent would hold them), certificates issued by the dev ``ca-stttt``."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from docflow.devpki.issue import DOCUMENT_SIGNING
from signing import (
    ExternalSigningError,
    InvalidExternalSignature,
    PreparedSignature,
    SignRequest,
    async_complete_external,
    async_prepare_external,
)
from tests.integration.test_signing_support import (
    ROOT_PEM,
    assert_good,
    assert_pdfsig_valid,
    nss_db,  # noqa: F401 - fixture
    validate_signatures,
)
from tests.pki import CERTS_DEV, DevPkiServices, cert, pki_services, tiny_pdf  # noqa: F401

CRL_URL = "http://127.0.0.1:8000/dev-pki/haugiang/crls/stttt/latest.crl"


def issue_cert(public_key: Any) -> bytes:
    """A signer certificate for ``public_key`` from the dev CA of stttt (PEM)."""
    ca_key = serialization.load_pem_private_key(
        (CERTS_DEV / "keys-dev-only" / "ca-stttt.dev-only.key.pem").read_bytes(), None
    )
    ca = x509.load_der_x509_certificate(cert("ca-stttt").dump())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value),  # noqa: E501
                    x509.NameAttribute(NameOID.COMMON_NAME, "Trần Quốc Bảo"),
                ]
            )
        )
        .issuer_name(ca.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .add_extension(  # as the dev CA issues them: NSS wants an EKU on document signers
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
            False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca.public_key()  # type: ignore[arg-type]
            ),
            False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(CRL_URL)], None, None, None
                    )
                ]
            ),
            False,
        )
    )
    issued = builder.sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    return issued.public_bytes(serialization.Encoding.PEM)


def webcrypto_sign(key: Any, data: bytes) -> bytes:
    """What ``crypto.subtle.sign`` returns: PKCS#1 v1.5, or ECDSA as raw ``r || s``."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


KEYS = {
    "rsa": lambda: rsa.generate_private_key(65537, 2048),
    "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
}
CA_PEM = serialization.Encoding.PEM


@pytest.mark.parametrize("kind", ["rsa", "p256"])
@pytest.mark.parametrize("level", ["B-T", "B-LT"])
async def test_external_end_to_end(
    kind: str, level: str, pki_services: DevPkiServices, nss_db: str, tmp_path: Path  # noqa: F811
) -> None:
    key = KEYS[kind]()
    cert_pem = issue_cert(key.public_key())
    ca_pem = x509.load_der_x509_certificate(cert("ca-stttt").dump()).public_bytes(CA_PEM)
    prepared_path, out = tmp_path / "prepared.pdf", tmp_path / "signed.pdf"
    prepared = await async_prepare_external(
        tiny_pdf(),
        prepared_path,
        cert_pem,
        SignRequest(
            level=level,  # type: ignore[arg-type]
            field_name="ChuKy",
            box=(330, 120, 530, 200),
            tsa_url=pki_services.tsa_url,
            http_session=pki_services.session,
        ),
        chain=(ca_pem, ROOT_PEM),
    )
    expected = "RSASSA-PKCS1-v1_5/SHA-256" if kind == "rsa" else "ECDSA-P256/SHA-256"
    assert prepared.algorithm == expected
    # persisted between two HTTP requests
    prepared = PreparedSignature.from_json(prepared.to_json())
    tbs = base64.b64decode(prepared.to_be_signed)
    assert tbs[0] == 0x31  # DER SET OF: the signed attributes themselves

    bad = bytearray(webcrypto_sign(key, tbs))
    bad[5] ^= 0xFF
    with pytest.raises(InvalidExternalSignature):
        await async_complete_external(prepared_path, out, prepared, bytes(bad),
                                      http_session=pki_services.session)
    assert not out.exists()

    result = await async_complete_external(
        prepared_path,
        out,
        prepared,
        webcrypto_sign(key, tbs),
        http_session=pki_services.session,
        trust_roots=(ROOT_PEM,) if level == "B-LT" else (),
    )
    assert result.level == level
    data = out.read_bytes()
    (checked,) = await validate_signatures(data, from_dss_only=level == "B-LT")
    assert_good(checked)
    assert checked.status.timestamp_validity is not None
    assert_pdfsig_valid(data, tmp_path, nss_db, expected=1)


async def test_tampered_prepared_file_refused(
    pki_services: DevPkiServices, tmp_path: Path  # noqa: F811
) -> None:
    key = KEYS["p256"]()
    prepared_path = tmp_path / "prepared.pdf"
    prepared = await async_prepare_external(
        tiny_pdf(), prepared_path, issue_cert(key.public_key()),
        SignRequest(level="B-T", field_name="S", tsa_url=pki_services.tsa_url,
                    http_session=pki_services.session),
    )
    data = bytearray(prepared_path.read_bytes())
    data[20] ^= 1
    sig = webcrypto_sign(key, prepared.to_be_signed_bytes())
    out = io.BytesIO()
    with pytest.raises(ExternalSigningError, match="prepared file"):
        await async_complete_external(bytes(data), out, prepared, sig,
                                      http_session=pki_services.session)
