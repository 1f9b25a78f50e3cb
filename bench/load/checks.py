"""What must hold after the run, read from the database, the object store and the audit
trail once every instance has settled: each check is a name, a verdict and details."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench.load.users import Recorder

__all__ = ["Check", "run_checks", "settle"]

#: Columns naming stored objects by content (others hash something else or repeat one).
_NOT_OBJECTS = {"fingerprint_sha256", "inbound_token_sha256"}
_NOT_OBJECT_TABLES = {"verification_record"}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _rows(url: str, sql: str, *args: Any) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(_dsn(url))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


# Jobs live in docflow's `job` table (SQLite's backend, kept on PostgreSQL) and, on
# PostgreSQL, in procrastinate's queue (migration 0013): both count.
_OPEN_JOBS = """
    SELECT (SELECT count(*) FROM job WHERE state IN ('pending', 'running'))
         + (SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')) AS n,
           now() AS at"""
#: Open or failed jobs, but not a periodic job deferred after the run settled ($1): the
#: instances keep their schedule until they are stopped, and such a job waits for the
#: next start, which is what it should do.
_UNFINISHED_JOBS = """
    SELECT kind, state, count(*) AS n FROM job WHERE state <> 'done' GROUP BY kind, state
    UNION ALL
    SELECT task_name, status::text, count(*) FROM procrastinate_jobs j
     WHERE status NOT IN ('succeeded')
       AND NOT (status = 'todo' AND task_name LIKE 'docflow.periodic.%'
                AND (SELECT min(at) FROM procrastinate_events e
                      WHERE e.job_id = j.id AND e.type = 'deferred') >= $1)
     GROUP BY task_name, status"""


async def settle(url: str, timeout: float = 180) -> tuple[int, datetime]:
    """Wait until no job is pending or running: the number still open at the end, and
    the database's time then."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await _rows(url, _OPEN_JOBS)
        if rows[0]["n"] == 0 or time.monotonic() > deadline:
            return int(rows[0]["n"]), rows[0]["at"]
        await asyncio.sleep(2)


def _gapless(rows: list[Any], what: str) -> Check:
    bad = [dict(r) for r in rows if r["n"] != r["top"] or r["n"] != r["distinct_n"]]
    total = sum(r["n"] for r in rows)
    return Check(f"{what} gapless and unique", not bad,
                 f"{total} numbers in {len(rows)} series" + (f"; broken: {bad[:5]}" if bad else ""))


async def _registers(url: str) -> list[Check]:
    issued = await _rows(url, """
        SELECT agency_id, year, series, count(*) AS n, max(number) AS top,
               count(DISTINCT number) AS distinct_n
        FROM register_entry GROUP BY agency_id, year, series""")
    incoming = await _rows(url, """
        SELECT recipient_agency_id, incoming_year, count(*) AS n,
               max(incoming_number) AS top, count(DISTINCT incoming_number) AS distinct_n
        FROM transfer WHERE incoming_number IS NOT NULL
        GROUP BY recipient_agency_id, incoming_year""")
    return [_gapless(issued, "issuing registers"), _gapless(incoming, "incoming registers")]


async def _deliveries(url: str, settled_at: datetime) -> list[Check]:
    short = await _rows(url, """
        SELECT d.id, json_array_length(d.recipients::json) AS want, count(t.id) AS have
        FROM document d LEFT JOIN transfer t ON t.document_id = d.id
        WHERE d.state = 'issued' GROUP BY d.id HAVING
        count(t.id) <> json_array_length(d.recipients::json)""")
    issued = await _rows(url, "SELECT count(*) AS n FROM document WHERE state = 'issued'")
    unstamped = await _rows(url, """
        SELECT id FROM transfer WHERE incoming_number IS NOT NULL AND stamped_sha256 IS NULL""")
    stamps = await _rows(url, """
        SELECT subject_id, count(*) AS n FROM audit_event WHERE action = 'transfer.stamped'
        GROUP BY subject_id HAVING count(*) <> 1""")
    accepted = await _rows(url, "SELECT count(*) AS n FROM transfer WHERE "
                                "incoming_number IS NOT NULL")
    failed = await _rows(url, _UNFINISHED_JOBS, settled_at)
    return [
        Check("every issued document delivered once to each recipient", not short,
              f"{issued[0]['n']} issued" + (f"; wrong: {[dict(r) for r in short[:5]]}"
                                              if short else "")),
        Check("every accepted transfer stamped exactly once", not unstamped and not stamps,
              f"{accepted[0]['n']} accepted; unstamped {len(unstamped)}, "
              f"stamp events not once: {len(stamps)}"),
        Check("no job failed or left open", not failed, str([dict(r) for r in failed])),
    ]


async def _checkpoints(url: str, period: float) -> Check:
    """At most one interval checkpoint per period (``unix time // period``, the slots
    the queue schedules by): a run late enough to reach the next period is skipped."""
    rows = await _rows(url, "SELECT created_at FROM audit_checkpoint WHERE reason = 'interval' "
                            "ORDER BY created_at")
    slots: dict[int, int] = {}
    for r in rows:
        slot = int(r["created_at"].timestamp() // period)
        slots[slot] = slots.get(slot, 0) + 1
    twice = sorted(slot for slot, n in slots.items() if n > 1)
    return Check("one checkpoint per period", not twice,
                 f"{len(rows)} interval checkpoints in {len(slots)} periods of {period:.0f} s"
                 + (f"; periods with more than one: {twice[:8]}" if twice else ""))


async def _objects(url: str, store: Any, interrupted: int) -> list[Check]:
    columns = await _rows(url, """
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name LIKE '%sha256'""")
    referenced: set[str] = set()
    for c in columns:
        if c["column_name"] in _NOT_OBJECTS or c["table_name"] in _NOT_OBJECT_TABLES:
            continue
        rows = await _rows(url, f'SELECT DISTINCT "{c["column_name"]}" AS h FROM '
                                f'"{c["table_name"]}" WHERE "{c["column_name"]}" IS NOT NULL')
        referenced |= {r["h"] for r in rows}
    present = {o.object_name.rsplit("/", 1)[-1]
               for o in store._client.list_objects(store.bucket, prefix="sha256/", recursive=True)}
    missing = referenced - present
    orphans = present - referenced
    return [
        Check("no row without its object", not missing,
              f"{len(referenced)} referenced" + (f"; missing {sorted(missing)[:5]}"
                                                   if missing else "")),
        # An interrupted write (killed instance, store outage) may leave the object it had
        # stored before its transaction rolled back: at most one per interrupted request.
        Check("no object without a row (beyond interrupted writes)",
              len(orphans) <= interrupted,
              f"{len(present)} objects, {len(orphans)} unreferenced, "
              f"{interrupted} interrupted requests"),
    ]


def _server_errors(recorder: Recorder, outages: list[tuple[float, float]]) -> Check:
    bad = []
    during = 0
    for a in recorder.answers:
        if a.status < 500:
            continue
        if a.status == 503 and any(lo <= a.at <= hi for lo, hi in outages):
            during += 1
            continue
        bad.append((a.endpoint, a.status, round(a.at, 1), a.instance))
    return Check("no 5xx but 503 during an outage", not bad,
                 f"{during} 503 during outages" + (f"; other: {bad[:8]} (of {len(bad)})"
                                                    if bad else ""))


async def run_checks(
    cluster: Any, recorder: Recorder, outages: list[tuple[float, float]], store: Any,
    settled_at: datetime,
) -> list[Check]:
    url = cluster.database_url
    checks = [_server_errors(recorder, outages), _not_503(recorder)]
    checks += await _registers(url)
    checks += await _deliveries(url, settled_at)
    checks.append(await _checkpoints(url, cluster.checkpoint_minutes * 60))
    checks += await _objects(url, store, recorder.interrupted + _count_5xx(recorder))
    done = await asyncio.to_thread(cluster.cli, "audit", "verify")
    checks.append(Check("audit chain intact (docflow audit verify)", done.returncode == 0,
                        (done.stdout.strip().splitlines() or ["?"])[-1][:200]))
    return checks


def _not_503(recorder: Recorder) -> Check:
    """503 says "nothing was changed, try again" (a store or database away, a signing
    worker lost under overload); any other 5xx is a defect wherever it happens."""
    bad = [(a.endpoint, a.status, round(a.at, 1)) for a in recorder.answers
           if a.status >= 500 and a.status != 503]
    return Check("no 5xx other than 503", not bad, f"{len(bad)}: {bad[:8]}" if bad else "none")


def _count_5xx(recorder: Recorder) -> int:
    return sum(1 for a in recorder.answers if a.status >= 500)
