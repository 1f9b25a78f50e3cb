"""Benchmark: the audit trail's cost and speed, and the size of an evidence bundle.

    .venv/bin/python -P bench/audit.py [--appends 2000] [--clients 8] [--events 1000000]
                                       [--sequence-seconds 1] [--database-url URL]
                                       [--sqlite-only]

(``-P``: bench/storage.py must not shadow the ``storage`` package.)

1. Appends at load: 1 and ``--clients`` concurrent writers append ``--appends`` events,
   each in its own transaction through ``docflow.core.audit_append.record_event`` (the
   event and its digest) while the sequencer runs every ``--sequence-seconds`` in the
   same process and chains them, as in the app; against the same rows inserted into a copy
   of the event table (same concurrency, one transaction each), in 3 alternating rounds
   (best of each). Ratio = chained / plain throughput (goal >= 0.8); then the time from
   each event's insert to the end of the sequencer run that chained it, p50/p99/max
   (goal: every event within 2 s).
2. Verifying ``--events`` events with ``verify_trail`` (every digest, link and Merkle
   subtree, the checkpoints and their store copies; goal <= 10 s on 2 cores); the log
   is generated with bulk inserts first, then a checkpoint signs it.
   Then the audit page's heading from the check on record (``page_summary``), which
   each view pays now instead of a whole check.
3. The size of the evidence bundle of a document with 10 versions and 50 events.

On SQLite (a temporary file) and on PostgreSQL (a fresh database on the test server,
or ``--database-url``) when reachable. Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password"


def _runtime(url: str, data_dir: Path) -> Any:
    from docflow.bootstrap import build_runtime
    from docflow.core.settings import Settings

    return build_runtime(
        Settings.from_env({"DOCFLOW_DATA_DIR": str(data_dir), "DOCFLOW_DATABASE_URL": url})
    )


async def generate_chain(runtime: Any, total: int) -> float:
    """Append events up to ``total`` after the current log with bulk inserts (event rows
    with their digests, log rows with the chain)."""
    from sqlalchemy import insert, text

    from docflow.audit.checkpoints import log_head
    from docflow.audit.sequencer import sequence_pending
    from docflow.core.audit_digest import canonical_event_bytes, chain_next
    from docflow.core.audit_models import AuditEvent, AuditLog

    start = time.perf_counter()
    await sequence_pending(runtime, full=True)
    async with runtime.sessions() as session:
        position, previous = await log_head(session)
        top = (await session.exec(text("SELECT COALESCE(MAX(seq), 0) FROM audit_event"))).one()  # type: ignore[call-overload]
    offset = int(top[0]) - position  # event numbers run ahead of positions
    seq = position
    base = datetime(2026, 1, 1, tzinfo=UTC)
    batch = 20_000
    events = AuditEvent.__table__  # type: ignore[attr-defined]
    log = AuditLog.__table__  # type: ignore[attr-defined]
    while seq < total:
        rows, links = [], []
        for _ in range(min(batch, total - seq)):
            seq += 1
            when = base + timedelta(microseconds=seq * 1000)
            details = {"sha256": f"{seq:064x}", "n": seq}
            content = (when, seq % 500, seq % 40, "bench.event", "document", str(seq // 50))
            body = canonical_event_bytes(*content, None, details)
            digest = hashlib.sha256(body).hexdigest()
            previous = chain_next(previous, digest)
            rows.append(
                {
                    "seq": seq + offset,
                    "occurred_at": when,
                    "actor_user_id": seq % 500,
                    "actor_agency_id": seq % 40,
                    "action": "bench.event",
                    "subject_type": "document",
                    "subject_id": str(seq // 50),
                    "request_id": None,
                    "details": details,
                    "digest": digest,
                }
            )
            links.append(
                {"position": seq, "event_seq": seq + offset, "digest": digest, "chain": previous}
            )
        async with runtime.engine.begin() as conn:
            await conn.execute(insert(events), rows)
            await conn.execute(insert(log), links)
    from docflow.audit import sequencer

    sequencer._floors.pop(runtime.engine.sync_engine, None)  # rows written around it
    if runtime.engine.dialect.name == "postgresql":  # numbers given here: move on past them
        async with runtime.engine.begin() as conn:
            await conn.execute(
                text("SELECT setval('audit_event_seq_seq', :next, false)"),
                {"next": seq + offset + 1},
            )
    return time.perf_counter() - start


async def bench_verify(runtime: Any) -> tuple[int, float, str]:
    from docflow.audit.verify import verify_trail

    start = time.perf_counter()
    status = await verify_trail(runtime)
    body = status.to_dict()
    label = (
        body["status"]
        if body["first_broken"] is None
        else f"{body['status']} {body['first_broken']}"
    )
    return status.events_checked, time.perf_counter() - start, label


async def bench_page_heading(runtime: Any) -> float:
    """Median seconds of the audit page's heading (``page_summary``) once a check is on
    record: what each view costs now instead of a whole ``verify_trail``."""
    from docflow.audit.verifications import page_summary, record_verification

    await record_verification(runtime, "interval")
    times = []
    for _ in range(20):
        start = time.perf_counter()
        async with runtime.session() as session:  # the page's own session
            await page_summary(runtime, session, 1, "vi")
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


async def bench_bundle(runtime: Any, work: Path) -> tuple[int, int, int]:
    """(bundle bytes, versions, document events) for a document of 10 versions, 50 events."""
    from sqlmodel import select

    import signing
    from docflow.accounts.models_agency import Agency
    from docflow.accounts.models_user import Role, User
    from docflow.accounts.permissions import Principal
    from docflow.audit.bundle import build_bundle
    from docflow.cli.demo import seed_demo
    from docflow.core.audit_append import record_event
    from docflow.devpki import dev_signer
    from docflow.documents.models import Document, DocumentVersion
    from tests.pki import tiny_pdf

    await asyncio.to_thread(runtime.store.ensure_ready)
    async with runtime.transaction() as session:
        await seed_demo(session, PASSWORD)
    key, cert, chain = dev_signer("STTTT")
    signer = await signing.async_load_signer(
        signing.PemSource(key=key, certificate=cert, chain=tuple(chain))
    )
    current = tiny_pdf()
    files = [current]
    for i in range(9):  # each version a new revision of the one before: 9 seals
        out = work / f"v{i + 2}.pdf"
        await signing.async_sign_pdf(
            current, out, signing.SignRequest(level="B-B", field_name=f"Seal{i}"), signer
        )
        current = out.read_bytes()
        files.append(current)
    async with runtime.sessions() as session:
        agency = (await session.exec(select(Agency).where(Agency.abbreviation == "STTTT"))).one()
        clerk = (await session.exec(select(User).where(User.username == "stttt.clerk"))).one()
        document = Document(
            agency_id=agency.id,
            created_by_id=clerk.id,
            document_type="cong_van",
            subject="Bench",
            signer_id=clerk.id,
            recipients=[],
        )
        session.add(document)
        await session.flush()
        for n, data in enumerate(files, start=1):
            path = work / f"store-{n}.pdf"
            path.write_bytes(data)
            stored = await asyncio.to_thread(
                runtime.store.put_file, path, expected_sha256=hashlib.sha256(data).hexdigest()
            )
            session.add(
                DocumentVersion(
                    document_id=document.id,
                    version=n,
                    sha256=stored.sha256,
                    object_key=stored.key,
                    size=stored.size,
                    produced_by="upload",
                    actor_id=clerk.id,
                )
            )
        doc_id = document.id
        await session.commit()
    for i in range(50):
        async with runtime.sessions() as session:
            sha = hashlib.sha256(files[min(i, 9)]).hexdigest()
            await record_event(
                session,
                "document.bench_step",
                subject_type="document",
                subject_id=doc_id,
                details={"sha256": sha, "step": i},
            )
            await session.commit()
    auditor = Principal(
        user_id=clerk.id,
        username="bench",
        agency_id=agency.id,  # type: ignore[arg-type]
        department_id=None,
        roles=frozenset({Role.AUDITOR}),
    )
    target = work / "bundle.zip"
    await build_bundle(runtime, auditor, doc_id, target, work)  # type: ignore[arg-type]
    return target.stat().st_size, len(files), 50


async def run_one(label: str, url: str, args: argparse.Namespace, tmp: Path) -> None:
    from bench.audit_appends import ROUNDS, bench_appends
    from docflow.core.migrate import upgrade

    await asyncio.to_thread(upgrade, url)
    runtime = _runtime(url, tmp)
    try:
        for clients in sorted({1, args.clients}):
            chained, plain, waits = await bench_appends(
                runtime, args.appends, clients, args.sequence_seconds
            )
            print(
                f"[{label}] appends, {clients} concurrent writer(s), {args.appends} events, one "
                f"transaction each, best of {ROUNDS}: chained {chained:,.0f}/s, plain inserts "
                f"{plain:,.0f}/s, ratio {chained / plain:.2f} (goal >= 0.8)"
            )
            p50, p99 = waits[len(waits) // 2], waits[min(len(waits) - 1, len(waits) * 99 // 100)]
            print(
                f"[{label}]   insert to sequenced (sequencer every {args.sequence_seconds:g} s):"
                f" p50 {p50 * 1000:,.0f} ms, p99 {p99 * 1000:,.0f} ms, max "
                f"{waits[-1] * 1000:,.0f} ms (goal: every event within 2 s)"
            )
        size, versions, events = await bench_bundle(runtime, tmp)
        print(
            f"[{label}] evidence bundle of a document with {versions} versions, {events} events: "
            f"{size:,} bytes ({size / 1024:.0f} KiB)"
        )
        generated = await generate_chain(runtime, args.events)
        from docflow.audit.checkpoints import create_checkpoint

        signing_started = time.perf_counter()
        await create_checkpoint(runtime)
        signed_in = time.perf_counter() - signing_started
        print(
            f"[{label}] checkpoint of {args.events:,} events (tree from the previous "
            f"checkpoint, signature, timestamp, store copy): {signed_in:.2f} s"
        )
        checked, seconds, status = await bench_verify(runtime)
        print(
            f"[{label}] verify chain: {checked:,} events in {seconds:.2f} s "
            f"({checked / seconds:,.0f} events/s; status {status}; goal <= 10 s for 1,000,000); "
            f"generated in {generated:.1f} s"
        )
        heading = await bench_page_heading(runtime)
        print(
            f"[{label}] audit page heading from the check on record: median {heading * 1000:.1f} "
            f"ms over 20 views, against {seconds:.2f} s for the whole check it ran per view "
            f"before (x{seconds / heading:,.0f})"
        )
    finally:
        await runtime.dispose()


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="docflow-bench-audit-") as name:
        tmp = Path(name)
        (tmp / "sqlite").mkdir()
        await run_one(
            "sqlite", f"sqlite+aiosqlite:///{tmp / 'sqlite' / 'bench.db'}", args, tmp / "sqlite"
        )
        if args.sqlite_only:
            return
        url, pg = args.database_url, None
        if url is None:
            from tests.services import (
                create_postgres_database,
                drop_postgres_database,
                postgres_available,
            )

            ok, reason = await asyncio.to_thread(postgres_available)
            if not ok:
                print(f"[postgresql] skipped: {reason}")
                return
            pg = await asyncio.to_thread(create_postgres_database)
            url = pg.url
        try:
            (tmp / "pg").mkdir()
            await run_one("postgresql", url, args, tmp / "pg")
        finally:
            if pg is not None:
                await asyncio.to_thread(drop_postgres_database, pg)


def main() -> None:
    import logging

    logging.disable(logging.WARNING)  # pyHanko's "no document timestamps" notes too
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sequence-seconds", type=float, default=1.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--sqlite-only", action="store_true")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
