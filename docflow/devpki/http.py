"""``/dev-pki``: the dev PKI's CRLs, OCSP responders, TSA and CA certificates over HTTP,
at exactly the URLs its certificates name (``<public URL>/dev-pki/haugiang/...``).

Demo mode only; public (no sign-in, no CSRF), left out of the OpenAPI schema. Handlers
only do HTTP: the answers come from ``docflow.devpki.status`` and ``docflow.devpki.tsa``.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from asn1crypto import tsp
from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler

from docflow.devpki.pki import DEV_ARCH_LABEL, DevPki
from docflow.devpki.status import UnknownService, crl_labels, dev_crl, ocsp_response

__all__ = ["devpki_router"]

ROUTER_PATH = "/dev-pki"
#: Largest OCSP or time-stamp request accepted (both are a few hundred bytes).
MAX_REQUEST_BYTES = 16 * 1024


def _der(content: bytes, media_type: str) -> Response[bytes]:
    return Response(content=content, media_type=media_type, headers={"Cache-Control": "no-store"})


def _crl(pki: Callable[[], DevPki], label: str) -> bytes:
    try:
        return dev_crl(pki(), label)
    except UnknownService as exc:
        raise NotFoundException(str(exc)) from None


def _ocsp(pki: Callable[[], DevPki], label: str, body: bytes) -> bytes:
    if len(body) > MAX_REQUEST_BYTES:
        raise ValidationException("The OCSP request is too large.")
    try:
        return ocsp_response(pki(), label, body)
    except UnknownService as exc:
        raise NotFoundException(str(exc)) from None


def _tsa(pki: Callable[[], DevPki], label: str, body: bytes) -> bytes:
    from docflow.devpki import dev_tsa

    if label != "tsa":
        raise NotFoundException(f"no dev TSA named {label!r}")
    if len(body) > MAX_REQUEST_BYTES:
        raise ValidationException("The time-stamp request is too large.")
    try:
        request = tsp.TimeStampReq.load(body)
        request.native  # noqa: B018 - parse fully now, so garbage fails here
    except (ValueError, TypeError) as exc:
        raise ValidationException(f"not a DER RFC 3161 TimeStampReq: {exc}") from None
    return dev_tsa(pki()).respond(request)


def _ca_cert(pki: Callable[[], DevPki], label: str, *, as_pem: bool) -> bytes:
    if label not in crl_labels():
        raise NotFoundException(f"no dev certificate repository named {label!r}")
    cert = "root" if label == "root" else f"ca-{label}"
    return pki().cert_pem(cert) if as_pem else pki().cert_der(cert)


def _arch_handlers(pki: Callable[[], DevPki]) -> list[ControllerRouterHandler]:
    """The HTTP handlers under ``/dev-pki/<arch>``, answering for ``pki()``."""

    @get("/crls/{label:str}/latest.crl", sync_to_thread=True)
    def serve_crl(label: FromPath[str]) -> Response[bytes]:
        return _der(_crl(pki, label), "application/pkix-crl")

    @post("/ocsp/{label:str}", status_code=200)
    async def serve_ocsp(request: Request[Any, Any, Any], label: FromPath[str]) -> Response[bytes]:
        body = await request.body()
        der = await anyio.to_thread.run_sync(_ocsp, pki, label, body)
        return _der(der, "application/ocsp-response")

    @get("/ocsp/{label:str}/{encoded:path}", sync_to_thread=True)
    def serve_ocsp_get(label: FromPath[str], encoded: FromPath[str]) -> Response[bytes]:
        """RFC 6960 A.1.1 GET form: URL-encoded base64 of the DER request (NSS uses it)."""
        try:
            body = base64.b64decode(urllib.parse.unquote(encoded.lstrip("/")), validate=True)
        except (ValueError, binascii.Error):
            raise ValidationException("The OCSP request in the URL is not valid base64.") from None
        return _der(_ocsp(pki, label, body), "application/ocsp-response")

    @post("/tsa/{label:str}", status_code=200)
    async def serve_tsa(request: Request[Any, Any, Any], label: FromPath[str]) -> Response[bytes]:
        body = await request.body()
        der = await anyio.to_thread.run_sync(_tsa, pki, label, body)
        return _der(der, "application/timestamp-reply")

    @get("/certs/{label:str}/ca.crt", sync_to_thread=True)
    def serve_ca_der(label: FromPath[str]) -> Response[bytes]:
        return _der(_ca_cert(pki, label, as_pem=False), "application/pkix-cert")

    @get("/certs/{label:str}/ca.cert.pem", sync_to_thread=True)
    def serve_ca_pem(label: FromPath[str]) -> Response[bytes]:
        return _der(_ca_cert(pki, label, as_pem=True), "application/x-pem-file")

    return [serve_crl, serve_ocsp, serve_ocsp_get, serve_tsa, serve_ca_der, serve_ca_pem]


def devpki_router(pki: Callable[[], DevPki]) -> Router:
    """``/dev-pki/haugiang/...``: CRLs (GET), OCSP (POST and RFC 6960 GET), TSA (POST),
    CA certificates (GET, DER and PEM). ``pki`` gives the dev PKI to answer for."""
    arch_router = Router(
        path=f"/{DEV_ARCH_LABEL}",
        route_handlers=_arch_handlers(pki),
        include_in_schema=False,
        tags=["dev-pki"],
    )
    return Router(path=ROUTER_PATH, route_handlers=[arch_router], include_in_schema=False)
