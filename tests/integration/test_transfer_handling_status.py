"""The handling statuses as real systems use them (issue 14), on SQLite and PostgreSQL:
accept → 03, assign → 04, the assignee starts → 05 (``POST /transfers/{id}/start``;
403 for others, 409 from any status but 04, with the reason), complete → 06; completing
an assigned transfer that was not started records 05 then 06, both by the assignee."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.transfers.models import Transfer, TransferEvent
from docflow.transfers.routing import dispatch_document
from docflow.transfers.status_signing import verify_status_event
from tests.integration.documents_support import login, seeded_settings
from tests.integration.routing_support import STC, UBNDVT, issue_directly, user_id


def statuses(view: dict[str, Any]) -> list[str]:
    return [e["status"] for e in view["timeline"]]


async def test_accept_03_assign_04_start_05_complete_06(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        doc_id = await issue_directly(runtime, "STTTT", [STC, UBNDVT])
        await dispatch_document(runtime, doc_id)
        async with runtime.session() as session:
            rows = (
                await session.exec(select(Transfer).where(Transfer.document_id == doc_id))
            ).all()
            ids = {t.recipient_code: t.id for t in rows}
        stc, vt = ids[STC], ids[UBNDVT]
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            clerk = await login(client, "stc.clerk")
            leader = await login(client, "stc.leader")
            specialist = await login(client, "stc.specialist")
            sender = await login(client, "stttt.clerk")

            accepted = await client.post(f"/api/v1/transfers/{stc}/accept", headers=clerk)
            assert accepted.status_code == 200, accepted.text
            assert accepted.json()["status"] == "03" and statuses(accepted.json()) == ["01", "03"]
            # Nothing to start before a leader assigns it.
            early = await client.post(f"/api/v1/transfers/{stc}/start", headers=clerk)
            assert early.status_code == 409, early.text
            assert "assigned transfer (04)" in early.json()["detail"]
            assert "03" in early.json()["detail"]

            assigned = await client.post(
                f"/api/v1/transfers/{stc}/assign",
                json={"user_id": await user_id(runtime, "stc.specialist"),
                      "instructions": "Chủ trì xử lý"},
                headers=leader,
            )
            assert assigned.status_code == 200, assigned.text
            assert assigned.json()["status"] == "04"
            assert assigned.json()["status_label"] == "Lãnh đạo đã phân công xử lý"
            # Assigning again is not a transition the table has.
            again = await client.post(
                f"/api/v1/transfers/{stc}/assign",
                json={"user_id": await user_id(runtime, "stc.specialist")}, headers=leader,
            )
            assert again.status_code == 409 and "04" in again.json()["detail"], again.text

            # Neither the leader (not the assignee, not a clerk) nor the sender may start it.
            for headers in (leader, sender):
                refused = await client.post(f"/api/v1/transfers/{stc}/start", headers=headers)
                assert refused.status_code == 403, refused.text
                assert "assignee" in refused.json()["detail"]
            assert (await client.get(f"/api/v1/transfers/{stc}", headers=clerk)).json()[
                "status"
            ] == "04"

            started = await client.post(f"/api/v1/transfers/{stc}/start", headers=specialist)
            assert started.status_code == 200, started.text
            body = started.json()
            assert body["status"] == "05" and body["status_label"] == "Đang xử lý"
            assert statuses(body) == ["01", "03", "04", "05"]
            assert body["timeline"][-1]["by"] == "Lý Thị Mỹ Duyên"
            assert not any(e["old_meaning"] for e in body["timeline"])
            twice = await client.post(f"/api/v1/transfers/{stc}/start", headers=specialist)
            assert twice.status_code == 409 and "05" in twice.json()["detail"], twice.text

            done = await client.post(f"/api/v1/transfers/{stc}/complete", headers=specialist)
            assert done.status_code == 200, done.text
            assert statuses(done.json()) == ["01", "03", "04", "05", "06"]

            # UBNDVT: the assignee completes without starting: 05 then 06, both theirs.
            vt_clerk = await login(client, "ubndvt.clerk")
            assert (await client.post(f"/api/v1/transfers/{vt}/accept",
                                      headers=vt_clerk)).status_code == 200
            vt_assignee = await user_id(runtime, "ubndvt.specialist")
            assert (await client.post(
                f"/api/v1/transfers/{vt}/assign", json={"user_id": vt_assignee},
                headers=await login(client, "ubndvt.leader"),
            )).status_code == 200
            completed = await client.post(f"/api/v1/transfers/{vt}/complete",
                                          headers=await login(client, "ubndvt.specialist"))
            assert completed.status_code == 200, completed.text
            view = completed.json()
            assert view["status"] == "06"
            assert statuses(view) == ["01", "03", "04", "05", "06"]
            assert view["timeline"][3]["by"] == view["timeline"][4]["by"]
            assert view["timeline"][3]["at"] <= view["timeline"][4]["at"]

        async with runtime.session() as session:
            events = (
                await session.exec(
                    select(TransferEvent)
                    .where(col(TransferEvent.transfer_id).in_([stc, vt]))
                    .order_by(col(TransferEvent.id))
                )
            ).all()
        assert all(verify_status_event(e) for e in events)
        assert {e.actor_user_id for e in events if e.transfer_id == vt and e.status in (
            "05", "06")} == {vt_assignee}
    finally:
        await runtime.dispose()
