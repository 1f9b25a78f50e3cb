"""docflow.devpki over real HTTP: uvicorn serving an app with just the dev PKI router."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

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
    devpki_router,
)
from tests.pki import cert, crl_der, offline_validation_context
from tests.services import free_port


@pytest.fixture
async def devpki_base() -> AsyncIterator[str]:
    """Base URL standing in for ``http://127.0.0.1:8000`` (the app on a free port)."""
    port = free_port()
    app = Litestar(route_handlers=[devpki_router()])
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


async def test_garbage_ocsp_request_is_400(devpki_base: str) -> None:
    async with httpx.AsyncClient() as client:
        resp = await client.post(_url(devpki_base, "ocsp/stttt"), content=b"not der")
    assert resp.status_code == 400


async def test_tsa_over_http_with_pyhanko(devpki_base: str) -> None:
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus

    digest = bytes(range(32))
    token = await HTTPTimeStamper(_url(devpki_base, "tsa/tsa")).async_timestamp(digest, "sha256")
    vc = offline_validation_context(crls=[crl_der("root")])
    kwargs = await validate_tst_signed_data(token["content"], vc, lambda _algo: digest)
    status = TimestampSignatureStatus(**kwargs)
    assert status.intact and status.valid and status.trusted


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
