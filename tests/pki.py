"""The development PKI (``certs-dev/certomancer.yml``) for tests.

**Development keys only: public, never to be trusted.** Labels: ``certs-dev/PKI-NOTES.md``.

Key material::

    from tests.pki import signer_pem, signer_p12, cert, root_cert, chain, simple_signer
    key_pem, cert_pem = signer_pem("stttt-leader")            # RSA-2048
    p12 = signer_p12("stttt-seal-p256", b"secret")            # ECDSA P-256, with chain
    signer = simple_signer("stttt-seal")                      # pyHanko SimpleSigner (+chain)

The ``pki_services`` fixture serves the CRLs, OCSP responders, TSA and CA certificates
in-process. The certificates name ``http://127.0.0.1:8000/dev-pki/...``; only requests
made through ``pki_services.session`` reach the in-process server, so hand the session
(or the objects built from it) to pyHanko.

B-T (signature timestamp)::

    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    async def test_sign_bt(pki_services):
        meta = signers.PdfSignatureMetadata(
            field_name="Sig1", subfilter=SigSeedSubFilter.PADES)
        pdf_signer = signers.PdfSigner(
            meta, signer=simple_signer("stttt-leader"),
            timestamper=pki_services.timestamper())
        await pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(inp), output=out)

B-LT (embed CRL/OCSP; the context fetches through the session)::

        vc = pki_services.validation_context()          # allow_fetching=True, hard-fail
        meta = signers.PdfSignatureMetadata(
            field_name="Sig1", subfilter=SigSeedSubFilter.PADES,
            embed_validation_info=True, validation_context=vc)  # use_pades_lta=True: B-LTA

Offline validation (``allow_fetching=False``; hand it the revocation data)::

    vc = offline_validation_context(crls=[crl_der("stttt"), crl_der("root")])
    # or: pki_services.validation_context(allow_fetching=False, crls=..., ocsps=...)
    status = await async_validate_pdf_signature(reader.embedded_signatures[0], vc)

A document whose DSS already carries the revocation data validates offline with
``offline_validation_context()`` + pyHanko's DSS handling (``ades_lta_validation``
or ``async_validate_pdf_ltv_signature``).

Signing in the past (e.g. with ``expired-signer``, valid 2025-01-01 .. 2025-12-31)::

    async with serve_dev_pki(at_time=datetime(2025, 6, 1, tzinfo=UTC)) as pki:
        ...  # the TSA stamps 2025-06-01, CRLs/OCSP answer as of that date
    vc = pki.validation_context(moment=datetime(2025, 6, 2, tzinfo=UTC))

The expired/revoked certificates are only expired/revoked "now" (after 2025-12-31 and
2026-03-01 respectively).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import aiohttp.test_utils
import aiohttp.web
import pytest
from asn1crypto import pem, x509
from certomancer.registry import (
    ArchLabel,
    CertLabel,
    CertomancerConfig,
    KeyLabel,
    PKIArchitecture,
)

CERTS_DEV = Path(__file__).resolve().parent.parent / "certs-dev"
CONFIG_FILE = CERTS_DEV / "certomancer.yml"
ARCH_LABEL = "haugiang"
EXTERNAL_URL_PREFIX = "http://127.0.0.1:8000/dev-pki"
TSA_URL = f"{EXTERNAL_URL_PREFIX}/{ARCH_LABEL}/tsa/tsa"

AGENCIES: tuple[str, ...] = ("ubnd", "vp", "stttt", "stc", "ubndvt", "ubndct")
ROLES: tuple[str, ...] = ("seal", "leader", "specialist")
SIGNERS: tuple[str, ...] = tuple(f"{a}-{r}" for a in AGENCIES for r in ROLES) + (
    "stttt-leader-p256",
    "stttt-seal-p256",
)
REVOKED_SIGNER = "revoked-signer"
EXPIRED_SIGNER = "expired-signer"
REVOKED_SINCE = datetime(2026, 3, 1, tzinfo=UTC)
EXPIRED_AFTER = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)


@lru_cache(maxsize=1)
def load_dev_pki() -> PKIArchitecture:
    """The certomancer architecture of the demo province (cached)."""
    import yaml

    # lazy keys: parsing all ~40 keys up front takes seconds on a busy machine
    cfg = CertomancerConfig(
        yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8")),
        key_search_dir=str(CERTS_DEV),
        lazy_load_keys=True,
        config_search_dir=str(CERTS_DEV),
    )
    return cfg.get_pki_arch(ArchLabel(ARCH_LABEL))


def _check_label(label: str) -> CertLabel:
    arch = load_dev_pki()
    try:
        arch.get_cert_spec(CertLabel(label))
    except Exception as exc:  # certomancer raises its own ConfigurationError
        raise LookupError(
            f"unknown dev PKI certificate {label!r}; signers: {', '.join(SIGNERS)}, "
            f"{REVOKED_SIGNER}, {EXPIRED_SIGNER}"
        ) from exc
    return CertLabel(label)


def cert(label: str) -> x509.Certificate:
    """The certificate with this label (e.g. ``stttt-leader``, ``ca-stttt``, ``tsa``)."""
    return load_dev_pki().get_cert(_check_label(label))


def root_cert() -> x509.Certificate:
    return cert("root")


def chain(label: str) -> list[x509.Certificate]:
    """Issuing CA(s) of ``label`` up to, but excluding, the root."""
    arch = load_dev_pki()
    labels = [lbl for lbl in arch.get_chain(_check_label(label)) if lbl.value != "root"]
    return [arch.get_cert(lbl) for lbl in labels]


def _key_label(label: str) -> KeyLabel:
    return load_dev_pki().get_cert_spec(_check_label(label)).subject_key


def signer_pem(label: str) -> tuple[bytes, bytes]:
    """(PKCS#8 private key PEM, certificate PEM) of a dev signer."""
    arch = load_dev_pki()
    key = arch.key_set.get_private_key(_key_label(label))
    key_pem = pem.armor("PRIVATE KEY", key.dump())
    return key_pem, pem.armor("CERTIFICATE", cert(label).dump())


def signer_p12(label: str, passphrase: bytes) -> bytes:
    """PKCS#12 with key, certificate and chain (issuing CA and root)."""
    arch = load_dev_pki()
    lbl = _check_label(label)
    data: bytes = arch.package_pkcs12(lbl, password=passphrase)
    return data


def chain_pems(label: str) -> list[bytes]:
    return [pem.armor("CERTIFICATE", c.dump()) for c in chain(label)]


def simple_signer(label: str, **kwargs: Any) -> Any:
    """A pyHanko ``SimpleSigner`` for ``label`` with its chain (kwargs passed through)."""
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    arch = load_dev_pki()
    key = arch.key_set.get_private_key(_key_label(label))
    store = SimpleCertificateStore.from_certs([*chain(label), root_cert()])
    return SimpleSigner(cert(label), key, store, **kwargs)


def crl_der(repo: str, at_time: datetime | None = None) -> bytes:
    """The CRL of ``repo`` (an agency abbreviation or ``root``) at ``at_time`` (now)."""
    from docflow.devpki.status import dev_crl

    data: bytes = dev_crl(dev_pki(), repo, at_time)
    return data


def offline_validation_context(
    *,
    crls: Iterable[bytes] = (),
    ocsps: Iterable[bytes] = (),
    moment: datetime | None = None,
    revocation_mode: str = "hard-fail",
    **kwargs: Any,
) -> Any:
    """A ``ValidationContext`` trusting the dev root, ``allow_fetching=False``."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=[root_cert()],
        other_certs=[cert(f"ca-{a}") for a in AGENCIES],
        crls=list(crls),
        ocsps=list(ocsps),
        moment=moment,
        allow_fetching=False,
        revocation_mode=revocation_mode,
        **kwargs,
    )


# --------------------------------------------------------------------------- services


def dev_pki() -> Any:
    """docflow's dev PKI at the default URL (the same certificates as ``load_dev_pki``)."""
    from docflow.devpki.pki import dev_pki_for

    return dev_pki_for()


class _DevPkiConnector(aiohttp.TCPConnector):
    """Sends connections for 127.0.0.1:8000 (the URLs in the certs) to the test server."""

    def __init__(self, target_port: int) -> None:
        super().__init__(use_dns_cache=False)
        self._target_port = target_port
        prefix = urlsplit(EXTERNAL_URL_PREFIX)
        self._redirect = (prefix.hostname, prefix.port)

    async def _resolve_host(self, host: str, port: int, traces: Any = None) -> Any:
        if (host, port) == self._redirect:
            port = self._target_port
        return await super()._resolve_host(host, port, traces=traces)


def build_dev_pki_app(at_time: datetime | None = None) -> aiohttp.web.Application:
    """docflow's own dev PKI responders (CRL, OCSP, RFC 3161 TSA with ESS
    signing-certificate v2, CA certificates) as an aiohttp app; ``at_time`` fixes their
    clock."""
    from asn1crypto import tsp

    from docflow.devpki import dev_tsa
    from docflow.devpki.status import UnknownService, dev_crl, ocsp_response

    pki = dev_pki()
    base = f"/dev-pki/{ARCH_LABEL}"

    def _der(body: bytes, ctype: str) -> aiohttp.web.Response:
        return aiohttp.web.Response(body=body, content_type=ctype)

    async def crl(request: aiohttp.web.Request) -> aiohttp.web.Response:
        try:
            return _der(dev_crl(pki, request.match_info["label"], at_time), "application/pkix-crl")
        except UnknownService:
            raise aiohttp.web.HTTPNotFound() from None

    async def ocsp(request: aiohttp.web.Request) -> aiohttp.web.Response:
        body = await request.read()
        try:
            der = ocsp_response(pki, request.match_info["label"], body, at_time)
        except UnknownService:
            raise aiohttp.web.HTTPNotFound() from None
        return _der(der, "application/ocsp-response")

    async def tsa(request: aiohttp.web.Request) -> aiohttp.web.Response:
        req = tsp.TimeStampReq.load(await request.read())
        reply = dev_tsa(pki).respond(req, at_time)
        return _der(reply, "application/timestamp-reply")

    async def ca(request: aiohttp.web.Request) -> aiohttp.web.Response:
        label = request.match_info["label"]
        cert_label = "root" if label == "root" else f"ca-{label}"
        return _der(pki.cert_der(cert_label), "application/pkix-cert")

    app = aiohttp.web.Application()
    app.router.add_get(base + "/crls/{label}/latest.crl", crl)
    app.router.add_post(base + "/ocsp/{label}", ocsp)
    app.router.add_post(base + "/tsa/{label}", tsa)
    app.router.add_get(base + "/certs/{label}/ca.crt", ca)
    return app


@dataclass
class DevPkiServices:
    """In-process dev PKI services; see the module docstring for usage."""

    session: aiohttp.ClientSession
    base_url: str  # the test server's real address, e.g. http://127.0.0.1:41234
    at_time: datetime | None
    tsa_url: str = TSA_URL

    def url(self, kind: str, label: str) -> str:
        """``url("ocsp", "stttt")``, ``url("crl", "root")``, ``url("ca", "stttt")``."""
        base = f"{EXTERNAL_URL_PREFIX}/{ARCH_LABEL}"
        paths = {
            "ocsp": f"{base}/ocsp/{label}",
            "crl": f"{base}/crls/{label}/latest.crl",
            "ca": f"{base}/certs/{label}/ca.crt",
            "tsa": f"{base}/tsa/{label}",
        }
        return paths[kind]

    def timestamper(self) -> Any:
        """A pyHanko ``HTTPTimeStamper`` for the dev TSA, using the session."""
        from pyhanko.sign.timestamps import HTTPTimeStamper

        return HTTPTimeStamper(self.tsa_url, session=self.session)

    def fetcher_backend(self) -> Any:
        from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

        return AIOHttpFetcherBackend(session=self.session)

    def validation_context(
        self,
        *,
        allow_fetching: bool = True,
        revocation_mode: str = "hard-fail",
        moment: datetime | None = None,
        crls: Iterable[bytes] = (),
        ocsps: Iterable[bytes] = (),
        **kwargs: Any,
    ) -> Any:
        """A ``ValidationContext`` trusting the dev root, fetching through ``session``."""
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(
            trust_roots=[root_cert()],
            other_certs=[cert(f"ca-{a}") for a in AGENCIES],
            allow_fetching=allow_fetching,
            revocation_mode=revocation_mode,
            moment=moment,
            crls=list(crls),
            ocsps=list(ocsps),
            fetcher_backend=self.fetcher_backend(),
            **kwargs,
        )


@asynccontextmanager
async def serve_dev_pki(at_time: datetime | None = None) -> AsyncIterator[DevPkiServices]:
    """Serve the dev PKI in-process; ``at_time`` fixes the services' clock."""
    server = aiohttp.test_utils.TestServer(build_dev_pki_app(at_time), host="127.0.0.1")
    await server.start_server(access_log=None)
    assert server.port is not None
    session = aiohttp.ClientSession(connector=_DevPkiConnector(server.port))
    try:
        yield DevPkiServices(session, f"http://127.0.0.1:{server.port}", at_time)
    finally:
        await session.close()
        await server.close()


@pytest.fixture
async def pki_services() -> AsyncIterator[DevPkiServices]:
    """CRL/OCSP/TSA of the dev PKI served in-process (current time)."""
    async with serve_dev_pki() as services:
        yield services


def tiny_pdf() -> bytes:
    """A one-page (A4, blank) PDF to sign in tests."""
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (0, 0, 595, 842)]
            ),
            generic.NameObject("/Resources"): generic.DictionaryObject(),
        }
    )
    writer.insert_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
