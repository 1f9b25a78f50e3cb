"""The trail of the outgoing and routing flows: exactly the events expected, readable by
auditors in their scope; a failure between the change and its event leaves neither."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import func, select

import docflow.core.audit_append
import docflow.documents.documents
from docflow.accounts.models_agency import Agency, Department
from docflow.app import create_app
from docflow.audit.sequencer import sequence_pending
from docflow.bootstrap import build_runtime
from docflow.core.audit_models import AuditEvent, AuditLog
from docflow.core.runtime import Runtime
from docflow.documents.models import Document
from docflow.transfers.routing import dispatch_document
from tests.integration.documents_support import login, seeded_settings, upload
from tests.integration.routing_support import STC, UBNDVT, issue_over_http, user_id
from tests.pki import tiny_pdf

#: What one document's trail holds after: upload, signature (prepare + complete), issue
#: with automatic dispatch to STC and UBNDVT, STC accepts (03: number, stamp), assigns (04) and
#: the assignee completes (05, 06); UBNDVT rejects. (action, transfer status) in order.
EXPECTED_FLOW = [
    ("document.created", None),
    ("document.signature_prepared", None),
    ("document.signed", None),
    ("document.issued", None),
    ("transfer.dispatched", None),
    ("transfer.status", "03"),
    ("transfer.stamped", None),
    ("transfer.status", "04"),
    ("transfer.status", "05"),
    ("transfer.status", "06"),
    ("transfer.status", "02"),
]


async def _events(client: AsyncTestClient, headers: dict[str, str], **params: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = {**params, "limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/audit/events", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_the_document_flow_leaves_exactly_the_expected_events(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings), timeout=300) as client:
            doc_id = await issue_over_http(client, [STC, UBNDVT], "Về việc kiểm toán nhật ký")
            await dispatch_document(runtime, doc_id)  # delivery (a no-op if issuance did it)
            stc_clerk = await login(client, "stc.clerk")
            vt_clerk = await login(client, "ubndvt.clerk")
            inbox = (await client.get("/api/v1/inbox", headers=stc_clerk)).json()["items"]
            stc_id = next(i["id"] for i in inbox if i["document_id"] == doc_id)
            inbox = (await client.get("/api/v1/inbox", headers=vt_clerk)).json()["items"]
            vt_id = next(i["id"] for i in inbox if i["document_id"] == doc_id)
            assert (
                await client.post(f"/api/v1/transfers/{stc_id}/accept", headers=stc_clerk)
            ).status_code == 200
            specialist = await user_id(runtime, "stc.specialist")
            assigned = await client.post(
                f"/api/v1/transfers/{stc_id}/assign",
                json={"user_id": specialist, "instructions": "Xử lý", "deadline": "2099-12-05"},
                headers=await login(client, "stc.leader"),
            )
            assert assigned.status_code == 200, assigned.text
            done = await client.post(
                f"/api/v1/transfers/{stc_id}/complete",
                headers=await login(client, "stc.specialist"),
            )
            assert done.status_code == 200, done.text
            rejected = await client.post(
                f"/api/v1/transfers/{vt_id}/reject", json={"reason": "Gửi nhầm"}, headers=vt_clerk
            )
            assert rejected.status_code == 200, rejected.text

            province = await login(client, "province.auditor")
            trail = await _events(client, province, document_id=doc_id)
            got = [
                (
                    e["action"],
                    e["details"].get("status") if e["action"] == "transfer.status" else None,
                )
                for e in trail
            ]
            assert got == EXPECTED_FLOW, got
            seqs = [e["seq"] for e in trail]
            assert seqs == sorted(seqs) and all(len(e["digest"]) == 64 for e in trail)
            # people's actions carry their HTTP request; background delivery has no actor
            assert all(e["request_id"] for e in trail if e["actor_user_id"] is not None)

            # The issuing agency's auditor sees the whole trail of its document: the
            # delivery and the recipients' receipts, assignments and refusals included.
            own = await _events(client, await login(client, "stttt.auditor"), document_id=doc_id)
            assert [e["action"] for e in own] == [a for a, _ in EXPECTED_FLOW]
            # A recipient's auditor: the issue, the dispatch and its own agency's transfer.
            stc = await _events(client, await login(client, "stc.auditor"), document_id=doc_id)
            assert [e["action"] for e in stc] == [a for a, _ in EXPECTED_FLOW[3:10]]
            # filters: action prefix, person, time range
            prefixed = await _events(client, province, document_id=doc_id, action="transfer.")
            assert len(prefixed) == 7
            by_clerk = await _events(
                client,
                province,
                user_id=await user_id(runtime, "stc.clerk"),
                action="transfer.status",
            )
            assert [e["details"]["status"] for e in by_clerk] == ["03"]
            first = trail[0]["occurred_at"]
            later = await _events(client, province, document_id=doc_id, **{"from": first})
            assert len(later) == len(trail)
            empty = await _events(client, province, document_id=doc_id, to=first)
            assert empty == []
            # the chain holds, and people who are not auditors cannot read it
            verified = await client.get("/api/v1/audit/verify", headers=province)
            assert verified.status_code == 200 and verified.json()["status"] == "ok"
            refused = await client.get("/api/v1/audit/events", headers=stc_clerk)
            assert refused.status_code == 403
    finally:
        await runtime.dispose()


async def _counts(runtime: Runtime) -> tuple[int, int, int]:
    await sequence_pending(runtime)  # as the background sequencer would
    async with runtime.session() as session:
        events = (await session.exec(select(func.count()).select_from(AuditEvent))).one()
        departments = (await session.exec(select(func.count()).select_from(Department))).one()
        docs = (await session.exec(select(func.count()).select_from(Document))).one()
        log = (await session.exec(select(func.count()).select_from(AuditLog))).one()
        assert log == events
        return int(events), int(departments), int(docs)


async def test_a_failure_between_change_and_event_leaves_neither(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            admin = await login(client, "stttt.admin")
            clerk_docs = await login(client, "stttt.specialist")
            async with runtime.session() as session:
                agency_id = (
                    await session.exec(select(Agency.id).where(Agency.abbreviation == "STTTT"))
                ).one()
            before = await _counts(runtime)

            # 1. The change is made, then appending its event fails: nothing is stored.
            def broken_digest(*fields: Any) -> bytes:
                raise RuntimeError("injected failure while appending the event")

            monkeypatch.setattr(docflow.core.audit_append, "canonical_event_bytes", broken_digest)
            response = await client.post(
                f"/api/v1/agencies/{agency_id}/departments",
                json={"name": "Phòng Thử lỗi"},
                headers=admin,
            )
            assert response.status_code == 500
            monkeypatch.undo()
            assert await _counts(runtime) == before

            # 2. The event is appended, then the change fails before commit: nothing stored.
            real = docflow.documents.documents.record_event

            async def event_then_failure(*args: Any, **kwargs: Any) -> Any:
                await real(*args, **kwargs)
                raise RuntimeError("injected failure after the event, before the commit")

            monkeypatch.setattr(docflow.documents.documents, "record_event", event_then_failure)
            response = await upload(client, clerk_docs, tiny_pdf())
            assert response.status_code == 500
            monkeypatch.undo()
            assert await _counts(runtime) == before

            # and with nothing injected, both land together
            response = await client.post(
                f"/api/v1/agencies/{agency_id}/departments",
                json={"name": "Phòng Thử lỗi"},
                headers=admin,
            )
            assert response.status_code == 201, response.text
            events, departments, docs = await _counts(runtime)
            assert (events, departments, docs) == (before[0] + 1, before[1] + 1, before[2])
            verified = await client.get("/api/v1/audit/verify", headers=admin)
            assert verified.json()["status"] == "ok", verified.text
    finally:
        await runtime.dispose()
