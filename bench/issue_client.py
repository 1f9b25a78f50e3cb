"""One issuance over HTTP, request by request, as ``bench/issue.py`` and
``bench/issue_requests.py`` drive it against a running ``docflow serve``: the specialist
uploads, the leader prepares, signs the attributes with a P-256 key (WebCrypto-style
r||s) and completes, the clerk issues. ``client`` is an ``httpx.AsyncClient``."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from bench.issue_direct import raw_ecdsa

PASSWORD = "docflow-demo"


async def wait_until_healthy(client: Any) -> None:
    """Until the server just started answers ``/health`` (20 s at most)."""
    import httpx

    for _ in range(200):
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)


async def sign_in(client: Any, user: str) -> dict[str, str]:
    """The bearer header of a fresh session of the demo ``user``."""
    r = await client.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def staff(client: Any, agency: str) -> list[dict[str, str]]:
    """Bearer headers of ``agency``'s specialist, leader and clerk (demo accounts)."""
    return [await sign_in(client, f"{agency}.{role}") for role in ("specialist", "leader", "clerk")]


async def upload(client: Any, specialist: dict[str, str], pdf: bytes, meta: str) -> int:
    """A new draft of ``pdf``; its id."""
    r = await client.post(
        "/api/v1/documents", files={"file": ("d.pdf", pdf)}, data={"metadata": meta},
        headers=specialist,
    )
    r.raise_for_status()
    return int(r.json()["id"])


async def prepare(client: Any, leader: dict[str, str], doc: int, cert_id: int) -> Any:
    """The leader's signing session: what to sign (``to_be_signed``) and its id."""
    r = await client.post(
        f"/api/v1/documents/{doc}/signatures/prepare", json={"certificate_id": cert_id},
        headers=leader,
    )
    r.raise_for_status()
    return r.json()


async def complete(
    client: Any, leader: dict[str, str], key: Any, doc: int, prepared: dict[str, Any]
) -> None:
    """The leader's signature made with ``key`` as WebCrypto makes it, sent back."""
    sig = raw_ecdsa(key, base64.b64decode(prepared["to_be_signed"]))
    r = await client.post(
        f"/api/v1/documents/{doc}/signatures/complete",
        json={"session_id": prepared["session_id"], "signature": base64.b64encode(sig).decode()},
        headers=leader,
    )
    r.raise_for_status()


async def issue(client: Any, clerk: dict[str, str], doc: int) -> None:
    r = await client.post(f"/api/v1/documents/{doc}/issue", headers=clerk)
    r.raise_for_status()
