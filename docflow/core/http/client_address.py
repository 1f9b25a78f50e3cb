"""Who is on the other end: the peer's address, or the client a trusted proxy names.

``X-Forwarded-For`` is read only when the peer is one of ``DOCFLOW_TRUSTED_PROXIES``
(addresses or networks); then the right-most address that is not a trusted proxy is
the client. Anything that is not an IP address (a forged header, a Unix socket) is
never used as one: the client is then ``unknown`` or the last address that was valid.
``docflow serve`` runs uvicorn with ``proxy_headers=False`` so this is the one place
the header is read.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

from litestar.types import ASGIApp, Receive, Scope, Send

__all__ = ["ClientAddressMiddleware", "Network", "client_address"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


@functools.lru_cache(maxsize=4096)  # parsed once per address, not once per request
def _ip(value: str) -> Address | None:
    text = value.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, nets: Sequence[Network]) -> bool:
    return any(address.version == n.version and address in n for n in nets)


def client_address(peer: str | None, forwarded_for: list[str], trusted: Sequence[Network]) -> str:
    """The client's address as text: validated, through trusted proxies only."""
    current = _ip(peer) if peer else None
    if current is None:
        return UNKNOWN
    if not trusted or not _trusted(current, trusted):
        return str(current)
    hops = [h for header in forwarded_for for h in header.split(",")]
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:
            break  # garbage from the client side: the last valid hop stands
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)


class ClientAddressMiddleware:
    """ASGI wrapper: ``scope["client"]`` becomes the validated client address, so every
    later reader (sign-in, throttling, logs) sees the same one."""

    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            forwarded = [
                value.decode("latin-1")
                for name, value in scope.get("headers", [])
                if name == b"x-forwarded-for"
            ]
            host = client_address(client[0] if client else None, forwarded, self.trusted)
            scope["client"] = (host, client[1] if client else 0)
        await self.app(scope, receive, send)
