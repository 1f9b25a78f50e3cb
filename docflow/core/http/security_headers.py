"""Browser protections on every response: CSP, no framing, no sniffing, no referrer,
HSTS when users reach docflow over https.

The pages load only docflow's own scripts, styles and the vendored pdf.js (module
worker from ``/static``, ``isEvalSupported: false``), so the policy allows ``'self'``
and nothing inline. The OpenAPI viewers under ``/schema`` are Litestar's, which load
their bundle from a CDN and run an inline script: they get a policy of their own.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeadersMiddleware"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # pdf.js draws on canvases; decoded images may pass through data:/blob: URLs.
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_CDNS = "https://cdn.jsdelivr.net https://unpkg.com https://cdn.redoc.ly"
SCHEMA_VIEWER_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {_CDNS}",
        f"style-src 'self' 'unsafe-inline' https://fonts.googleapis.com {_CDNS}",
        "font-src 'self' data: https://fonts.gstatic.com",
        "img-src 'self' data: https:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """ASGI wrapper adding the headers to every HTTP response (errors and static files
    included) unless the response set them itself."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https
        # Built once: every response takes one of the two lists as it is.
        self._site = self._build(CONTENT_SECURITY_POLICY)
        self._schema_viewer = self._build(SCHEMA_VIEWER_POLICY)

    def _build(self, policy: str) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if self.https:
            headers.append((b"strict-transport-security", HSTS.encode()))
        return headers

    def _headers(self, path: str) -> list[tuple[bytes, bytes]]:
        if path.startswith("/schema") and not path.endswith((".json", ".yaml")):
            return self._schema_viewer
        return self._site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        extra = self._headers(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
