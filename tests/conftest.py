"""Shared fixtures. Service fixtures live in tests/services.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services import (
    IN_CI,
    PostgresDatabase,
    S3Server,
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
    require,
    s3_server,
)

__all__ = ["IN_CI", "S3Server", "s3_server"]

# Dev PKI (certomancer, in-process CRL/OCSP/TSA) and SoftHSM2 token fixtures.
pytest_plugins = ["tests.pki", "tests.hsm"]

_pg_state: tuple[bool, str] | None = None


def _postgres_state() -> tuple[bool, str]:
    global _pg_state
    if _pg_state is None:
        _pg_state = postgres_available()
    return _pg_state


@pytest.fixture
def postgres_database() -> Iterator[PostgresDatabase]:
    """A fresh empty PostgreSQL database for one test, dropped afterwards."""
    ok, reason = _postgres_state()
    require(ok, reason)
    db = create_postgres_database()
    try:
        yield db
    finally:
        drop_postgres_database(db)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database URL: every database test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'docflow.db'}"
        return
    db = request.getfixturevalue("postgres_database")
    yield db.url
