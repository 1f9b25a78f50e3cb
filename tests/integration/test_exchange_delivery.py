"""Peers and the outbox, on SQLite and PostgreSQL: ``docflow peer`` stores peers (the
inbound token shown once, kept hashed); issuing a document addressed to an agency of
another system writes its package and a delivery; the delivery job POSTs the stored
bytes to a real local HTTP endpoint, retrying a 503 on the schedule and failing a 400 for
good; a clerk's retry sends it again; every step is in the audit trail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.app import create_app
from docflow.bootstrap import build_runtime
from docflow.core.audit_models import AuditEvent
from docflow.core.jobs.runner import JobRunner
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings
from docflow.exchange.models import (
    ExchangeAttempt,
    ExchangeDelivery,
    ExchangePackage,
    ExchangePeer,
)
from docflow.exchange.outbox import write_outbox
from docflow.exchange.peers import add_peer, parse_agency, token_sha256
from docflow.transfers.models import Transfer
from tests.integration.documents_support import (
    RECIPIENT,
    enrol,
    login,
    p256_key,
    seeded_settings,
    sign,
    upload,
)
from tests.integration.jobs_support import jobs_of_kind, make_due
from tests.integration.test_cli_commands import assert_one_line_error, docflow
from tests.pki import tiny_pdf

EXTERNAL = "000.00.00.H31"
OUT_TOKEN = "peer-secret-token"


@dataclass
class Endpoint:
    """A peer's package endpoint: answers ``statuses`` in turn, records every request."""

    statuses: list[tuple[int, str]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append({"body": body, "auth": request.headers.get("Authorization")})
        status, text = self.statuses.pop(0) if self.statuses else (201, "{}")
        return web.Response(status=status, text=text)


@asynccontextmanager
async def endpoint(statuses: list[tuple[int, str]]) -> AsyncIterator[Endpoint]:
    ep = Endpoint(statuses)
    app = web.Application()
    app.router.add_post("/api/v1/exchange/packages", ep.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    ep.url = f"http://127.0.0.1:{port}/api/v1/exchange/packages"
    try:
        yield ep
    finally:
        await runner.cleanup()


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings)
    try:
        yield runtime
    finally:
        await runtime.dispose()


async def _add_peer(settings: Settings, url: str) -> None:
    async with running(settings) as runtime, runtime.transaction() as session:
        await add_peer(session, name="province-x", organ_pattern="000.00.*.H31", url=url,
                       outbound_token=OUT_TOKEN, agencies=[parse_agency(f"{EXTERNAL}=Sở X")])


async def _issue(settings: Settings) -> int:
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        specialist = await login(client, "stttt.specialist")
        leader = await login(client, "stttt.leader")
        clerk = await login(client, "stttt.clerk")
        created = await upload(client, specialist, tiny_pdf(), recipients=[RECIPIENT, EXTERNAL])
        assert created.status_code == 201, created.text
        doc_id = int(created.json()["id"])
        key = p256_key()
        cert_id = await enrol(client, leader, key)
        assert (await sign(client, leader, doc_id, key, cert_id)).status_code == 200
        issued = await client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk)
        assert issued.status_code == 200, issued.text
    return doc_id


async def _actions(runtime: Runtime, prefix: str) -> list[AuditEvent]:
    async with runtime.session() as session:
        rows = await session.exec(
            select(AuditEvent).where(col(AuditEvent.action).startswith(prefix))
            .order_by(col(AuditEvent.seq))
        )
        return list(rows.all())


async def _delivery(runtime: Runtime) -> ExchangeDelivery:
    async with runtime.session() as session:
        return (await session.exec(select(ExchangeDelivery))).one()


async def _make_due(runtime: Runtime) -> None:
    await make_due(runtime)


def test_peer_cli_add_list_remove(database_url: str, tmp_path: Path) -> None:
    import anyio

    settings = anyio.run(seeded_settings, database_url, tmp_path)
    env = {"DOCFLOW_DATABASE_URL": settings.database_url}
    run = lambda *a: docflow("peer", *a, data_dir=tmp_path, **env)  # noqa: E731
    added = run("add", "province-x", "--organs", "000.00.*.H31", "--url",
                "https://x.example/api/v1/exchange/packages", "--outbound-token", OUT_TOKEN,
                "--agency", f"{EXTERNAL}=Sở Nội vụ tỉnh X")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert len(token) >= 40 and "shown once" in added.stdout
    assert_one_line_error(run("add", "province-x", "--organs", "000.00.*.H31", "--url",
                              "https://x.example/"), "already a peer")
    assert_one_line_error(run("add", "bad", "--organs", "x y", "--url", "https://x/"),
                          "pattern")
    assert_one_line_error(run("add", "bad", "--organs", "*", "--url", "https://x/",
                              "--anchors", str(tmp_path / "missing.pem")), "missing.pem")
    listed = run("list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["name"] for r in rows] == ["province-x"] and rows[0]["outbound_token"] is True
    assert token not in listed.stdout

    async def stored() -> tuple[ExchangePeer, Agency]:
        async with running(settings) as runtime, runtime.session() as session:
            peer = (await session.exec(select(ExchangePeer))).one()
            agency = (await session.exec(
                select(Agency).join(AgencyCode, col(AgencyCode.agency_id) == Agency.id)
                .where(AgencyCode.code == EXTERNAL))).one()
            return peer, agency

    peer, agency = anyio.run(stored)
    assert peer.inbound_token_sha256 == token_sha256(token) != token
    assert agency.external and agency.name == "Sở Nội vụ tỉnh X"
    assert run("remove", "province-x").returncode == 0
    assert_one_line_error(run("remove", "province-x"), "no peer")
    assert json.loads(run("list", "--json").stdout) == []


async def test_outbox_rows_commit_or_roll_back_together(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    await _add_peer(settings, "http://127.0.0.1:9/")
    async with running(settings) as runtime:
        async with runtime.session() as session:
            peer = (await session.exec(select(ExchangePeer))).one()
        package = ExchangePackage(direction="out", kind="document", dedup_key="k",
                                  sender_organ_id="000.02.00.H30", edxml_document_id="d",
                                  sha256="0" * 64, size=1, signature_state="valid")
        with pytest.raises(RuntimeError):
            async with runtime.transaction() as session:
                assert await write_outbox(runtime, session, package, [peer])
                raise RuntimeError("the dispatch failed")
        async with runtime.session() as session:
            assert (await session.exec(select(ExchangePackage))).all() == []
            assert (await session.exec(select(ExchangeDelivery))).all() == []
        assert await jobs_of_kind(runtime, "exchange.deliver_package") == []


async def test_issued_document_is_delivered_to_the_peer(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with endpoint([(503, "busy"), (201, '{"id": 1}')]) as peer_http:
        await _add_peer(settings, peer_http.url)
        doc_id = await _issue(settings)
        async with running(settings) as runtime:
            async with runtime.session() as session:
                package = (await session.exec(select(ExchangePackage))).one()
                transfers = (await session.exec(
                    select(Transfer.recipient_code, Transfer.status)
                    .where(Transfer.document_id == doc_id).order_by(col(Transfer.id)))).all()
            assert package.document_id == doc_id and package.direction == "out"
            # The external agency's transfer is the sender's: sent, no report yet ("").
            assert [tuple(t) for t in transfers] == [(RECIPIENT, "01"), (EXTERNAL, "")]
            stored = runtime.store.get_bytes(package.sha256)
            assert hashlib.sha256(stored).hexdigest() == package.sha256
            assert EXTERNAL.encode() in stored

            await JobRunner(runtime).run_until_idle()  # attempt 1 (unless the app ran it)
            first = await _delivery(runtime)
            assert (first.state, first.attempts) == ("pending", 1)
            assert first.last_error is not None and "503" in first.last_error
            assert "busy" in first.last_error
            async with runtime.session() as session:
                attempt = (await session.exec(select(ExchangeAttempt))).one()
            assert attempt.http_status == 503
            assert first.next_attempt_at is not None
            wait = (first.next_attempt_at - attempt.at).total_seconds()
            assert 29 <= wait <= 31
            assert await JobRunner(runtime).run_until_idle() == 0  # not due for 30 s

            await _make_due(runtime)
            assert await JobRunner(runtime).run_until_idle() == 1
            done = await _delivery(runtime)
            assert done.state == "delivered" and done.attempts == 2 and done.delivered_at
            actions = [e.action for e in await _actions(runtime, "exchange.")]
    assert len(peer_http.requests) == 2
    assert all(r["body"] == stored for r in peer_http.requests)
    assert all(r["auth"] == f"Bearer {OUT_TOKEN}" for r in peer_http.requests)
    assert actions == ["exchange.peer_added", "exchange.package_queued",
                       "exchange.delivery_failed", "exchange.package_sent"]


async def test_a_refusal_fails_for_good_and_a_clerk_retries(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with endpoint([(400, "unknown recipient")]) as peer_http:
        await _add_peer(settings, peer_http.url)
        await _issue(settings)
        async with running(settings) as runtime:
            await JobRunner(runtime).run_until_idle()
            failed = await _delivery(runtime)
            assert failed.state == "failed" and failed.next_attempt_at is None
            assert "unknown recipient" in (failed.last_error or "")
            events = await _actions(runtime, "exchange.delivery_failed")
            assert events[-1].details["final"] is True

        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            clerk = await login(client, "stttt.clerk")
            listed = await client.get("/api/v1/exchange/deliveries", headers=clerk)
            assert listed.status_code == 200, listed.text
            (row,) = listed.json()["items"]
            assert row["state"] == "failed" and "unknown recipient" in row["last_error"]
            assert row["peer"] == "province-x"
            # The sending agency's clerks are told, nobody else.
            told = (await client.get("/api/v1/notifications", headers=clerk)).json()["items"]
            assert [n["kind"] for n in told].count("delivery_failed") == 1
            other = await login(client, "stc.clerk")
            assert "delivery_failed" not in [n["kind"] for n in (await client.get(
                "/api/v1/notifications", headers=other)).json()["items"]]
            assert (await client.get("/api/v1/exchange/deliveries", headers=other)).json()[
                "items"] == []
            denied = await client.post(f"/api/v1/exchange/deliveries/{row['id']}/retry",
                                       headers=other)
            assert denied.status_code == 404
            leader = await login(client, "stttt.leader")
            refused = await client.post(f"/api/v1/exchange/deliveries/{row['id']}/retry",
                                        headers=leader)
            assert refused.status_code == 403
            retried = await client.post(f"/api/v1/exchange/deliveries/{row['id']}/retry",
                                        headers=clerk)
            assert retried.status_code == 200, retried.text
            again = await client.post(f"/api/v1/exchange/deliveries/{row['id']}/retry",
                                      headers=clerk)
            assert again.status_code == 409
        async with running(settings) as runtime:
            await JobRunner(runtime).run_until_idle()
            done = await _delivery(runtime)
            assert done.state == "delivered"
            retried_events = await _actions(runtime, "exchange.delivery_retried")
            assert len(retried_events) == 1
    assert len(peer_http.requests) == 2
    assert peer_http.requests[0]["body"] == peer_http.requests[1]["body"]
