"""JSON from clients, capped in size and nesting before any parser sees it.

Python's and msgspec's decoders recurse once per nesting level: 5,000 nested arrays
end in ``RecursionError`` (a 500). ``JsonBodyLimits`` refuses a JSON body over
``MAX_JSON_BYTES`` (413) or nested deeper than ``MAX_JSON_DEPTH`` (400) before the
app reads it; ``loads_bounded`` does the same for JSON inside a form field.

Text no field can hold is refused there too (422): a NUL character (PostgreSQL's
text types cannot store it) or half of a UTF-16 surrogate pair (not encodable as UTF-8),
in a JSON body, a form's JSON or the query string.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from docflow.core.errors import InvalidInput

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "JsonBodyLimits",
    "json_depth",
    "loads_bounded",
    "unstorable_text",
]

#: Every JSON body docflow takes is a few kilobytes (a CSR is the largest).
MAX_JSON_BYTES = 1 << 20
MAX_JSON_DEPTH = 32

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(data: bytes) -> int:
    """How deeply ``data`` nests arrays and objects (brackets inside strings ignored)."""
    brackets = _BRACKETS.findall(_STRINGS.sub(b'""', data))
    return max(accumulate(_STEP[b[0]] for b in brackets), default=0)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_REASON = (
    "contains a NUL control character or half of a surrogate pair, which no text can hold"
)


def unstorable_text(value: Any) -> bool:
    """Whether any string in ``value`` (keys included) holds text no database field can."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads_bounded(text: str, what: str) -> Any:
    """``json.loads`` of a form field, refused (422) when too large or too deep."""
    data = text.encode()
    if len(data) > MAX_JSON_BYTES:
        raise InvalidInput(f"The '{what}' part is larger than {MAX_JSON_BYTES} bytes.")
    if json_depth(data) > MAX_JSON_DEPTH:
        raise InvalidInput(f"The '{what}' part nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"The '{what}' part is not JSON: {exc}.") from None
    if unstorable_text(value):
        raise InvalidInput(f"The '{what}' part {UNSTORABLE_REASON}.")
    return value


def _unstorable_body(body: bytes) -> bool:
    if b"\\u" not in body:  # both can only come as \u escapes in valid JSON
        return False
    try:
        return unstorable_text(json.loads(body))
    except ValueError:
        return False  # not JSON: the app answers that


def _bad_query(query: bytes) -> bool:
    from urllib.parse import unquote_to_bytes

    try:
        unquote_to_bytes(query).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"status_code": status, "detail": detail}).encode()
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)


class JsonBodyLimits:
    """ASGI wrapper: reads a JSON request body up to the cap, checks its nesting, then
    hands the same bytes to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if query and (b"%00" in query or _bad_query(query)):
            await _refuse(send, 422, f"The address's query {UNSTORABLE_REASON}.")
            return
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_JSON_BYTES:
                await _refuse(send, 413, f"A JSON body may have at most {MAX_JSON_BYTES} bytes.")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if json_depth(body) > MAX_JSON_DEPTH:
            await _refuse(send, 400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
            return
        if _unstorable_body(body):
            await _refuse(send, 422, f"The JSON body {UNSTORABLE_REASON}.")
            return
        replayed = False

        async def replay() -> ReceiveMessage:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
