"""Statuses travel between two deployments (``docflow.exchange.status_out``), on SQLite
and PostgreSQL: deployment A (STTTT sends) issues a document to an agency of another
system; deployment B (where that agency, code 000.00.00.H31, is STC's second code)
receives the package over its peer, and every status its people record (01 on arrival,
03, 04, 05, 06, 02, and 15/16 answering a recall) is queued as one signed status
package, delivered to a real local HTTP endpoint and, fed to A, moves A's transfer to
that agency through the same transition table. A's recall (13) goes to B as a
business-type-1 package. Statuses that came from a peer are not sent back; a job run
again adds nothing; a transfer between two local agencies queues nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.accounts.models_user import User
from docflow.core.audit_models import AuditEvent
from docflow.core.jobs.runner import JobRunner
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings
from docflow.devpki import dev_intermediates, dev_signer, dev_trust_roots
from docflow.documents.jobs import DeliverDocument
from docflow.exchange import edxml
from docflow.exchange.delivery import list_deliveries
from docflow.exchange.imports import Receiving, receive_package
from docflow.exchange.job_handlers import deliver_document
from docflow.exchange.models import ExchangeDelivery, ExchangePackage, ExchangePeer
from docflow.exchange.peers import add_peer, parse_agency
from docflow.exchange.status_out import report_status
from docflow.transfers import recall, transfers
from docflow.transfers.jobs import ReportToOtherSystem
from docflow.transfers.models import Transfer, TransferEvent
from docflow.transfers.views import sender_timelines
from tests.edxml_support import xmlsec1_verify
from tests.integration.documents_support import seeded_settings
from tests.integration.jobs_support import jobs_of_kind
from tests.integration.routing_support import STTTT, issue_directly, principal_of, user_id
from tests.integration.test_exchange_delivery import EXTERNAL, OUT_TOKEN, Endpoint, endpoint
from tests.services import create_postgres_database, drop_postgres_database

REPORT = "transfer.report_external"


@pytest.fixture
def other_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The other deployment's database, of the same kind as ``database_url``."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
        return
    db = create_postgres_database()
    try:
        yield db.url
    finally:
        drop_postgres_database(db)


@dataclass
class Side:
    """One deployment: its runtime, the peer it knows, the endpoint standing for the
    other deployment (what it sends arrives there)."""

    runtime: Runtime
    peer: ExchangePeer
    outbox: Endpoint


async def _seeded(url: str, root: Path) -> Settings:
    root.mkdir(parents=True, exist_ok=True)
    return await seeded_settings(url, root)


async def _agency(session: Any, abbreviation: str) -> Agency:
    return (await session.exec(select(Agency).where(Agency.abbreviation == abbreviation))).one()


async def _setup_sender(runtime: Runtime, url: str) -> ExchangePeer:
    """A: the peer serving 000.00.*.H31, its agency in the directory with the seal
    certificate its packages are signed with (STC's dev seal, in B)."""
    async with runtime.transaction() as session:
        added = await add_peer(session, name="province-x", organ_pattern="000.00.*.H31",
                               url=url, outbound_token=OUT_TOKEN,
                               agencies=[parse_agency(f"{EXTERNAL}=Sở Nội vụ tỉnh X")])
        agency = (await session.exec(
            select(Agency).join(AgencyCode, col(AgencyCode.agency_id) == col(Agency.id))
            .where(AgencyCode.code == EXTERNAL))).one()
        agency.seal_certificate_pem = dev_signer("STC")[1].decode()
        session.add(agency)
        return added.peer


async def _setup_recipient(runtime: Runtime, url: str) -> ExchangePeer:
    """B: STC answers to 000.00.00.H31 too; STTTT is an agency of the other system,
    served by a peer."""
    async with runtime.transaction() as session:
        stc = await _agency(session, "STC")
        session.add(AgencyCode(code=EXTERNAL, agency_id=stc.id))  # type: ignore[arg-type]
        sttt = await _agency(session, "STTTT")
        sttt.external = True
        session.add(sttt)
        added = await add_peer(session, name="province-a", organ_pattern=STTTT, url=url,
                               outbound_token=OUT_TOKEN)
        return added.peer


@asynccontextmanager
async def deployments(
    database_url: str, other_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Side, Side]]:
    from tests.integration.test_exchange_delivery import running

    settings_a = await _seeded(database_url, tmp_path / "a")
    settings_b = await _seeded(other_url, tmp_path / "b")
    async with (
        endpoint([]) as to_b, endpoint([]) as to_a,
        running(settings_a) as runtime_a, running(settings_b) as runtime_b,
    ):
        for runtime in (runtime_a, runtime_b):
            await anyio.to_thread.run_sync(runtime.store.ensure_ready)
        peer_a = await _setup_sender(runtime_a, to_b.url)
        peer_b = await _setup_recipient(runtime_b, to_a.url)
        yield Side(runtime_a, peer_a, to_b), Side(runtime_b, peer_b, to_a)


async def _receive(side: Side, data: bytes) -> dict[str, Any]:
    how = Receiving(store=side.runtime.store, signing=side.runtime.signing,
                    workers=side.runtime.signing_pool, peer=side.peer, jobs=side.runtime.jobs)
    async with side.runtime.transaction() as session:
        return (await receive_package(session, data, how)).result


async def _sent(side: Side) -> list[bytes]:
    """Run the side's jobs; the packages that reached the other side since last asked."""
    await JobRunner(side.runtime).run_until_idle()
    bodies = [r["body"] for r in side.outbox.requests]
    side.outbox.requests.clear()
    return bodies


async def _issue(a: Side, number: int) -> tuple[int, str, bytes]:
    """A issues a document to the external agency; its package (returned) reaches B."""
    doc_id = await issue_directly(a.runtime, "STTTT", [EXTERNAL], number=number)
    await deliver_document(a.runtime, DeliverDocument(doc_id))
    (package,) = await _sent(a)
    return doc_id, edxml.parse_package(package).document.document_id or "", package


def _seal(label: str) -> bytes:
    return x509.load_pem_x509_certificate(dev_signer(label)[1]).public_bytes(Encoding.DER)


def _verified(data: bytes, workdir: Path, seal: str) -> edxml.ParsedPackage:
    """The package, its XML signature checked by docflow and by xmlsec1."""
    parsed = edxml.parse_package(data)
    assert not edxml.errors_in(edxml.check_package(parsed))
    anchors = edxml.TrustAnchors.of(dev_trust_roots(), dev_intermediates())
    verdict = edxml.verify_package(parsed, anchors)
    assert verdict.valid and not verdict.weak, verdict.problems
    assert verdict.signer_certificate is not None
    assert verdict.signer_certificate.public_bytes(Encoding.DER) == _seal(seal)
    checked = xmlsec1_verify(data, workdir)
    assert checked.returncode == 0, checked.stderr
    return parsed


async def _report(b: Side, a: Side, code: str, document_id: str, workdir: Path) -> None:
    """B's jobs send exactly one status package ``code`` for ``document_id``, sealed by
    STC; A accepts it."""
    (data,) = await _sent(b)
    status = _verified(data, workdir, "STC").status
    assert (status.status_code, status.sender.organ_id) == (code, EXTERNAL)
    assert status.response_for.document_id == document_id
    assert status.response_for.organ_id == STTTT and status.timestamp is not None
    answer = await _receive(a, data)
    assert answer["status"] == code, answer


async def _status_of(side: Side, document_id: int) -> list[tuple[str, str]]:
    async with side.runtime.session() as session:
        rows = (await session.exec(
            select(Transfer.recipient_code, Transfer.status)
            .where(Transfer.document_id == document_id).order_by(col(Transfer.id)))).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def _count(side: Side, model: Any, *where: Any) -> int:
    async with side.runtime.session() as session:
        return len((await session.exec(select(model).where(*where))).all())


async def _timeline(a: Side, doc_id: int) -> list[dict[str, Any]]:
    async with a.runtime.session() as session:
        return await sender_timelines(session, await principal_of(a.runtime, "stttt.clerk"),
                                      doc_id)


async def _handle_in_b(b: Side, a: Side, transfer_id: int, document_id: str, tmp: Path) -> None:
    """B accepts (03), assigns (04), starts (05) and completes (06); each goes to A."""
    clerk = await principal_of(b.runtime, "stc.clerk")
    leader = await principal_of(b.runtime, "stc.leader")
    specialist = await principal_of(b.runtime, "stc.specialist")
    await transfers.accept_transfer(b.runtime, clerk, transfer_id, stamp=False)
    await _report(b, a, "03", document_id, tmp)
    request = transfers.AssignRequest(user_id=await user_id(b.runtime, "stc.specialist"))
    await transfers.assign_transfer(b.runtime, leader, transfer_id, request)
    await _report(b, a, "04", document_id, tmp)
    await transfers.start_transfer(b.runtime, specialist, transfer_id)
    await _report(b, a, "05", document_id, tmp)
    await transfers.complete_transfer(b.runtime, specialist, transfer_id)
    await _report(b, a, "06", document_id, tmp)


async def test_statuses_travel_between_two_deployments(
    database_url: str, other_url: str, tmp_path: Path
) -> None:
    async with deployments(database_url, other_url, tmp_path) as (a, b):
        doc_id, document_id, package = await _issue(a, 1)
        (line,) = await _timeline(a, doc_id)
        assert line["recipient"]["code"] == EXTERNAL and line["external"] is True
        assert line["status"] == ""
        assert line["status_label"].startswith("Đang gửi") and line["timeline"] == []

        (transfer_b,) = (await _receive(b, package))["transfers"]
        await _report(b, a, "01", document_id, tmp_path)
        assert await _status_of(a, doc_id) == [(EXTERNAL, "01")]

        await _handle_in_b(b, a, transfer_b, document_id, tmp_path)
        (line,) = await _timeline(a, doc_id)
        assert [e["status"] for e in line["timeline"]] == ["01", "03", "04", "05", "06"]
        async with b.runtime.session() as session:
            clerk = (await session.exec(select(User).where(User.username == "stc.clerk"))).one()
        assert line["timeline"][1]["by"] == clerk.full_name  # StaffInfo names who accepted
        async with b.runtime.session() as session:
            stc = await _agency(session, "STC")
            listed = await list_deliveries(session, stc.id)  # type: ignore[arg-type]
        # STC's clerks see their reports' deliveries (to retry a failed one).
        assert [d["package"]["status_code"] for d in listed] == ["06", "05", "04", "03", "01"]
        assert {d["state"] for d in listed} == {"delivered"}
        # Statuses that came from B are not sent back to it.
        assert await jobs_of_kind(a.runtime, REPORT) == []

        # A job run again writes nothing twice.
        async with b.runtime.session() as session:
            event = (await session.exec(select(TransferEvent).where(
                TransferEvent.transfer_id == transfer_b, TransferEvent.status == "03"))).one()
        before = await _count(b, ExchangeDelivery)
        await report_status(b.runtime, ReportToOtherSystem(transfer_b, event.seq))
        assert await _count(b, ExchangeDelivery) == before
        assert await _count(b, ExchangePackage, ExchangePackage.direction == "out") == before

        await _recall_accepted(a, b, doc_id, transfer_b, document_id, tmp_path)
        await _refused_then_rejected(a, b, tmp_path)


async def _recall_accepted(
    a: Side, b: Side, doc_id: int, transfer_b: int, document_id: str, tmp: Path
) -> None:
    """A recalls (13): one business-type-1 package to B; B accepts (15), A sees it."""
    await recall.recall_document(a.runtime, await principal_of(a.runtime, "stttt.clerk"),
                                 doc_id, "Sai thể thức")
    (data,) = await _sent(a)
    package = _verified(data, tmp, "STTTT").document
    business = package.trace.business if package.trace else None
    assert business is not None and business.doc_type == 1
    assert business.reason == "Sai thể thức" and business.document_id == document_id
    assert package.document_id == document_id and package.attachments == ()
    assert [r.organ_id for r in package.recipients] == [EXTERNAL]
    answer = await _receive(b, data)
    assert answer["recalled"] == [transfer_b]
    assert await _sent(b) == []  # B's 13 came from A: nothing goes back
    await recall.accept_recall(b.runtime, await principal_of(b.runtime, "stc.clerk"),
                               transfer_b)
    await _report(b, a, "15", document_id, tmp)
    assert await _status_of(a, doc_id) == [(EXTERNAL, "15")]


async def _refused_then_rejected(a: Side, b: Side, tmp: Path) -> None:
    """A second document: A recalls, B refuses (16), A recalls again, B refuses again,
    then returns it (02)."""
    doc_id, document_id, package = await _issue(a, 2)
    (transfer_b,) = (await _receive(b, package))["transfers"]
    await _report(b, a, "01", document_id, tmp)
    await recall.recall_document(a.runtime, await principal_of(a.runtime, "stttt.clerk"),
                                 doc_id, "Nhầm nơi nhận")
    (data,) = await _sent(a)
    await _receive(b, data)
    clerk = await principal_of(b.runtime, "stc.clerk")
    await recall.refuse_recall(b.runtime, clerk, transfer_b, "Đã xử lý một phần")
    await _report(b, a, "16", document_id, tmp)
    # A asks again (a new request, its own trace time, whole seconds): B sees 13 again.
    await asyncio.sleep(1.1)
    await recall.recall_document(a.runtime, await principal_of(a.runtime, "stttt.clerk"),
                                 doc_id, "Nhầm nơi nhận, đề nghị thu hồi lần hai")
    (again,) = await _sent(a)
    assert again != data
    assert (await _receive(b, again))["recalled"] == [transfer_b]
    await recall.refuse_recall(b.runtime, clerk, transfer_b, "Vẫn đang xử lý")
    await _report(b, a, "16", document_id, tmp)
    await transfers.reject_transfer(b.runtime, clerk, transfer_b, "Không thuộc thẩm quyền")
    await _report(b, a, "02", document_id, tmp)
    assert await _status_of(a, doc_id) == [(EXTERNAL, "02")]
    (line,) = await _timeline(a, doc_id)
    assert [e["status"] for e in line["timeline"]] == ["01", "13", "16", "13", "16", "02"]
    assert line["timeline"][-1]["reason"] == "Không thuộc thẩm quyền"


async def test_local_transfers_and_unserved_agencies_send_nothing(
    database_url: str, tmp_path: Path
) -> None:
    from tests.integration.test_exchange_delivery import running

    settings = await _seeded(database_url, tmp_path / "a")
    async with running(settings) as runtime:
        doc_id = await issue_directly(runtime, "STTTT", ["000.03.00.H30"])
        await deliver_document(runtime, DeliverDocument(doc_id))
        async with runtime.session() as session:
            transfer = (await session.exec(select(Transfer))).one()
        clerk = await principal_of(runtime, "stc.clerk")
        await transfers.accept_transfer(runtime, clerk, transfer.id, stamp=False)  # type: ignore[arg-type]
        async with runtime.session() as session:
            packages = (await session.exec(select(ExchangePackage))).all()
        assert await jobs_of_kind(runtime, REPORT) == [] and packages == []

        # STC's sender is made an agency of another system that no peer serves: the
        # status is kept here and the trail says why.
        async with runtime.transaction() as session:
            sttt = await _agency(session, "STTTT")
            sttt.external = True
            session.add(sttt)
        request = transfers.AssignRequest(user_id=await user_id(runtime, "stc.specialist"))
        leader = await principal_of(runtime, "stc.leader")
        await transfers.assign_transfer(runtime, leader, transfer.id, request)  # type: ignore[arg-type]
        assert await JobRunner(runtime).run_until_idle() >= 1
        async with runtime.session() as session:
            packages = (await session.exec(select(ExchangePackage))).all()
            events = (await session.exec(select(AuditEvent).where(
                AuditEvent.action == "exchange.status_not_sent"))).all()
        assert packages == []
        (event,) = events
        assert event.details["status"] == "04" and STTTT in event.details["reason"]
