"""Errors on pages answer a page, in the site's frame and the reader's language.

The API's error mapping (``core.http.errors``) stays the one that decides an error's
status, headers and log line; ``with_error_pages`` wraps each of its handlers so that,
for an address outside the machine prefixes (``/api/``, ``/health``, ``/schema``,
``/dev-pki/``), the answer is ``error.html`` instead of JSON: the catalogue's sentence
for the error's ``code`` (``err.<code>``) or else for its status, never the API's
English ``detail``. The page keeps the menu, the person's name and sign-out when the
visitor is signed in (looked up after the handler, since an unknown address runs no
page dependency). A missing or ended session on a page still goes to sign-in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import anyio
from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException
from litestar.types import Receive, Scope, Send

from docflow.core.errors import DomainError, NotAuthenticated
from docflow.web.i18n import CATALOGUE, DEFAULT_LANG
from docflow.web.pages import (
    SignInRequired,
    Viewer,
    lang_of,
    page,
    provide_viewer,
    sign_in_redirect,
)

__all__ = ["MACHINE_PREFIXES", "ErrorPage", "wants_page", "with_error_pages"]

logger = logging.getLogger("docflow.web")

#: Addresses whose errors stay JSON: programs, not people, read them.
MACHINE_PREFIXES = ("/api/", "/health", "/schema", "/dev-pki/")

AnyRequest = Request[Any, Any, Any]
Handler = Callable[[AnyRequest, Any], Response[Any]]


def wants_page(request: AnyRequest) -> bool:
    path = request.url.path
    return path != "/api" and not path.startswith(MACHINE_PREFIXES)


def _texts(lang: str, status: int, code: str | None) -> tuple[str, str]:
    """(headline, sentence) for an error page, from the catalogue."""
    strings = CATALOGUE.get(lang) or CATALOGUE[DEFAULT_LANG]
    headline = strings.get(f"error.headline.{status}") or strings["error.title"]
    reason = (
        (strings.get(f"err.{code}") if code else None)
        or strings.get(f"error.status.{status}")
        or strings.get(f"error.status.{500 if status >= 500 else 400}", "")
    )
    return headline, reason


async def _viewer_of(request: AnyRequest, patience: float | None) -> Viewer | None:
    """The signed-in visitor for the page's frame, or nobody (never an error of its own).
    After a server failure the database may be what failed: ``patience`` bounds the wait."""
    known = getattr(request.state, "viewer", None)
    if isinstance(known, Viewer):
        return known
    try:
        with anyio.fail_after(patience):
            return await provide_viewer(request)
    except SignInRequired:
        return None
    except Exception:  # noqa: BLE001 - the frame without the menu beats a second failure
        logger.warning("error page: the visitor could not be looked up", exc_info=True)
        return None


class ErrorPage(Response[Any]):
    """An error page whose frame (the signed-in visitor) is looked up when it is sent:
    exception handlers are synchronous, the session lookup is not."""

    def __init__(self, request: AnyRequest, status: int, code: str | None, *, answer: Any):
        super().__init__(content=None, status_code=status)
        self.status = status
        self.request = request
        self.code = code
        self.answer = answer  # the API's answer: its headers (Retry-After) and request id

    def to_asgi_response(self, app: Any, request: AnyRequest, **kwargs: Any) -> Any:
        return self._send

    async def _send(self, scope: Scope, receive: Receive, send: Send) -> None:
        request, status = self.request, self.status
        viewer = await _viewer_of(request, patience=None if status < 500 else 1.0)
        headline, reason = _texts(lang_of(request), status, self.code)
        body = getattr(self.answer, "content", None)
        extra = body.get("extra") if isinstance(body, dict) else None
        request_id = extra.get("request_id") if isinstance(extra, dict) else None
        headers = {
            k: v
            for k, v in (getattr(self.answer, "headers", None) or {}).items()
            if k.lower() in ("retry-after", "www-authenticate", "allow")
        }
        template = page(
            request,
            "error.html",
            viewer,
            status_code=status,
            headline=headline,
            reason=reason,
            error_code=self.code,
            request_id=request_id,
        )
        template.headers.update(headers)
        await template.to_asgi_response(None, request)(scope, receive, send)


def _code_of(answer: Response[Any], exc: Any) -> str | None:
    """The refusal's stable code: the one the API answer carries, else a domain
    error's (never a driver's own ``code`` attribute, which names something else)."""
    body = answer.content
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return str(body["code"])
    return getattr(exc, "code", None) if isinstance(exc, DomainError) else None


def _as_page(api_handler: Handler) -> Handler:
    def handler(request: AnyRequest, exc: Any) -> Response[Any]:
        if not wants_page(request):
            return api_handler(request, exc)
        if isinstance(exc, (SignInRequired, NotAuthenticated, NotAuthorizedException)):
            return sign_in_redirect(request, exc)
        answer = api_handler(request, exc)  # decides the status, logs, sets headers
        status = answer.status_code or 500
        return ErrorPage(request, status, _code_of(answer, exc), answer=answer)

    return handler


def with_error_pages(handlers: Mapping[Any, Handler]) -> dict[Any, Handler]:
    """``handlers`` (the API's error mapping), answering pages for non-API addresses."""
    return {exc: _as_page(handler) for exc, handler in handlers.items()}
