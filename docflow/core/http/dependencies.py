"""Dependency providers shared by every handler (and reusable outside HTTP).

Names handlers ask for: ``settings``, ``runtime``, ``db_session``, ``store`` (and
``principal``, which ``create_app`` adds from ``docflow.accounts.api_auth``), declared
as ``NamedDependency[...]`` (Litestar 2.23+ deprecates inferred dependencies), e.g.
``async def handler(db_session: NamedDependency[AsyncSession]) -> ...``.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator

from litestar.datastructures import State
from litestar.di import Provide
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from docflow.core.db import AsyncSession, create_read_session_factory
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings
from storage import ObjectStore

__all__ = [
    "DEPENDENCIES",
    "REQUEST_SESSION",
    "ReleaseRequestSession",
    "new_request_session",
    "provide_db_session",
    "provide_runtime",
    "provide_settings",
    "provide_store",
    "request_session",
]


def provide_runtime(state: State) -> Runtime:
    # Litestar's State holds anything; the app factory puts the Runtime there.
    runtime: Runtime = state.runtime
    return runtime


def provide_settings(state: State) -> Settings:
    return provide_runtime(state).settings


def provide_store(state: State) -> ObjectStore:
    return provide_runtime(state).store


#: Methods whose requests get a read session (no BEGIN/ROLLBACK until a first write).
READ_METHODS = frozenset({"GET", "HEAD"})
_read_factories: weakref.WeakKeyDictionary[AsyncEngine, async_sessionmaker[AsyncSession]] = (
    weakref.WeakKeyDictionary()
)


def new_request_session(scope: Scope, *, reading: bool = False) -> AsyncSession:
    """A new session for this request: a read session (``create_read_session_factory``)
    for GET and HEAD or when ``reading`` (the sign-in check alone), the runtime's
    ordinary one for anything else."""
    runtime: Runtime = scope["app"].state.runtime
    if not reading and scope.get("method") not in READ_METHODS:
        return runtime.sessions()
    factory = _read_factories.get(runtime.engine)
    if factory is None:
        factory = _read_factories[runtime.engine] = create_read_session_factory(runtime.engine)
    return factory()


#: Where the sign-in guard leaves the session it opened, for the handler to go on with.
REQUEST_SESSION = "docflow_db_session"


async def provide_db_session(state: State, scope: Scope) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the handler returns, rolled back when
    it raises (Litestar throws the handler's exception in here).

    Services never commit: what a handler's services changed is kept exactly when the
    handler succeeds. A commit that fails fails the request (this runs before the
    response is sent). The session (and its connection) the sign-in guard opened is
    reused, so a request checks out one connection; ``ReleaseRequestSession`` closes it
    if no handler took it.
    """
    session: AsyncSession | None = scope.get("state", {}).pop(REQUEST_SESSION, None)
    if session is None:
        session = new_request_session(scope)
    try:
        yield session
        await session.commit()
    finally:
        await session.close()


def request_session(scope: Scope) -> AsyncSession:
    """A session for this request, left in the scope for ``provide_db_session``."""
    slot = scope.setdefault("state", {})
    session: AsyncSession | None = slot.get(REQUEST_SESSION)
    if session is None:
        session = new_request_session(scope)
        slot[REQUEST_SESSION] = session
    return session


class ReleaseRequestSession:
    """ASGI wrapper: closes (rolls back) a session the guard opened that no handler took
    (a refused request, a handler without ``db_session``, a bad parameter)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            state = scope.get("state")
            left = state.pop(REQUEST_SESSION, None) if isinstance(state, dict) else None
            if left is not None:
                await left.close()


DEPENDENCIES = {
    "runtime": Provide(provide_runtime, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "store": Provide(provide_store, sync_to_thread=False),
    "db_session": Provide(provide_db_session),
}
