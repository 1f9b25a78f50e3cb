"""200 accepts at once across five recipient agencies (PostgreSQL): every agency's
incoming numbers run 1..N with no gap and no duplicate, and every transfer is
accepted once. The stamp (a signature per accept) is left out to keep this about the
numbering; the e2e test pins the stamp."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from pathlib import Path

from sqlmodel import select

from docflow.accounts.models_agency import Agency
from docflow.bootstrap import build_runtime
from docflow.documents.models import RegisterCounter
from docflow.transfers.models import Transfer, TransferEvent
from docflow.transfers.routing import dispatch_document
from docflow.transfers.transfers import INCOMING_SERIES, accept_transfer
from tests.integration.documents_support import seeded_settings
from tests.integration.routing_support import STC, UBNDCT, UBNDVT, issue_directly, principal_of
from tests.services import PostgresDatabase

RECIPIENTS = {"000.00.00.H30": "ubnd", "000.01.00.H30": "vp", STC: "stc", UBNDVT: "ubndvt",
              UBNDCT: "ubndct"}
DOCUMENTS = 40


async def test_concurrent_accepts_keep_incoming_numbers_gapless(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    settings = await seeded_settings(postgres_database.url, tmp_path)
    runtime = build_runtime(settings)
    try:
        sealed = tmp_path / "sealed.pdf"
        for number in range(1, DOCUMENTS + 1):
            doc = await issue_directly(runtime, "STTTT", list(RECIPIENTS), number=number,
                                       signed_file=sealed)
            await dispatch_document(runtime, doc)
        async with runtime.session() as session:
            transfers = (await session.exec(select(Transfer))).all()
        assert len(transfers) == DOCUMENTS * len(RECIPIENTS) == 200
        clerks = {
            code: await principal_of(runtime, f"{abbrev}.clerk")
            for code, abbrev in RECIPIENTS.items()
        }
        work = [(clerks[t.recipient_code], t.id) for t in transfers]
        random.Random(6).shuffle(work)
        # Each transfer is also accepted a second time at once: exactly one wins.
        calls = [accept_transfer(runtime, p, tid, stamp=False) for p, tid in work]
        calls += [accept_transfer(runtime, p, tid, stamp=False) for p, tid in work[:20]]
        results = await asyncio.gather(*calls, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        assert len(failures) == 20, failures[:3]
        assert all("cannot move to 03" in str(f) for f in failures), failures[:3]

        async with runtime.session() as session:
            rows = (await session.exec(select(Transfer))).all()
            counters = {
                c.agency_id: c.last_number
                for c in (
                    await session.exec(
                        select(RegisterCounter).where(RegisterCounter.series == INCOMING_SERIES)
                    )
                ).all()
            }
            agencies = {a.id: a.abbreviation for a in (await session.exec(select(Agency))).all()}
            events = (await session.exec(select(TransferEvent))).all()
        numbers: dict[int, list[int]] = defaultdict(list)
        for t in rows:
            assert t.status == "03" and t.incoming_number is not None
            numbers[t.recipient_agency_id].append(t.incoming_number)
        assert len(numbers) == len(RECIPIENTS)
        for agency_id, got in numbers.items():
            assert sorted(got) == list(range(1, DOCUMENTS + 1)), agencies[agency_id]
            assert counters[agency_id] == DOCUMENTS
        per_transfer: dict[int, list[int]] = defaultdict(list)
        for e in events:
            per_transfer[e.transfer_id].append(e.seq)
        assert all(sorted(s) == [1, 2] for s in per_transfer.values())  # 01 arrived, 03 accepted
    finally:
        await runtime.dispose()
