"""Request ids: taken from ``X-Request-ID`` or made up, echoed back, put on every log record."""

from __future__ import annotations

import logging
import os
import random
import re
import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from docflow.core.log import current_request_id

__all__ = ["REQUEST_ID_HEADER", "RequestIdMiddleware"]

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode()
access_logger = logging.getLogger("docflow.access")
#: A request at least this slow is logged whatever the sample.
SLOW_SECONDS = 1.0
# A client's id is trusted only if it cannot forge log lines or headers.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


class RequestIdMiddleware:
    """ASGI wrapper around the whole application.

    It wraps ``Litestar.asgi_handler`` rather than being route middleware so that
    it also sees requests that match no route (404s) and errors raised before
    routing.
    """

    def __init__(self, app: ASGIApp, access_log_sample: int = 100) -> None:
        self.app = app
        #: Percent of successful requests logged (DOCFLOW_ACCESS_LOG_SAMPLE).
        self.sample = access_log_sample

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or os.urandom(16).hex()  # as uuid4().hex, cheaper
        scope.setdefault("state", {})["request_id"] = request_id
        header_value = request_id.encode()
        started = time.perf_counter()
        status: list[int] = []

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                headers: list[Any] = list(message.get("headers", []))
                headers = [h for h in headers if h[0].lower() != _HEADER_KEY]
                headers.append((_HEADER_KEY, header_value))
                message["headers"] = headers
            await send(message)

        token = current_request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # One line per request, carrying its id (uvicorn's access log is switched off);
            # successful quick ones only in the sampled share.
            elapsed = time.perf_counter() - started
            code = status[0] if status else 0
            if self._logs(code, elapsed):
                access_logger.info(
                    "%s %s -> %s (%.1f ms)",
                    scope.get("method", "WS"),
                    scope.get("path", ""),
                    code or "-",
                    elapsed * 1000,
                )
            current_request_id.reset(token)

    def _logs(self, status: int, elapsed: float) -> bool:
        if not access_logger.isEnabledFor(logging.INFO):
            return False
        if status == 0 or status >= 400 or elapsed >= SLOW_SECONDS or self.sample >= 100:
            return True
        return self.sample > 0 and random.random() * 100 < self.sample  # noqa: S311


def _incoming_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == _HEADER_KEY:
            candidate = value.decode("latin-1").strip()
            return candidate if _ACCEPTABLE.match(candidate) else None
    return None
