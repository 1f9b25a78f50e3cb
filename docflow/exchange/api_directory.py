"""``GET /api/v1/exchange/directory``: this deployment's own agencies, for a peer.

Authenticated as ``POST /api/v1/exchange/packages`` is (``api.peer_or_sign_in``): a
peer's bearer token (its SHA-256 names the peer), else a signed-in person; 401
otherwise. The answer is ``{"agencies": [{"codes", "name", "address", "email",
"phone", "website", "seal_certificate_pem"}, ...]}`` (``directory.own_directory``);
``docflow peer sync`` on the other side reads it."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.di import NamedDependency

from docflow.core.db import AsyncSession
from docflow.exchange.api import peer_or_sign_in
from docflow.exchange.directory import DIRECTORY_PATH, own_directory

__all__ = ["EXCHANGE_DIRECTORY_HANDLERS"]


@get(
    DIRECTORY_PATH,
    tags=["exchange"],
    summary="This system's own agencies, with codes and seal certificates (for peers)",
    opt={"public": True},  # authenticated by ``peer_or_sign_in`` (peer token or sign-in)
    guards=[peer_or_sign_in],
)
async def exchange_directory(db_session: NamedDependency[AsyncSession]) -> dict[str, Any]:
    return {"agencies": await own_directory(db_session)}


EXCHANGE_DIRECTORY_HANDLERS = [exchange_directory]
