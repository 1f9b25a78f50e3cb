"""Dependency providers shared by every handler (and reusable outside HTTP).

Names handlers ask for: ``settings``, ``runtime``, ``db_session``, ``store``,
``principal`` — declared as ``NamedDependency[...]`` (Litestar 2.23+ deprecates inferred
dependencies), e.g.
``async def handler(db_session: NamedDependency[AsyncSession]) -> ...``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from litestar.di import Provide

from docflow.db import AsyncSession
from docflow.runtime import Runtime
from docflow.settings import Settings
from storage import ObjectStore

__all__ = [
    "DEPENDENCIES",
    "provide_db_session",
    "provide_runtime",
    "provide_settings",
    "provide_store",
]


def provide_runtime(state: State) -> Runtime:
    return state.runtime  # type: ignore[no-any-return]


def provide_settings(state: State) -> Settings:
    return state.runtime.settings  # type: ignore[no-any-return]


def provide_store(state: State) -> ObjectStore:
    return state.runtime.store  # type: ignore[no-any-return]


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """One session per request; uncommitted work is rolled back when the request ends.

    Services commit explicitly: a handler that returns without committing changed nothing.
    """
    runtime: Runtime = state.runtime
    async with runtime.sessions() as session:
        yield session


def _provide_principal() -> Provide:
    # Imported here: docflow.api.auth imports this module's neighbours.
    from docflow.api.auth import provide_principal

    return Provide(provide_principal)


DEPENDENCIES = {
    "runtime": Provide(provide_runtime, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "store": Provide(provide_store, sync_to_thread=False),
    "db_session": Provide(provide_db_session),
    # The signed-in caller (401 without a valid session); see docflow.api.auth.
    "principal": _provide_principal(),
}
