"""The dev PKI's services answered in-process, behind the small part of aiohttp's
``ClientSession`` interface that pyHanko's fetchers and ``HTTPTimeStamper`` use.

In demo mode docflow validates and collects revocation data the way production does
(fetching CRLs and OCSP responses at the URLs the certificates name), but the URLs point
at docflow itself: a process must not call its own HTTP server (the CLI has none, and a
worker would wait on the event loop it runs beside). ``DevPkiSession`` answers requests
under the dev PKI's URL prefix from ``docflow.devpki`` directly and hands every other URL
to a real ``aiohttp.ClientSession`` (created on first use).
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any

from docflow.devpki.pki import DEV_ARCH_LABEL, DevPki

__all__ = ["DevPkiSession"]


class _Response:
    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self.status = status
        self._body = body
        self.headers = {"Content-Type": content_type}

    async def read(self) -> bytes:
        return self._body

    async def __aenter__(self) -> _Response:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Delegated:
    """``async with session.get(...)`` on the real session, started lazily."""

    def __init__(self, owner: DevPkiSession, method: str, kwargs: dict[str, Any]) -> None:
        self._owner, self._method, self._kwargs = owner, method, kwargs
        self._cm: Any = None

    async def __aenter__(self) -> Any:
        session = await self._owner.real_session()
        self._cm = getattr(session, self._method)(**self._kwargs)
        return await self._cm.__aenter__()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> Any:
        return await self._cm.__aexit__(et, e, tb)


class DevPkiSession:
    """``get``/``post``/``close`` as pyHanko's aiohttp fetchers call them."""

    def __init__(self, pki: DevPki, at: datetime | None = None) -> None:
        self.pki = pki
        self.at = at
        self._prefix = f"{pki.url_prefix}/{DEV_ARCH_LABEL}/"
        self._real: Any = None

    async def real_session(self) -> Any:
        if self._real is None:
            import aiohttp

            self._real = aiohttp.ClientSession()
        return self._real

    def _answer(self, method: str, url: str, data: bytes | None) -> _Response | None:
        if not url.startswith(self._prefix):
            return None
        from docflow.devpki.status import UnknownService, dev_crl, ocsp_response

        kind, _, rest = url[len(self._prefix) :].partition("/")
        label = rest.split("/", 1)[0]
        try:
            if kind == "crls" and method == "get":
                return _Response(200, dev_crl(self.pki, label, self.at), "application/pkix-crl")
            if kind == "ocsp" and method == "post" and data is not None:
                body = ocsp_response(self.pki, label, data, self.at)
                return _Response(200, body, "application/ocsp-response")
            if kind == "certs" and method == "get":
                cert = "root" if label == "root" else f"ca-{label}"
                return _Response(200, self.pki.cert_der(cert), "application/pkix-cert")
            if kind == "tsa" and method == "post" and data is not None:
                from asn1crypto import tsp

                from docflow.devpki import dev_tsa

                reply = dev_tsa(self.pki).respond(tsp.TimeStampReq.load(data), self.at)
                return _Response(200, reply, "application/timestamp-reply")
        except (UnknownService, LookupError, OSError, ValueError):
            pass
        return _Response(404, b"", "text/plain")

    def _call(self, method: str, kwargs: dict[str, Any]) -> Any:
        url = str(kwargs.get("url") or "")
        data = kwargs.get("data")
        answer = self._answer(method, url, bytes(data) if data is not None else None)
        if answer is None:
            return _Delegated(self, method, kwargs)
        if answer.status >= 400 and kwargs.get("raise_for_status"):
            import aiohttp
            from multidict import CIMultiDict, CIMultiDictProxy
            from yarl import URL

            raise aiohttp.ClientResponseError(
                request_info=aiohttp.RequestInfo(
                    URL(url), method.upper(), CIMultiDictProxy(CIMultiDict()), URL(url)
                ),
                history=(),
                status=answer.status,
                message=f"{url}: not served by the dev PKI",
            )
        return answer

    def get(self, url: str = "", **kwargs: Any) -> Any:
        return self._call("get", {"url": url, **kwargs})

    def post(self, url: str = "", **kwargs: Any) -> Any:
        return self._call("post", {"url": url, **kwargs})

    async def close(self) -> None:
        if self._real is not None:
            await self._real.close()
            self._real = None

    @property
    def closed(self) -> bool:
        return False
