"""The routing rules on SQLite and PostgreSQL: refusals answer 4xx with a reason and
change nothing; status events are signed by the emitting agency and a changed field
fails verification; the inbox orders urgent first, then newest, filters and pages."""

from __future__ import annotations

import asyncio
from pathlib import Path

from litestar.testing import AsyncTestClient
from sqlmodel import col, func, select

from docflow.accounts.models_agency import Agency
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.audit_models import AuditEvent
from docflow.core.runtime import Runtime
from docflow.documents.models import RegisterCounter
from docflow.transfers.models import Transfer, TransferEvent
from docflow.transfers.routing import dispatch_document
from docflow.transfers.status_signing import event_signed_by, verify_status_event
from tests.integration.documents_support import login, seeded_settings
from tests.integration.routing_support import STC, UBNDCT, UBNDVT, issue_directly


async def _transfers(runtime: Runtime, doc_id: int) -> dict[str, Transfer]:
    async with runtime.session() as session:
        rows = (await session.exec(select(Transfer).where(Transfer.document_id == doc_id))).all()
        return {t.recipient_code: t for t in rows}


async def _snapshot(runtime: Runtime) -> tuple[object, ...]:
    async with runtime.session() as session:
        transfers = (
            await session.exec(select(Transfer).order_by(col(Transfer.id)))
        ).all()
        events = (await session.exec(select(func.count()).select_from(TransferEvent))).one()
        counters = (await session.exec(select(RegisterCounter))).all()
        return (
            [(t.id, t.status, t.last_seq, t.incoming_number, t.active) for t in transfers],
            events,
            sorted((c.agency_id, c.series, c.last_number) for c in counters),
        )


async def test_bad_requests_answer_4xx_with_a_reason_and_change_nothing(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        doc_id = await issue_directly(runtime, "STTTT", [STC, UBNDVT])
        await dispatch_document(runtime, doc_id)
        transfers = await _transfers(runtime, doc_id)
        stc, vt = transfers[STC].id, transfers[UBNDVT].id
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            stc_clerk = await login(client, "stc.clerk")
            vt_clerk = await login(client, "ubndvt.clerk")
            vt_leader = await login(client, "ubndvt.leader")
            sender_clerk = await login(client, "stttt.clerk")
            ok = await client.post(f"/api/v1/transfers/{stc}/accept", headers=stc_clerk)
            assert ok.status_code == 200, ok.text
            before = await _snapshot(runtime)

            refusals = [
                # accepting twice
                (await client.post(f"/api/v1/transfers/{stc}/accept", headers=stc_clerk), 409),
                # acting on a transfer of another agency (a stranger: not even "it exists")
                (await client.post(f"/api/v1/transfers/{stc}/accept", headers=vt_clerk), 404),
                (await client.post(f"/api/v1/transfers/{stc}/reject", json={"reason": "x"},
                                   headers=vt_clerk), 404),
                (await client.get(f"/api/v1/transfers/{stc}", headers=vt_clerk), 404),
                # the sender cannot act for the recipient
                (await client.post(f"/api/v1/transfers/{vt}/accept", headers=sender_clerk), 403),
                # a leader does not accept; a clerk does not assign
                (await client.post(f"/api/v1/transfers/{vt}/accept", headers=vt_leader), 403),
                (await client.post(f"/api/v1/transfers/{vt}/assign", json={"user_id": 1},
                                   headers=vt_clerk), 403),
                # transitions the table forbids: complete / assign an arrived transfer,
                # answer a recall nobody asked for
                (await client.post(f"/api/v1/transfers/{vt}/complete", headers=vt_clerk), 409),
                (await client.post(
                    f"/api/v1/transfers/{vt}/assign",
                    json={"department_id": await _department_of(runtime, "UBNDVT")},
                    headers=vt_leader), 409),
                (await client.post(f"/api/v1/transfers/{vt}/recall/accept", headers=vt_clerk),
                 409),
                # reasons: missing, blank, over the limit
                (await client.post(f"/api/v1/transfers/{vt}/reject", json={},
                                   headers=vt_clerk), 422),
                (await client.post(f"/api/v1/transfers/{vt}/reject", json={"reason": "   "},
                                   headers=vt_clerk), 422),
                (await client.post(f"/api/v1/transfers/{vt}/reject",
                                   json={"reason": "x" * 1001}, headers=vt_clerk), 422),
                (await client.post(f"/api/v1/documents/{doc_id}/recall",
                                   json={"reason": "y" * 1001}, headers=sender_clerk), 422),
                # a recipient cannot recall the sender's document
                (await client.post(f"/api/v1/documents/{doc_id}/recall",
                                   json={"reason": "Sai"}, headers=vt_clerk), 404),
                # filters that make no sense
                (await client.get("/api/v1/inbox", params={"status": "99"}, headers=vt_clerk),
                 422),
                (await client.get("/api/v1/inbox", params={"cursor": "garbage"},
                                  headers=vt_clerk), 422),
            ]
            for number, (response, expected) in enumerate(refusals):
                assert response.status_code == expected, (number, response.text)
                assert response.json()["detail"], number
            assert "1000" in refusals[12][0].json()["detail"]
            assert await _snapshot(runtime) == before

            # Exactly 1000 characters is accepted.
            fine = await client.post(f"/api/v1/transfers/{vt}/reject",
                                     json={"reason": "z" * 1000}, headers=vt_clerk)
            assert fine.status_code == 200 and fine.json()["status"] == "02"
    finally:
        await runtime.dispose()


async def _department_of(runtime: Runtime, abbreviation: str) -> int:
    from docflow.accounts.models_agency import Department

    async with runtime.session() as session:
        agency = (
            await session.exec(select(Agency).where(Agency.abbreviation == abbreviation))
        ).one()
        return (
            await session.exec(select(Department.id).where(Department.agency_id == agency.id))
        ).first()  # type: ignore[return-value]


async def test_status_events_are_signed_by_the_emitting_agency_and_in_order(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        doc_id = await issue_directly(runtime, "STTTT", [STC])
        # Two dispatches at once and a retry: the recipient gets the document once.
        results = await asyncio.gather(
            dispatch_document(runtime, doc_id), dispatch_document(runtime, doc_id)
        )
        again = await dispatch_document(runtime, doc_id)
        assert sorted(len(r.created) for r in results) == [0, 1] and again.created == ()
        assert {r.total for r in (*results, again)} == {1}
        async with runtime.session() as session:
            event = (await session.exec(select(TransferEvent))).one()
            stc = (await session.exec(select(Agency).where(Agency.abbreviation == "STC"))).one()
            sttt = (await session.exec(select(Agency).where(Agency.abbreviation == "STTTT"))).one()
            audit = (
                await session.exec(
                    select(AuditEvent).where(AuditEvent.action == "transfer.dispatched")
                )
            ).one()
        assert event.seq == 1 and event.status == "01"
        assert event.from_code == STC and event.to_code == "000.02.00.H30"
        assert verify_status_event(event)
        assert event_signed_by(event, stc.seal_certificate_pem)
        assert not event_signed_by(event, sttt.seal_certificate_pem)
        assert audit.details["transfers"][0]["id"] == event.transfer_id
        for field, value in (
            ("status", "03"), ("reason", "changed"), ("actor", "someone"),
            ("from_code", UBNDCT), ("to_code", UBNDVT), ("document_id", doc_id + 1),
            ("transfer_id", event.transfer_id + 1),
            ("occurred_at", event.occurred_at.replace(microsecond=1)),
        ):
            tampered = event.model_copy(update={field: value})
            assert not verify_status_event(tampered), field
        forged = event.model_copy(update={"certificate_pem": sttt.seal_certificate_pem})
        assert not verify_status_event(forged)
    finally:
        await runtime.dispose()


async def test_inbox_lists_urgent_first_then_newest_filters_and_pages(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    signed = tmp_path / "sealed.pdf"
    try:
        plan = [
            ("STTTT", "normal", "Báo cáo tháng mười"),
            ("STTTT", "hoa_toc", "Phòng chống bão số 9"),
            ("UBND", "khan", "Kế hoạch chuyển đổi số"),
            ("STTTT", "normal", "Thông báo lịch họp"),
            ("UBND", "thuong_khan", "Triển khai tiêm chủng"),
        ]
        ids = []
        for number, (sender, urgency, subject) in enumerate(plan, start=1):
            doc = await issue_directly(runtime, sender, [STC], subject=subject, urgency=urgency,
                                       number=number, signed_file=signed if sender == "STTTT"
                                       else tmp_path / "sealed-ubnd.pdf")
            await dispatch_document(runtime, doc)
            ids.append(doc)
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            clerk = await login(client, "stc.clerk")
            everything = (await client.get("/api/v1/inbox", headers=clerk)).json()
            subjects = [i["subject"] for i in everything["items"]]
            assert subjects == [
                "Phòng chống bão số 9", "Triển khai tiêm chủng", "Kế hoạch chuyển đổi số",
                "Thông báo lịch họp", "Báo cáo tháng mười",
            ]
            assert everything["next_cursor"] is None
            # The unfiltered page (on PostgreSQL run straight on asyncpg) and a filter that
            # keeps everything (through SQLAlchemy) give the very same items.
            wide = await client.get("/api/v1/inbox", params={"date_from": "2000-01-01"},
                                    headers=clerk)
            assert wide.json() == everything
            paged, cursor = [], None
            while True:
                params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
                page = (await client.get("/api/v1/inbox", params=params, headers=clerk)).json()
                paged += [i["subject"] for i in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert paged == subjects
            async def subjects_for(**params: str) -> list[str]:
                answer = await client.get("/api/v1/inbox", params=params, headers=clerk)
                assert answer.status_code == 200, answer.text
                return [i["subject"] for i in answer.json()["items"]]

            assert await subjects_for(urgency="khan") == ["Kế hoạch chuyển đổi số"]
            assert await subjects_for(sender="000.00.00.H30") == [
                "Triển khai tiêm chủng", "Kế hoạch chuyển đổi số"]
            assert await subjects_for(sender="UBND", q="TIÊM") == ["Triển khai tiêm chủng"]
            assert await subjects_for(q="02/STTTT") == ["Phòng chống bão số 9"]
            assert await subjects_for(status="03") == []
            assert len(await subjects_for(status="01", date_from="2000-01-01",
                                          date_to="2999-12-31")) == 5
            assert await subjects_for(date_to="2000-01-01") == []
            # Another agency's inbox does not hold STC's transfers.
            other = await login(client, "ubndvt.clerk")
            assert (await client.get("/api/v1/inbox", headers=other)).json()["items"] == []
    finally:
        await runtime.dispose()


async def test_a_replacement_carries_its_business_type_and_the_corrected_document(
    database_url: str, tmp_path: Path
) -> None:
    from docflow.documents.models import Document

    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    sealed = tmp_path / "sealed.pdf"
    try:
        first = await issue_directly(runtime, "STTTT", [STC], number=1, signed_file=sealed)
        await dispatch_document(runtime, first)
        second = await issue_directly(runtime, "STTTT", [STC], number=2, signed_file=sealed)
        async with runtime.session() as session:  # make it a signed draft awaiting issuance
            document = await session.get(Document, second)
            assert document is not None
            document.state = "signed"
            session.add(document)
            await session.commit()
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            clerk = await login(client, "stttt.clerk")
            other = await login(client, "stc.clerk")
            body = {"corrects_document_id": first, "business_type": "replace"}
            stranger = await client.post(f"/api/v1/documents/{second}/correction", json=body,
                                         headers=other)
            assert stranger.status_code == 404
            bad = await client.post(f"/api/v1/documents/{second}/correction",
                                    json={**body, "business_type": "new"}, headers=clerk)
            assert bad.status_code == 422 and "replace" in bad.json()["detail"]
            marked = await client.post(f"/api/v1/documents/{second}/correction", json=body,
                                       headers=clerk)
            assert marked.status_code == 200 and marked.json()["business_type"] == 3
            async with runtime.session() as session:
                document = await session.get(Document, second)
                assert document is not None
                document.state = "issued"
                session.add(document)
                await session.commit()
            await dispatch_document(runtime, second)
            transfers = await _transfers(runtime, second)
            earlier = await _transfers(runtime, first)
            view = (await client.get(f"/api/v1/transfers/{transfers[STC].id}",
                                     headers=other)).json()
            assert view["business_type"] == 3
            assert view["corrects"] == {"document_id": first, "symbol": "01/STTTT",
                                        "transfer_id": earlier[STC].id}
            inbox = (await client.get("/api/v1/inbox", headers=other)).json()["items"]
            assert {i["document_id"]: i["business_type"] for i in inbox} == {first: 0, second: 3}
    finally:
        await runtime.dispose()


async def test_a_file_that_fails_verification_arrives_marked_and_cannot_be_registered(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        sealed = tmp_path / "sealed.pdf"
        await issue_directly(runtime, "STTTT", [UBNDCT], number=1, signed_file=sealed)
        data = bytearray(sealed.read_bytes())
        at = data.index(b"/MediaBox")  # inside the signed byte range
        data[at + 1 : at + 2] = b"m"
        tampered = tmp_path / "tampered.pdf"
        tampered.write_bytes(bytes(data))
        doc = await issue_directly(runtime, "STTTT", [STC], number=2, signed_file=tampered)
        await dispatch_document(runtime, doc)
        transfer = (await _transfers(runtime, doc))[STC]
        assert transfer.verification == "failed"
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            clerk = await login(client, "stc.clerk")
            item = (await client.get("/api/v1/inbox", headers=clerk)).json()["items"][0]
            assert item["verification"] == "failed"
            report = (await client.get(item["verification_url"], headers=clerk)).json()
            assert report["report"]["verdict"] != "TOTAL_PASSED"
            refused = await client.post(f"/api/v1/transfers/{transfer.id}/accept", headers=clerk)
            assert refused.status_code == 409 and "verification" in refused.json()["detail"]
            returned = await client.post(f"/api/v1/transfers/{transfer.id}/reject",
                                         json={"reason": "Chữ ký số không hợp lệ"}, headers=clerk)
            assert returned.status_code == 200 and returned.json()["status"] == "02"
    finally:
        await runtime.dispose()
