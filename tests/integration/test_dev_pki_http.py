"""docflow.devpki over real HTTP: uvicorn serving an app with just the dev PKI router."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp as pyca_ocsp
from litestar import Litestar
from pyhanko.sign.timestamps import HTTPTimeStamper

from docflow.devpki import (
    DEV_PKI_URL_PREFIX,
    dev_signer,
    dev_signer_names,
    dev_trust_roots,
)
from docflow.devpki.http import devpki_router
from docflow.devpki.pki import dev_pki_for
from tests.pki import cert, crl_der, offline_validation_context
from tests.services import free_port


@pytest.fixture
async def devpki_base() -> AsyncIterator[str]:
    """Base URL standing in for ``http://127.0.0.1:8000`` (the app on a free port)."""
    port = free_port()
    app = Litestar(route_handlers=[devpki_router(dev_pki_for)])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}/dev-pki"
    finally:
        server.should_exit = True
        await task


def _url(base: str, path: str) -> str:
    return f"{base}/haugiang/{path}"


def _pyca(label: str) -> pyca_x509.Certificate:
    return pyca_x509.load_der_x509_certificate(cert(label).dump())


async def _ocsp_status(base: str, label: str) -> pyca_ocsp.OCSPCertStatus:
    req = (
        pyca_ocsp.OCSPRequestBuilder()
        .add_certificate(_pyca(label), _pyca("ca-stttt"), hashes.SHA1())
        .build()
    )
    from cryptography.hazmat.primitives.serialization import Encoding

    async with httpx.AsyncClient() as client:
        resp = await client.post(
            _url(base, "ocsp/stttt"),
            content=req.public_bytes(Encoding.DER),
            headers={"Content-Type": "application/ocsp-request"},
        )
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/ocsp-response"
    parsed = pyca_ocsp.load_der_ocsp_response(resp.content)
    assert parsed.response_status == pyca_ocsp.OCSPResponseStatus.SUCCESSFUL
    assert _pyca("ocsp-stttt") in parsed.certificates  # the delegated responder signed it
    return parsed.certificate_status


async def test_crl_over_http(devpki_base: str) -> None:
    async with httpx.AsyncClient() as client:
        resp = await client.get(_url(devpki_base, "crls/stttt/latest.crl"))
        assert resp.status_code == 200
        crl = pyca_x509.load_der_x509_crl(resp.content)
        assert crl.issuer == _pyca("ca-stttt").subject
        assert crl.get_revoked_certificate_by_serial_number(cert("revoked-signer").serial_number)
        assert (
            crl.get_revoked_certificate_by_serial_number(cert("stttt-leader").serial_number) is None
        )
        assert crl.is_signature_valid(_pyca("ca-stttt").public_key())
        missing = await client.get(_url(devpki_base, "crls/nope/latest.crl"))
        assert missing.status_code == 404


async def test_ocsp_over_http_good_and_revoked(devpki_base: str) -> None:
    assert await _ocsp_status(devpki_base, "stttt-leader") == pyca_ocsp.OCSPCertStatus.GOOD
    assert await _ocsp_status(devpki_base, "revoked-signer") == pyca_ocsp.OCSPCertStatus.REVOKED


async def test_ocsp_get_form_as_nss_tools_send_it(devpki_base: str) -> None:
    """pdfsig (NSS) asks with RFC 6960's GET form first: base64 of the DER request in the URL."""
    import base64
    import urllib.parse

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding

    for label, expected in (
        ("stttt-leader", pyca_ocsp.OCSPCertStatus.GOOD),
        ("revoked-signer", pyca_ocsp.OCSPCertStatus.REVOKED),
    ):
        req = (
            pyca_ocsp.OCSPRequestBuilder()
            .add_certificate(_pyca(label), _pyca("ca-stttt"), hashes.SHA1())
            .build()
        )
        encoded = urllib.parse.quote(base64.b64encode(req.public_bytes(Encoding.DER)), safe="")
        async with httpx.AsyncClient() as client:
            resp = await client.get(_url(devpki_base, f"ocsp/stttt/{encoded}"))
        assert resp.status_code == 200
        parsed = pyca_ocsp.load_der_ocsp_response(resp.content)
        assert parsed.certificate_status == expected
    async with httpx.AsyncClient() as client:
        bad = await client.get(_url(devpki_base, "ocsp/stttt/%%%not-base64"))
    assert bad.status_code == 400


async def test_garbage_ocsp_request_gets_malformed_request(devpki_base: str) -> None:
    """RFC 6960: an unreadable request is answered with the malformedRequest status."""
    async with httpx.AsyncClient() as client:
        resp = await client.post(_url(devpki_base, "ocsp/stttt"), content=b"not der")
    assert resp.status_code == 200
    parsed = pyca_ocsp.load_der_ocsp_response(resp.content)
    assert parsed.response_status == pyca_ocsp.OCSPResponseStatus.MALFORMED_REQUEST


async def test_ocsp_of_another_ca_is_unauthorized(devpki_base: str) -> None:
    """The STTTT responder does not vouch for the VP CA's certificates."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding

    req = (
        pyca_ocsp.OCSPRequestBuilder()
        .add_certificate(_pyca("vp-leader"), _pyca("ca-vp"), hashes.SHA1())
        .build()
    )
    async with httpx.AsyncClient() as client:
        resp = await client.post(
            _url(devpki_base, "ocsp/stttt"), content=req.public_bytes(Encoding.DER)
        )
    parsed = pyca_ocsp.load_der_ocsp_response(resp.content)
    assert parsed.response_status == pyca_ocsp.OCSPResponseStatus.UNAUTHORIZED


async def test_tsa_certificate_status_from_the_root_responder(devpki_base: str) -> None:
    """The TSA certificate names the root's own OCSP responder: archive timestamps can
    carry status issued after them."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding

    assert cert("tsa").ocsp_urls == [f"{DEV_PKI_URL_PREFIX}/haugiang/ocsp/root"]
    req = pyca_ocsp.OCSPRequestBuilder().add_certificate(
        _pyca("tsa"), _pyca("root"), hashes.SHA256()
    )
    async with httpx.AsyncClient() as client:
        resp = await client.post(
            _url(devpki_base, "ocsp/root"), content=req.build().public_bytes(Encoding.DER)
        )
    parsed = pyca_ocsp.load_der_ocsp_response(resp.content)
    assert parsed.certificate_status == pyca_ocsp.OCSPCertStatus.GOOD
    assert parsed.responder_key_hash is not None  # signed by the root itself


async def test_tsa_over_http_with_pyhanko(devpki_base: str) -> None:
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus

    digest = bytes(range(32))
    token = await HTTPTimeStamper(_url(devpki_base, "tsa/tsa")).async_timestamp(digest, "sha256")
    vc = offline_validation_context(crls=[crl_der("root")])
    kwargs = await validate_tst_signed_data(token["content"], vc, lambda _algo: digest)
    status = TimestampSignatureStatus(**kwargs)
    assert status.intact and status.valid and status.trusted


async def test_tsa_tokens_name_their_certificate_by_sha256(devpki_base: str) -> None:
    """ESS signing-certificate v2 (RFC 5035, SHA-256), never v1's SHA-1; whole seconds."""
    import hashlib

    digest = bytes(range(32))
    token = await HTTPTimeStamper(_url(devpki_base, "tsa/tsa")).async_timestamp(digest, "sha256")
    signed_data = token["content"]
    attrs = {a["type"].native: a for a in signed_data["signer_infos"][0]["signed_attrs"]}
    assert "signing_certificate" not in attrs
    ess = attrs["signing_certificate_v2"]["values"][0]["certs"][0]
    assert ess["cert_hash"].native == hashlib.sha256(cert("tsa").dump()).digest()
    gen_time = signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    assert gen_time.microsecond == 0


async def test_tsa_refuses_sha1_and_garbage(devpki_base: str) -> None:
    from asn1crypto import algos, tsp

    req = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
                "hashed_message": bytes(20),
            },
            "cert_req": True,
        }
    )
    async with httpx.AsyncClient() as client:
        resp = await client.post(_url(devpki_base, "tsa/tsa"), content=req.dump())
        garbage = await client.post(_url(devpki_base, "tsa/tsa"), content=b"nope")
    from docflow.devpki.tsa import RejectionResp

    status = RejectionResp.load(resp.content)["status"]
    assert status["status"].native == "rejection"
    assert "bad_alg" in status["fail_info"].native
    assert garbage.status_code == 400


def test_service_urls_follow_the_public_url(tmp_path: Path) -> None:
    """Deployed elsewhere, the dev certificates name that address, not 127.0.0.1:8000."""
    pki = dev_pki_for("https://docflow.example.vn/dev-pki", tmp_path)
    leader = pyca_x509.load_der_x509_certificate(pki.cert_der("stttt-leader"))
    text = str(leader.extensions)
    assert "https://docflow.example.vn/dev-pki/haugiang/ocsp/stttt" in text
    assert "127.0.0.1:8000" not in text
    # derived once: the next process reads the cache instead of certomancer
    assert any(tmp_path.rglob("stttt-leader.der"))


async def test_ca_certs_for_aia(devpki_base: str) -> None:
    async with httpx.AsyncClient() as client:
        der = await client.get(_url(devpki_base, "certs/stttt/ca.crt"))
        assert der.content == cert("ca-stttt").dump()
        root = await client.get(_url(devpki_base, "certs/root/ca.cert.pem"))
        assert root.content == dev_trust_roots()[0]


def test_paths_match_the_urls_in_the_certificates() -> None:
    leader = cert("stttt-leader")
    crl_urls = [dp.url for dp in leader.crl_distribution_points]
    assert crl_urls == [f"{DEV_PKI_URL_PREFIX}/haugiang/crls/stttt/latest.crl"]
    assert leader.ocsp_urls == [f"{DEV_PKI_URL_PREFIX}/haugiang/ocsp/stttt"]


def test_dev_signer_names() -> None:
    key_pem, cert_pem, chain = dev_signer("stttt.leader")
    assert b"BEGIN PRIVATE KEY" in key_pem and b"BEGIN CERTIFICATE" in cert_pem
    subject = pyca_x509.load_pem_x509_certificate(cert_pem).subject
    assert subject.rfc4514_string().startswith("CN=Nguyễn Thị Hồng Nhung")
    assert len(chain) == 2  # issuing CA, root
    assert chain[-1] == dev_trust_roots()[0]
    assert dev_signer("STTTT")[1] == dev_signer("stttt")[1] == dev_signer("stttt.seal")[1]
    assert dev_signer(" UBNDVT ")[1] != dev_signer("ubndvt.specialist")[1]
    assert len(dev_signer_names()) == 18
    for bad in ("stttt.clerk", "xyz", "stttt-leader", ""):
        with pytest.raises(LookupError, match="valid names: ubnd.leader"):
            dev_signer(bad)


async def test_in_process_timestamper_and_crls() -> None:
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus

    from docflow.devpki import dev_crls, dev_timestamper

    digest = bytes(32)
    token = await dev_timestamper().async_timestamp(digest, "sha256")
    crls = dev_crls()
    assert len(crls) == 7  # root + six agency CAs
    vc = offline_validation_context(crls=crls)
    kwargs = await validate_tst_signed_data(token["content"], vc, lambda _algo: digest)
    assert TimestampSignatureStatus(**kwargs).trusted
