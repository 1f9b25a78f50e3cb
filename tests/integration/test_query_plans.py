"""PostgreSQL keeps one plan for a limited list query instead of planning it anew on
every page (``LiteralLimitCompiler``): with ``LIMIT $n`` it re-planned the inbox page on
every request, which cost more of the server's time than running it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Integer, bindparam, column, select, table
from sqlalchemy.ext.asyncio import AsyncConnection

from docflow.core.db import create_engine
from docflow.core.migrate import upgrade
from docflow.transfers.inbox import _first_page_on_asyncpg
from tests.services import PostgresDatabase

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


async def _plans_of(conn: AsyncConnection, pattern: str) -> tuple[int, int]:
    """How often the one prepared statement of this connection whose text is LIKE
    ``pattern`` ran on a kept (generic) plan and on a plan made for that run (custom)."""
    rows = (
        await conn.exec_driver_sql(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE $1 AND statement NOT LIKE '%pg_prepared_statements%'",
            (pattern,),
        )
    ).all()
    assert len(rows) == 1, rows
    return int(rows[0][0]), int(rows[0][1])


async def test_postgresql_keeps_one_plan_for_a_limited_query(
    postgres_database: PostgresDatabase,
) -> None:
    engine = create_engine(postgres_database.url)
    classes = table("pg_class", column("oid"), column("relname"))
    query = (
        select(classes.c.relname)
        .where(classes.c.oid > bindparam("after"))
        .order_by(classes.c.oid)
        .limit(bindparam("page", type_=Integer))
    )
    try:
        async with engine.connect() as conn:
            # Pages of different sizes from the one query object: each gets its own rows.
            sizes = [
                len((await conn.execute(query, {"after": 0, "page": n})).all()) for n in (3, 5, 3)
            ]
            assert sizes == [3, 5, 3]
            offset = query.offset(2)
            shifted = (await conn.execute(offset, {"after": 0, "page": 3})).all()
            assert shifted[0] == (await conn.execute(query, {"after": 0, "page": 5})).all()[2]

            for _ in range(10):  # a list page reloaded all day
                await conn.execute(query, {"after": 0, "page": 5})
            generic, custom = await _plans_of(conn, "%pg_class%LIMIT 5")
        # Planned a few times, then the kept plan ran (a LIMIT sent as a parameter
        # was planned anew on all 12 runs).
        assert generic >= 5 and custom <= 6, (generic, custom)
    finally:
        await engine.dispose()


async def test_the_inbox_page_is_planned_once_not_on_every_request(
    postgres_database: PostgresDatabase,
) -> None:
    await asyncio.to_thread(upgrade, postgres_database.url)
    engine = create_engine(postgres_database.url)
    try:
        async with engine.connect() as conn:
            # An inbox refreshed all day (the unfiltered first page). An empty inbox would
            # get a kept plan either way; its limit written in is what keeps the plan
            # for a full one, as the pg_class query above shows.
            for _ in range(12):
                rows = await _first_page_on_asyncpg(conn, {"inbox_agency": 1, "inbox_limit": 51})
                assert list(rows) == []
            generic, custom = await _plans_of(conn, "%FROM transfer JOIN document%LIMIT 51")
        assert generic >= 5 and custom <= 6, (generic, custom)
    finally:
        await engine.dispose()
