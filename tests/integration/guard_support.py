"""Helpers for the trust tests: an app whose TCP peer a test chooses, trail counts."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlmodel import func, select

from docflow.app import create_app
from docflow.core.audit_models import AuditEvent
from docflow.core.settings import Settings
from tests.integration.authz_world import World

PEER_HEADER = b"x-test-peer"


class _PeerFromHeader:
    """Sets the connection's peer address from ``x-test-peer``, as the server would from
    the socket: Litestar's test client has no way to choose it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", []):
                if name == PEER_HEADER:
                    scope["client"] = (value.decode(), 40000)
        await self.app(scope, receive, send)


def app_with_peers(settings: Settings, **state: Any) -> Litestar:
    app = create_app(settings)
    app.asgi_handler = _PeerFromHeader(app.asgi_handler)
    for key, value in state.items():
        app.state[key] = value
    return app


def peer(address: str, **headers: str) -> dict[str, str]:
    return {PEER_HEADER.decode(): address, **headers}


async def trail(world: World, *actions: str) -> list[AuditEvent]:
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            query = select(AuditEvent).order_by(AuditEvent.seq)  # type: ignore[arg-type]
            if actions:
                query = query.where(AuditEvent.action.in_(actions))  # type: ignore[attr-defined]
            return list((await session.exec(query)).all())
    finally:
        await runtime.dispose()


async def count_events(world: World) -> int:
    runtime = world.runtime()
    try:
        async with runtime.session() as session:
            return int((await session.exec(select(func.count()).select_from(AuditEvent))).one())
    finally:
        await runtime.dispose()
