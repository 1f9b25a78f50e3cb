"""Token -> principal lookups cached in the process, revoked everywhere at once.

Resolving a token joins the session, its user and the user's roles: on the inbox path
that was about a third of the event loop's time. A process keeps what it found, keyed
by the token's hash, under the ``auth_revision`` it read *before* looking (see
``docflow.accounts.models_auth.AuthRevision``: database triggers add one on every
sign-out, ended session, changed user or role). Every request reads that one row; an
entry counts only while the revision is the one it was found under, so a sign-out,
password change, disabled account or changed role made through any instance holds on
every instance from the very next request. Expiry is checked against the cached
``expires_at``. Nothing here is shared between processes: each only saves work.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from docflow.accounts.permissions import Principal
from docflow.core.db import fetch_on_driver

__all__ = ["CachedPrincipal", "PrincipalCache", "cache_for", "read_revision"]

#: Entries kept per database; the cache starts over when full (a revision change clears
#: it too), so it never grows past this whatever the number of tokens.
MAX_ENTRIES = 20_000
_REVISION_SQL = "SELECT n FROM auth_revision WHERE id = 1"


@dataclass(frozen=True)
class CachedPrincipal:
    principal: Principal
    expires_at: datetime


class PrincipalCache:
    """Principals found under one revision of one database."""

    def __init__(self) -> None:
        self.revision: int | None = None
        self.entries: dict[str, CachedPrincipal] = {}

    def get(self, key: str, revision: int) -> CachedPrincipal | None:
        if revision != self.revision:
            self.entries.clear()
            self.revision = revision
            return None
        return self.entries.get(key)

    def put(self, key: str, revision: int, entry: CachedPrincipal) -> None:
        if revision != self.revision:
            return  # found under an older revision than the cache now holds: not kept
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        self.entries[key] = entry


_caches: weakref.WeakKeyDictionary[Any, PrincipalCache] = weakref.WeakKeyDictionary()


def cache_for(connection: AsyncConnection) -> PrincipalCache:
    """The cache of the database ``connection`` talks to (one per connection pool, so
    the read and the write sessions of a process share it)."""
    pool = connection.sync_engine.pool
    cache = _caches.get(pool)
    if cache is None:
        cache = _caches[pool] = PrincipalCache()
    return cache


async def read_revision(connection: AsyncConnection) -> int | None:
    """The current auth revision; None without its row (nothing is cached then).

    Every signed-in request runs this, so on PostgreSQL it runs straight on asyncpg
    (``fetch_on_driver``), without SQLAlchemy's execution and result set-up."""
    if connection.dialect.driver == "asyncpg":
        rows = await fetch_on_driver(connection, _REVISION_SQL)
    else:
        rows = (await connection.exec_driver_sql(_REVISION_SQL)).all()
    return int(rows[0][0]) if rows else None
