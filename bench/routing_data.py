"""The data ``bench/routing.py`` and ``bench/serve.py`` load: extra agencies with dev
seals, and a bulk of transfers written by COPY (documents each to STC and 9 of them)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

DEV_SEALS = ("stc", "ubndvt", "ubndct", "vp", "ubnd")


async def add_agencies(runtime: Any, count: int) -> list[str]:
    """``count`` agencies B001.. with codes ``NNN.09.00.H30`` and (dev) seal keys."""
    from docflow.accounts.models_agency import Agency, AgencyCode
    from docflow.devpki import dev_signer

    codes = []
    async with runtime.session() as session:
        for i in range(1, count + 1):
            seal = DEV_SEALS[i % len(DEV_SEALS)]
            agency = Agency(
                name=f"Cơ quan thử nghiệm {i:03d}", abbreviation=f"B{i:03d}",
                seal_certificate_pem=dev_signer(seal)[1].decode(), seal_key_ref=f"devpki:{seal}",
            )
            session.add(agency)
            await session.flush()
            code = f"{i:03d}.09.00.H30"
            session.add(AgencyCode(code=code, agency_id=agency.id))  # type: ignore[arg-type]
            codes.append(code)
        await session.commit()
    return codes


async def fill_transfers(runtime: Any, url: str, bench_codes: list[str], total: int) -> int:
    """``total`` transfers by COPY: documents each to STC and 9 bench agencies."""
    import asyncpg
    from sqlmodel import select

    from docflow.accounts.models_agency import Agency, AgencyCode
    from docflow.accounts.models_user import User
    from docflow.documents.models import DocumentVersion

    async with runtime.session() as session:
        agencies = {a.abbreviation: a.id for a in (await session.exec(select(Agency))).all()}
        code_of = {c.agency_id: c.code for c in (await session.exec(select(AgencyCode))).all()}
        clerk = (await session.exec(select(User).where(User.username == "stttt.clerk"))).one()
        version = (await session.exec(select(DocumentVersion).limit(1))).one()
    stc = agencies["STC"]
    senders = [agencies[a] for a in ("STTTT", "UBND", "VP", "UBNDVT", "UBNDCT")]
    bench_ids = [agencies[f"B{i:03d}"] for i in range(1, len(bench_codes) + 1)]
    rng = random.Random(6)
    urgencies = ["normal"] * 6 + ["khan"] * 2 + ["thuong_khan", "hoa_toc"]
    priority = {"normal": 0, "khan": 1, "thuong_khan": 2, "hoa_toc": 3}
    statuses = ["01", "04", "05", "06", "02"]
    words = ["Về việc", "triển khai", "kế hoạch", "chuyển đổi số", "ngân sách", "báo cáo",
             "phòng chống", "thiên tai", "đầu tư công", "cải cách hành chính"]
    extra_columns, extra_values = _document_defaults(clerk.id)
    docs_n = total // 10
    base_id = 1_000_000
    start_time = datetime(2026, 1, 1, tzinfo=UTC)
    documents, versions, transfers = [], [], []
    tid = base_id
    for i in range(docs_n):
        did = base_id + i
        sender = rng.choice(senders)
        urgency = rng.choice(urgencies)
        issued = start_time + timedelta(seconds=rng.randrange(0, 330 * 86400))
        subject = " ".join(rng.sample(words, 5)) + f" số {i}"
        documents.append((did, sender, clerk.id, "cong_van", subject, urgency, "none", clerk.id,
                          "[]", "[]", "{}", "issued", i + 1, f"{i + 1:02d}/BENCH", issued,
                          issued, *extra_values))
        versions.append((did, did, 1, version.sha256, version.object_key, version.size,
                         "issuance", issued))
        for recipient in [stc, *rng.sample(bench_ids, 9)]:
            status = rng.choice(statuses)
            transfers.append((tid, did, did, sender, recipient, code_of[sender],
                              code_of.get(recipient, "x"), 0, priority[urgency], status,
                              rng.random() > 0.02, "passed",
                              issued + timedelta(minutes=rng.randrange(1, 600)),
                              3 if status != "01" else 1))
            tid += 1
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.copy_records_to_table(
            "document", records=documents,
            columns=["id", "agency_id", "created_by_id", "document_type", "subject", "urgency",
                     "confidentiality", "signer_id", "recipients", "named_reader_ids", "layout",
                     "state", "number", "symbol", "issued_at", "created_at", *extra_columns])
        await conn.copy_records_to_table(
            "document_version", records=versions,
            columns=["id", "document_id", "version", "sha256", "object_key", "size",
                     "produced_by", "created_at"])
        await conn.copy_records_to_table(
            "transfer", records=transfers,
            columns=["id", "document_id", "version_id", "sender_agency_id",
                     "recipient_agency_id", "sender_code", "recipient_code", "business_type",
                     "priority", "status", "active", "verification", "arrived_at", "last_seq"])
        for table in ("document", "document_version", "transfer"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return sum(1 for t in transfers if t[4] == stc)


def _document_defaults(user_id: int) -> tuple[list[str], list[Any]]:
    """Values of the document columns the loader does not set (the model's defaults), so
    the bulk load follows the model as it grows."""
    import json

    from docflow.documents.models import Document

    known = {"id", "agency_id", "created_by_id", "document_type", "subject", "urgency",
             "confidentiality", "signer_id", "recipients", "named_reader_ids", "layout",
             "state", "number", "symbol", "issued_at", "created_at"}
    template = Document(agency_id=0, created_by_id=user_id, document_type="cong_van",
                        subject="", signer_id=user_id)
    columns, values = [], []
    for column in Document.__table__.columns:  # type: ignore[attr-defined]
        value = getattr(template, column.name, None)
        if column.name in known or (value is None and column.nullable):
            continue
        columns.append(column.name)
        values.append(json.dumps(value) if isinstance(value, list | dict) else value)
    return columns, values
