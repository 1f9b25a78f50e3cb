"""The dashboard tests' world: documents issued between demo agencies and handled through
the real services, with known deadlines and completions, and the figures they must give.

At STC (from STTTT): A completed before its deadline (tomorrow), B completed after its
deadline (yesterday), C past its deadline (yesterday) and open, D arrived with a
tampered file (verdict failed, never accepted). At UBNDVT: A assigned to its office
(department only) with yesterday's deadline, open. STTTT issued the four documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlmodel import select

from docflow.accounts.models_agency import Agency, Department
from docflow.core.runtime import Runtime
from docflow.dashboard.period import vn_today
from docflow.transfers.models import Transfer
from docflow.transfers.routing import dispatch_document
from tests.integration.documents_support import login
from tests.integration.routing_support import STC, UBNDVT, issue_directly, user_id


@dataclass(frozen=True)
class Made:
    """What the scenario made: agency ids, the STC specialist's id, handling seconds."""

    agencies: dict[str, int]
    specialist_id: int
    #: arrival → completion of STC's two completed transfers, in seconds.
    handled: tuple[float, float]
    first: date
    last: date


def _tampered(sealed: Path, target: Path) -> Path:
    data = bytearray(sealed.read_bytes())
    at = data.index(b"/MediaBox")  # inside the signed byte range
    data[at + 1 : at + 2] = b"m"
    target.write_bytes(bytes(data))
    return target


async def _transfers(runtime: Runtime, doc: int) -> dict[str, int]:
    async with runtime.session() as session:
        rows = (await session.exec(select(Transfer).where(Transfer.document_id == doc))).all()
        return {t.recipient_code: t.id for t in rows if t.id is not None}


async def _handle(client: AsyncTestClient, transfer: int, who: dict[str, dict[str, str]],
                  assign: dict[str, Any], complete: bool) -> None:
    accepted = await client.post(f"/api/v1/transfers/{transfer}/accept", headers=who["clerk"])
    assert accepted.status_code == 200, accepted.text
    assigned = await client.post(f"/api/v1/transfers/{transfer}/assign", json=assign,
                                 headers=who["leader"])
    assert assigned.status_code == 200, assigned.text
    if complete:
        done = await client.post(f"/api/v1/transfers/{transfer}/complete",
                                 headers=who["specialist"])
        assert done.status_code == 200, done.text


async def make_scenario(runtime: Runtime, client: AsyncTestClient, tmp_path: Path) -> Made:
    today = vn_today()
    yesterday, tomorrow = (today - timedelta(days=1)).isoformat(), (
        today + timedelta(days=1)).isoformat()
    sealed = tmp_path / "sealed.pdf"
    a = await issue_directly(runtime, "STTTT", [STC, UBNDVT], number=1, signed_file=sealed)
    b = await issue_directly(runtime, "STTTT", [STC], number=2, signed_file=sealed)
    c = await issue_directly(runtime, "STTTT", [STC], number=3, signed_file=sealed)
    d = await issue_directly(runtime, "STTTT", [STC], number=4,
                             signed_file=_tampered(sealed, tmp_path / "tampered.pdf"))
    for doc in (a, b, c, d):
        await dispatch_document(runtime, doc)
    specialist = await user_id(runtime, "stc.specialist")
    stc = {role: await login(client, f"stc.{role}") for role in ("clerk", "leader", "specialist")}
    first = await _transfers(runtime, a)
    await _handle(client, first[STC], stc, {"user_id": specialist, "deadline": tomorrow}, True)
    await _handle(client, (await _transfers(runtime, b))[STC], stc,
                  {"user_id": specialist, "deadline": yesterday}, True)
    await _handle(client, (await _transfers(runtime, c))[STC], stc,
                  {"user_id": specialist, "deadline": yesterday}, False)
    async with runtime.session() as session:
        agencies = {x.abbreviation: x.id for x in (await session.exec(select(Agency))).all()}
        office = (await session.exec(select(Department.id).where(
            Department.agency_id == agencies["UBNDVT"]))).first()
        done = (await session.exec(select(Transfer).where(
            Transfer.completed_at.is_not(None)))).all()  # type: ignore[union-attr]
    vt = {role: await login(client, f"ubndvt.{role}") for role in ("clerk", "leader")}
    await _handle(client, first[UBNDVT], vt, {"department_id": office, "deadline": yesterday},
                  False)
    handled = tuple(sorted((t.completed_at - t.arrived_at).total_seconds() for t in done
                           if t.completed_at))
    assert len(handled) == 2
    return Made({k: v for k, v in agencies.items() if v is not None}, specialist,
                (handled[0], handled[1]), today - timedelta(days=2), today + timedelta(days=2))
