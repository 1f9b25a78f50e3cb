"""Signed edXML packages with the dev PKI's agency seal keys: made by docflow, checked by
docflow and by verifiers that are not docflow's (xmlsec1, signxml); trust anchors,
validity, legacy RSA-SHA1, unsigned packages, faulty keys. Tampering: test_edxml_tamper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLVerifier

import signing
from docflow.exchange.edxml import (
    PackageInvalid,
    SignaturePresence,
    SigningFailed,
    TrustAnchors,
    async_sign_package,
    parse_package,
    verify_package,
)
from tests.edxml_support import (
    FIXTURES,
    dev_trust,
    document_package,
    pdf_bytes,
    seal_source,
    status_package,
    xmlsec1_verify,
)
from tests.integration.edxml_signing_support import (
    DS,
    NS,
    signed_document,
    signxml_signed,
    tree_of,
)
from tests.pki import cert, signer_p12


@pytest.fixture(scope="module")
def signed_rsa() -> bytes:
    return signed_document("stttt-seal")


SEALS = ["stttt-seal", "stttt-seal-p256"]


@pytest.mark.parametrize("label", SEALS)
async def test_a_seal_signed_package_verifies_with_its_signer_and_chain(label: str) -> None:
    data = await async_sign_package(document_package(pdf=pdf_bytes(300_000)), seal_source(label))
    parsed = parse_package(data)
    result = verify_package(parsed, dev_trust())
    assert result.valid, [p.en for p in result.problems]
    assert result.problems == () and not result.weak
    assert result.algorithm == ("RSA-SHA256" if label == "stttt-seal" else "ECDSA-SHA256")
    signer = result.signer_certificate
    assert signer is not None
    assert signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Sở Thông tin và Truyền thông tỉnh Hậu Giang"
    )
    assert [c.subject for c in result.chain[1:]] == [
        x509.load_der_x509_certificate(cert(n).dump()).subject for n in ("ca-stttt", "root")
    ]


async def test_the_signature_sits_last_in_the_header_and_never_uses_sha1(signed_rsa: bytes) -> None:
    root = tree_of(signed_rsa)
    header = root.find(".//e:edXMLHeader", NS)
    assert etree.QName(header[-1]).text == f"{{{DS}}}Signature"
    signature = header[-1]
    reference = signature.find("ds:SignedInfo/ds:Reference", NS)
    assert reference.get("URI") == ""
    assert [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", NS)] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    ]
    algorithms = " ".join(e.get("Algorithm", "") for e in signature.iter())
    assert "sha1" not in algorithms.lower()
    assert "http://www.w3.org/2001/04/xmlenc#sha256" in algorithms
    certificates = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    assert len(certificates) == 2  # the seal certificate and its CA, not the root


async def test_a_pkcs12_seal_and_a_status_package_sign_the_same_way() -> None:
    p12 = signer_p12("stttt-seal-p256", b"secret")
    source = signing.Pkcs12Source(data=p12, passphrase="secret")
    data = await async_sign_package(status_package(), source)
    result = verify_package(parse_package(data), dev_trust())
    assert result.valid and result.algorithm == "ECDSA-SHA256"


@pytest.mark.parametrize("label", SEALS)
async def test_an_exported_package_verifies_with_xmlsec1(label: str, tmp_path: Path) -> None:
    data = await async_sign_package(document_package(pdf=pdf_bytes(2_000_000)), seal_source(label))
    checked = xmlsec1_verify(data, tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "OK" in checked.stdout + checked.stderr
    tampered = data.replace("Nguyễn Thị Hồng Nhung".encode(), "Nguyễn Thị Hồng Nhung.".encode())
    assert xmlsec1_verify(tampered, tmp_path).returncode != 0


async def test_an_exported_package_verifies_with_signxml(signed_rsa: bytes, tmp_path: Path) -> None:
    from asn1crypto import pem

    from tests.pki import root_cert

    root_pem = tmp_path / "root.pem"
    root_pem.write_bytes(pem.armor("CERTIFICATE", root_cert().dump()))
    verified = XMLVerifier().verify(tree_of(signed_rsa), ca_pem_file=str(root_pem))
    assert verified.signed_xml is not None


# --------------------------------------------------------------------------- trust


def _foreign_root() -> x509.Certificate:
    import datetime as dt

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Another country's root")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


async def test_a_signer_that_does_not_lead_to_the_trust_anchors_is_refused(
    signed_rsa: bytes,
) -> None:
    parsed = parse_package(signed_rsa)
    for trust in (TrustAnchors.of([_foreign_root()]), TrustAnchors(roots=())):
        result = verify_package(parsed, trust)
        assert not result.valid
        assert [p.code for p in result.problems] == ["chain_untrusted"]
        assert "Sở Thông tin và Truyền thông" in result.problems[0].vi
        assert result.signer_certificate is not None  # who claims to have signed


async def test_a_certificate_outside_its_validity_is_refused(signed_rsa: bytes) -> None:
    import datetime as dt

    later = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    result = verify_package(parse_package(signed_rsa), dev_trust(), moment=later)
    assert [p.code for p in result.problems] == ["certificate_expired"]


# --------------------------------------------------------------------------- legacy systems


def test_rsa_sha1_is_accepted_on_import_as_weak() -> None:
    parsed = parse_package(signxml_signed("stttt-seal", sha1=True))
    result = verify_package(parsed, dev_trust())
    assert result.valid and result.weak
    assert result.algorithm == "RSA-SHA1"
    assert [p.code for p in result.problems] == ["algorithm_weak"]
    strict = verify_package(parsed, dev_trust(), accept_sha1=False)
    assert not strict.valid and [p.code for p in strict.problems] == ["algorithm_unsupported"]


def test_a_package_signed_by_another_implementation_verifies() -> None:
    result = verify_package(parse_package(signxml_signed("stttt-seal", sha1=False)), dev_trust())
    assert result.valid and not result.weak and result.problems == ()


@pytest.mark.parametrize(
    ("name", "presence", "code"),
    [
        ("unsigned-bussiness-first.edxml", SignaturePresence.UNSIGNED, "signature_missing"),
        (
            "placeholder-signature-bussiness-last.edxml",
            SignaturePresence.PLACEHOLDER,
            "signature_placeholder",
        ),
    ],
)
def test_unsigned_and_placeholder_packages_are_read_but_not_valid(
    name: str, presence: SignaturePresence, code: str
) -> None:
    result = verify_package(parse_package(FIXTURES / name), dev_trust())
    assert result.presence is presence and not result.valid
    assert [p.code for p in result.problems] == [code]


# --------------------------------------------------------------------------- signing refusals


class _BrokenToken:
    """A signer whose token answers with garbage (or fails): what a faulty HSM does."""

    def __init__(self, real: Any, *, fail: bool) -> None:
        self._real = real
        self._fail = fail
        self.signing_cert = real.signing_cert
        self.cert_registry = real.cert_registry

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if self._fail:
            raise RuntimeError("CKR_DEVICE_ERROR")
        good: bytes = await self._real.async_sign_raw(data, digest_algorithm)
        return bytes([good[0] ^ 1]) + good[1:]


@pytest.mark.parametrize(
    ("fail", "code"), [(True, "signing_failed"), (False, "signature_self_check")]
)
async def test_a_faulty_key_never_yields_a_package(fail: bool, code: str) -> None:
    real = await signing.async_load_signer(seal_source("stttt-seal"))
    with pytest.raises(SigningFailed) as refused:
        await async_sign_package(document_package(), _BrokenToken(real, fail=fail))
    assert refused.value.code == code


async def test_an_invalid_package_is_refused_before_the_key_is_used() -> None:
    with pytest.raises(PackageInvalid):
        await async_sign_package(document_package(subject=""), seal_source("stttt-seal"))


async def test_intermediates_known_to_the_receiver_complete_a_short_key_info() -> None:
    import base64

    from tests.pki import signer_pem

    key, certificate = signer_pem("stttt-seal-p256")
    bare = signing.PemSource(key=key, certificate=certificate)  # no chain given
    data = await async_sign_package(document_package(), bare)
    root = tree_of(data)
    assert len(root.findall(".//ds:X509Certificate", NS)) == 1
    value = base64.b64decode(root.find(".//ds:SignatureValue", NS).text)
    assert len(value) == 64  # XML-DSig's r || s for P-256, not DER
    parsed = parse_package(data)
    assert [p.code for p in verify_package(parsed, dev_trust()).problems] == ["chain_untrusted"]
    from tests.pki import root_cert

    with_ca = TrustAnchors.of([root_cert()], intermediates=[cert("ca-stttt")])
    assert verify_package(parsed, with_ca).valid
