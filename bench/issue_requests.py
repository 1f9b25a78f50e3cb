"""Benchmark: where the server's CPU goes, request by request, when a document is issued.

    .venv/bin/python bench/issue_requests.py [--docs 20] [--database sqlite|postgresql]

A real ``docflow serve --workers 1`` (as ``bench/issue.py`` starts it) and one client,
one request at a time: ``--docs`` uploads, then as many prepares, completes and issues
(each issue's delivery runs right after its transaction, in the web process). After each
batch, the CPU the web process, the signing workers, PostgreSQL and this client used,
divided by the number of requests (Linux /proc). Nothing else runs meanwhile but
``/health`` probes (none here) and the server's own periodic work. Warmed up first
(two documents through every step). Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.cpu import cpu_split  # noqa: E402
from bench.issue import database, free_port, start_server  # noqa: E402
from bench.issue_client import (  # noqa: E402
    complete,
    issue,
    prepare,
    staff,
    upload,
    wait_until_healthy,
)
from bench.issue_direct import draft_pdf  # noqa: E402

STEPS = ("upload", "prepare", "complete", "issue")


async def run(base: str, docs: int, server: int) -> dict[str, dict[str, float]]:
    import httpx

    from tests.integration.documents_support import enrol, p256_key

    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        await wait_until_healthy(client)
        specialist, leader, clerk = await staff(client, "stttt")
        key = p256_key()
        cert_id = await enrol(client, leader, key)  # type: ignore[arg-type]  # httpx client
        meta = json.dumps({
            "document_type": "quyet_dinh", "subject": "Thử hiệu năng",
            "signer": "stttt.leader", "recipients": ["000.02.00.H30"], "place": "Hậu Giang",
        })
        pdf = draft_pdf()

        sessions: dict[int, Any] = {}

        async def upload_step(_doc: int) -> int:
            return await upload(client, specialist, pdf, meta)

        async def prepare_step(doc: int) -> int:
            sessions[doc] = await prepare(client, leader, doc, cert_id)
            return doc

        async def complete_step(doc: int) -> int:
            await complete(client, leader, key, doc, sessions.pop(doc))
            return doc

        async def issue_step(doc: int) -> int:
            await issue(client, clerk, doc)
            return doc

        steps = {"upload": upload_step, "prepare": prepare_step, "complete": complete_step,
                 "issue": issue_step}

        async def batch(count: int) -> dict[str, dict[str, float]]:
            used: dict[str, dict[str, float]] = {}
            docs_ = list(range(count))
            for name in STEPS:
                before = cpu_split(server)
                docs_ = [await steps[name](d) for d in docs_]
                await asyncio.sleep(0.5)  # work the request started after answering
                after = cpu_split(server)
                used[name] = {k: 1000 * (after[k] - before[k]) / count for k in after}
            return used

        await batch(2)  # warm-up
        return await batch(docs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, database(args.database) as url:
        port = free_port()
        server = start_server(Path(data), port, "B-LTA", 1, url)
        try:
            used = asyncio.run(run(f"http://127.0.0.1:{port}", args.docs, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
    kinds = ("web", "signing workers", "PostgreSQL", "client")
    print(f"documents: {args.docs}, database: {args.database}; CPU ms per request "
          "(the half second after each batch included)")
    print(f"{'request':<10}" + "".join(f"{k:>17}" for k in kinds))
    for name in STEPS:
        print(f"{name:<10}" + "".join(f"{used[name][k]:17.1f}" for k in kinds))
    print(f"{'total':<10}" + "".join(
        f"{sum(used[n][k] for n in STEPS):17.1f}" for k in kinds))


if __name__ == "__main__":
    main()
