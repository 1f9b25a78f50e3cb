"""The baseline of ``bench/serve.py``: a bare Litestar app answering what docflow answers.

``GET /health`` returns ``{"status": "ok"}`` without touching anything; ``GET /inbox``
runs the inbox page's query (``bench.routing.BARE_SQL``, 51 rows) through an asyncpg pool
and returns the rows as JSON. No sign-in, no ORM, no middleware: what the same hardware
does with the same worker count. Run with ``BENCH_DATABASE_URL`` and ``BENCH_AGENCY_ID``
set, by uvicorn (``--factory bench.serve_bare:create``) or, listening as ``docflow serve``
does (a socket per worker, ``docflow.core.http.listeners``), by
``python bench/serve_bare.py PORT WORKERS``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself first (bench/storage.py would shadow the storage package).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from litestar import Litestar, get  # noqa: E402
from litestar.datastructures import State  # noqa: E402

from bench.routing import BARE_SQL  # noqa: E402

PAGE_SQL = BARE_SQL.format(after="")


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/inbox")
async def inbox(state: State) -> dict[str, Any]:
    async with state.pool.acquire() as conn:
        rows = await conn.fetch(PAGE_SQL, state.agency_id)
    items = [dict(r) for r in rows[:50]]
    return {"items": items, "next_cursor": "x" if len(rows) > 50 else None}


def create() -> Litestar:
    url = os.environ["BENCH_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    state = State({"agency_id": int(os.environ["BENCH_AGENCY_ID"])})

    async def start() -> None:
        state.pool = await asyncpg.create_pool(url, min_size=2, max_size=20)

    async def stop() -> None:
        await state.pool.close()

    return Litestar([health, inbox], state=state, on_startup=[start], on_shutdown=[stop])


def main() -> None:
    from docflow.core.http.listeners import serve

    serve("bench.serve_bare:create", host="127.0.0.1", port=int(sys.argv[1]),
          workers=int(sys.argv[2]), factory=True, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
