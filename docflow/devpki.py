"""The development PKI in demo mode: dev signers, trust roots and the PKI's HTTP services.

**Development keys only** (``certs-dev/``): public, never trusted; production mode
refuses them. Nothing here may be wired in production.

- ``dev_signer(name)``: key, certificate and chain of a demo user (``stttt.leader``) or
  an agency seal (``STTTT`` / ``stttt``).
- ``dev_trust_roots()``: the dev root certificate.
- ``devpki_router()``: a Litestar ``Router`` at ``/dev-pki`` serving the CRLs, OCSP
  responders, TSA and CA certificates at exactly the URLs the certificates name
  (``http://127.0.0.1:8000/dev-pki/<arch>/...``, see ``certs-dev/PKI-NOTES.md``).
- ``dev_timestamper()`` / ``dev_crls()``: the same TSA and CRLs without HTTP, for code
  running inside the server that should not call itself.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from asn1crypto import ocsp, pem, tsp
from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath

from docflow.settings import DEV_PKI_DIR

if TYPE_CHECKING:
    from certomancer.registry import PKIArchitecture

__all__ = [
    "DEV_ARCH_LABEL",
    "DEV_PKI_URL_PREFIX",
    "dev_crls",
    "dev_signer",
    "dev_signer_names",
    "dev_timestamper",
    "dev_trust_roots",
    "dev_tsa_url",
    "devpki_router",
]

DEV_CONFIG = DEV_PKI_DIR / "certomancer.yml"
DEV_ARCH_LABEL = "haugiang"
#: The external URL prefix in certomancer.yml: where the certificates say the services are.
DEV_PKI_URL_PREFIX = "http://127.0.0.1:8000/dev-pki"
ROUTER_PATH = "/dev-pki"

AGENCIES: tuple[str, ...] = ("ubnd", "vp", "stttt", "stc", "ubndvt", "ubndct")
PERSON_ROLES: tuple[str, ...] = ("leader", "specialist")


@lru_cache(maxsize=1)
def dev_pki() -> PKIArchitecture:
    """The certomancer architecture of the demo province (loaded once)."""
    import yaml
    from certomancer.registry import ArchLabel, CertomancerConfig

    # lazy keys: parsing all ~40 keys up front takes seconds on a busy machine
    cfg = CertomancerConfig(
        yaml.safe_load(DEV_CONFIG.read_text(encoding="utf-8")),
        key_search_dir=str(DEV_PKI_DIR),
        lazy_load_keys=True,
        config_search_dir=str(DEV_PKI_DIR),
    )
    return cfg.get_pki_arch(ArchLabel(DEV_ARCH_LABEL))


def dev_tsa_url() -> str:
    """The dev TSA's URL (served by ``devpki_router`` when docflow runs on 127.0.0.1:8000)."""
    return f"{DEV_PKI_URL_PREFIX}/{DEV_ARCH_LABEL}/tsa/tsa"


def dev_signer_names() -> list[str]:
    """Every name ``dev_signer`` accepts in its canonical form."""
    users = [f"{a}.{r}" for a in AGENCIES for r in PERSON_ROLES]
    return users + [a.upper() for a in AGENCIES]


def _cert_label_for(name: str) -> str:
    raw = name.strip()
    lowered = raw.lower()
    if lowered in AGENCIES:  # a seal: "STTTT" or "stttt"
        return f"{lowered}-seal"
    if "." in lowered:
        abbrev, _, role = lowered.partition(".")
        if abbrev in AGENCIES and role in (*PERSON_ROLES, "seal"):
            return f"{abbrev}-{role}"
    raise LookupError(
        f"no development certificate for {name!r}; valid names: "
        f"{', '.join(dev_signer_names())} (demo users <abbrev>.leader / "
        f"<abbrev>.specialist; an agency abbreviation for its seal)"
    )


def dev_signer(name: str) -> tuple[bytes, bytes, list[bytes]]:
    """``(key PEM, certificate PEM, chain PEMs)`` for a demo user or agency seal.

    ``stttt.leader`` / ``stttt.specialist`` → the person's RSA-2048 certificate;
    ``STTTT`` / ``stttt`` → the agency seal. The chain is the issuing CA then the root.
    Raises ``LookupError`` (listing the valid names) for anything else.
    """
    from certomancer.registry import CertLabel

    arch = dev_pki()
    label = CertLabel(_cert_label_for(name))
    spec = arch.get_cert_spec(label)
    key = arch.key_set.get_private_key(spec.subject_key)
    chain = [pem.armor("CERTIFICATE", arch.get_cert(lbl).dump()) for lbl in arch.get_chain(label)]
    return (
        pem.armor("PRIVATE KEY", key.dump()),
        pem.armor("CERTIFICATE", arch.get_cert(label).dump()),
        chain,
    )


def dev_trust_roots() -> list[bytes]:
    """The dev root certificate (PEM), the only trust anchor of the dev PKI."""
    from certomancer.registry import CertLabel

    return [pem.armor("CERTIFICATE", dev_pki().get_cert(CertLabel("root")).dump())]


def dev_crls(at_time: datetime | None = None) -> list[bytes]:
    """The latest CRL (DER) of every dev CA at ``at_time`` (default: now)."""
    registry = dev_pki().service_registry
    when = at_time or datetime.now(UTC).replace(microsecond=0)
    return [registry.get_crl(repo.label, when).dump() for repo in registry.list_crl_repos()]


def dev_timestamper() -> Any:
    """A pyHanko time stamper signing with the dev TSA in-process (no HTTP)."""
    from certomancer.registry import CertLabel
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    arch = dev_pki()
    tsa = CertLabel("tsa")
    roots = [arch.get_cert(CertLabel("root"))]
    store = SimpleCertificateStore.from_certs(roots)  # type: ignore[no-untyped-call]
    key = arch.key_set.get_private_key(arch.get_cert_spec(tsa).subject_key)
    return DummyTimeStamper(arch.get_cert(tsa), key, certs_to_embed=store)


# --------------------------------------------------------------------------- responses
# Plain functions (certomancer objects in, DER out); the handlers below only do HTTP.


def _now() -> datetime:
    # Whole seconds: strict DER parsers (pyca/cryptography, NSS) reject the fractional
    # GeneralizedTime certomancer would otherwise write into producedAt / genTime.
    return datetime.now(UTC).replace(microsecond=0)


def _service_label(label: str, known: list[Any], what: str) -> Any:
    for info in known:
        if info.label.value == label:
            return info.label
    raise NotFoundException(f"no dev {what} named {label!r}")


def crl_response(label: str) -> bytes:
    registry = dev_pki().service_registry
    svc = _service_label(label, registry.list_crl_repos(), "CRL repository")
    return bytes(registry.get_crl(svc, _now()).dump())


def ocsp_response(label: str, body: bytes) -> bytes:
    registry = dev_pki().service_registry
    svc = _service_label(label, registry.list_ocsp_responders(), "OCSP responder")
    try:
        req = ocsp.OCSPRequest.load(body)
        req.native  # noqa: B018 - parse fully now, so garbage fails here
    except (ValueError, TypeError) as exc:
        raise ValidationException(f"not a DER OCSP request: {exc}") from exc
    responder = registry.summon_responder(svc, _now())
    return bytes(responder.build_ocsp_response(req).dump())


def tsa_response(label: str, body: bytes) -> bytes:
    registry = dev_pki().service_registry
    svc = _service_label(label, registry.list_time_stamping_services(), "TSA")
    try:
        req = tsp.TimeStampReq.load(body)
        req.native  # noqa: B018 - parse fully now, so garbage fails here
    except (ValueError, TypeError) as exc:
        raise ValidationException(f"not a DER RFC 3161 TimeStampReq: {exc}") from exc
    tsa = registry.summon_timestamper(svc, _now())
    return bytes(tsa.request_tsa_response(req).dump())


def ca_cert_response(label: str, *, as_pem: bool) -> bytes:
    registry = dev_pki().service_registry
    svc = _service_label(label, registry.list_cert_repos(), "certificate repository")
    found = registry.get_cert_from_repo(svc)
    if found is None:  # pragma: no cover - every repo has its issuer's cert
        raise NotFoundException(f"no CA certificate in {label!r}")
    der = bytes(found.dump())
    return pem.armor("CERTIFICATE", der) if as_pem else der


# --------------------------------------------------------------------------- HTTP


def _der(content: bytes, media_type: str) -> Response[bytes]:
    return Response(content=content, media_type=media_type, headers={"Cache-Control": "no-store"})


@get("/crls/{label:str}/latest.crl", sync_to_thread=True)
def serve_crl(label: FromPath[str]) -> Response[bytes]:
    return _der(crl_response(label), "application/pkix-crl")


@post("/ocsp/{label:str}", status_code=200)
async def serve_ocsp(request: Request[Any, Any, Any], label: FromPath[str]) -> Response[bytes]:
    body = await request.body()
    der = await anyio.to_thread.run_sync(ocsp_response, label, body)
    return _der(der, "application/ocsp-response")


@get("/ocsp/{label:str}/{encoded:path}", sync_to_thread=True)
def serve_ocsp_get(label: FromPath[str], encoded: FromPath[str]) -> Response[bytes]:
    """RFC 6960 A.1.1 GET form: the URL-encoded base64 of the DER request (NSS tools use it)."""
    try:
        body = base64.b64decode(urllib.parse.unquote(encoded.lstrip("/")), validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ValidationException("The OCSP request in the URL is not valid base64.") from exc
    return _der(ocsp_response(label, body), "application/ocsp-response")


@post("/tsa/{label:str}", status_code=200)
async def serve_tsa(request: Request[Any, Any, Any], label: FromPath[str]) -> Response[bytes]:
    body = await request.body()
    der = await anyio.to_thread.run_sync(tsa_response, label, body)
    return _der(der, "application/timestamp-reply")


@get("/certs/{label:str}/ca.crt", sync_to_thread=False)
def serve_ca_der(label: FromPath[str]) -> Response[bytes]:
    return _der(ca_cert_response(label, as_pem=False), "application/pkix-cert")


@get("/certs/{label:str}/ca.cert.pem", sync_to_thread=False)
def serve_ca_pem(label: FromPath[str]) -> Response[bytes]:
    return _der(ca_cert_response(label, as_pem=True), "application/x-pem-file")


def devpki_router() -> Router:
    """``/dev-pki/<arch>/...``: CRLs (GET), OCSP (POST), TSA (POST), CA certs (GET).

    Demo mode only. The paths match the URLs inside the dev certificates, which name
    ``http://127.0.0.1:8000``: the services are reachable at those URLs only when
    docflow listens there. The routes are public (no auth, no CSRF).
    """
    arch_router = Router(
        path=f"/{DEV_ARCH_LABEL}",
        route_handlers=[
            serve_crl,
            serve_ocsp,
            serve_ocsp_get,
            serve_tsa,
            serve_ca_der,
            serve_ca_pem,
        ],
        include_in_schema=False,
        tags=["dev-pki"],
    )
    return Router(path=ROUTER_PATH, route_handlers=[arch_router], include_in_schema=False)
