"""The directory on the exchange axis, on SQLite and PostgreSQL:
``GET /api/v1/exchange/directory`` answers this system's own agencies (codes, name,
contact data, seal certificate) to a peer's token or a signed-in person, 401 otherwise;
``docflow peer sync`` fetches a peer's directory from a real local HTTP endpoint and adds
or updates its agencies as external agencies, refusing codes outside the peer's pattern
and never touching an agency of this system, recording the seal certificates so a
package signed by one is accepted from its agency; the sync is in the audit trail."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
from aiohttp import web
from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from docflow.accounts.models_agency import Agency, AgencyCode
from docflow.app import create_app
from docflow.core.audit_models import AuditEvent
from docflow.core.settings import Settings
from docflow.exchange import edxml
from docflow.exchange.directory import directory_url
from docflow.exchange.models import ExchangePeer
from docflow.exchange.peers import add_peer, parse_agency, token_sha256
from tests.edxml_support import ISSUED, document_package, seal_source
from tests.integration.documents_support import RECIPIENT, login, seeded_settings
from tests.integration.test_cli_commands import assert_one_line_error, docflow
from tests.integration.test_exchange_delivery import running
from tests.pki import signer_pem

PATH = "/api/v1/exchange/directory"
IN_TOKEN = "directory-peer-token"
OUT_TOKEN = "our-token-at-the-peer"
PATTERN = "000.*.*.H3?"  # also matches this system's own codes (000.03.00.H30: STC)


async def test_the_directory_answers_own_agencies_to_a_peer(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with running(settings) as runtime, runtime.transaction() as session:
        session.add(ExchangePeer(name="reader", organ_pattern="000.*", url="https://r.example/",
                                 inbound_token_sha256=token_sha256(IN_TOKEN)))
        await add_peer(session, name="other", organ_pattern="000.00.*.H31",
                       url="https://o.example/", agencies=[parse_agency("000.00.00.H31=Sở X")])
    async with AsyncTestClient(app=create_app(settings)) as client:
        answer = await client.get(PATH, headers={"Authorization": f"Bearer {IN_TOKEN}"})
        assert answer.status_code == 200, answer.text
        agencies = {code: a for a in answer.json()["agencies"] for code in a["codes"]}
        assert RECIPIENT in agencies and "000.00.00.H31" not in agencies  # external: not offered
        assert set(agencies[RECIPIENT]) == {"codes", "name", "address", "email", "phone",
                                            "website", "seal_certificate_pem"}
        assert any(a["seal_certificate_pem"] for a in agencies.values())
        for token in ("wrong-token", None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            refused = await client.get(PATH, headers=headers)
            assert refused.status_code == 401, refused.text
        clerk = await login(client, "stc.clerk")
        assert (await client.get(PATH, headers=clerk)).status_code == 200


@dataclass
class Directory:
    """A peer's directory endpoint: answers ``body`` (or ``status``), records requests."""

    body: dict[str, Any]
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append({"path": request.path,
                              "auth": request.headers.get("Authorization")})
        if self.status != 200:
            return web.Response(status=self.status, text='{"detail": "no"}')
        return web.json_response(self.body)


@asynccontextmanager
async def serving(directory: Directory) -> AsyncIterator[Directory]:
    app = web.Application()
    app.router.add_get(PATH, directory.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    directory.url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/v1/exchange/packages"
    try:
        yield directory
    finally:
        await runner.cleanup()


def _served() -> dict[str, Any]:
    seal = signer_pem("stttt-seal")[1].decode()
    return {"agencies": [
        {"codes": ["000.00.00.H31"], "name": "Sở Nội vụ tỉnh X", "address": "Số 2",
         "email": "snv@x.gov.vn", "phone": "0293", "website": "snv.x.gov.vn",
         "seal_certificate_pem": seal},
        {"codes": ["000.00.05.H31", "000.00.00.G22"], "name": "Sở Y tế tỉnh X"},
        {"codes": ["000.00.00.G22"], "name": "Bộ Thông tin và Truyền thông"},
        {"codes": [RECIPIENT], "name": "Hijacked", "seal_certificate_pem": seal},
        {"codes": ["not-a-code"], "name": "Junk"},
    ]}


async def _sync(settings: Settings, *args: str) -> Any:
    env = {"DOCFLOW_DATABASE_URL": settings.database_url}
    return await anyio.to_thread.run_sync(
        lambda: docflow("peer", "sync", *args, data_dir=Path(settings.data_dir), **env)
    )


async def test_peer_sync_adds_the_peers_agencies_as_external(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with serving(Directory(_served())) as peer_http:
        async with running(settings) as runtime, runtime.transaction() as session:
            await add_peer(session, name="province-x", organ_pattern=PATTERN, url=peer_http.url,
                           outbound_token=OUT_TOKEN,
                           agencies=[parse_agency("000.00.00.H31=Tên cũ")])
        before = await _agency(settings, RECIPIENT)
        package = await _from_synced_agency()
        assert await _hand_in(settings, package) == 422  # no seal known for 000.00.00.H31
        result = await _sync(settings, "--json", "province-x")
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert report["added"] == ["000.00.05.H31"] and report["updated"] == ["000.00.00.H31"]
        refused = {r["code"] for r in report["refused"]}
        assert refused == {"000.00.00.G22", RECIPIENT, "not-a-code"}
        assert peer_http.requests == [{"path": PATH, "auth": f"Bearer {OUT_TOKEN}"}]
        assert await _hand_in(settings, package) == 201  # its signer is the synced seal

    updated = await _agency(settings, "000.00.00.H31")
    assert updated.external and updated.name == "Sở Nội vụ tỉnh X"
    assert updated.email == "snv@x.gov.vn" and updated.seal_certificate_pem
    added = await _agency(settings, "000.00.05.H31")
    assert added.external and added.name == "Sở Y tế tỉnh X"
    local = await _agency(settings, RECIPIENT)
    assert not local.external and local.name == before.name
    assert local.seal_certificate_pem == before.seal_certificate_pem
    async with running(settings) as runtime, runtime.session() as session:
        assert not (await session.exec(
            select(AgencyCode).where(AgencyCode.code == "000.00.00.G22"))).first()
        events = (await session.exec(
            select(AuditEvent).where(AuditEvent.action == "exchange.directory_synced"))).all()
    assert len(events) == 1 and events[0].details["added"] == ["000.00.05.H31"]


async def _from_synced_agency() -> bytes:
    """A package from 000.00.00.H31 to STC, signed with the seal the peer's directory
    names for it (the dev seal ``stttt-seal``)."""
    sender = edxml.Organization(organ_id="000.00.00.H31", name="Sở Nội vụ tỉnh X")
    package = document_package(
        sender=sender, recipients=(edxml.Organization(organ_id=RECIPIENT, name="Sở Tài chính"),),
        document_id=edxml.make_document_id(sender.organ_id, ISSUED, "245", "STTTT-VP"),
        trace=None,
    )
    return await edxml.async_sign_package(package, seal_source("stttt-seal"))


async def _hand_in(settings: Settings, package: bytes) -> int:
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        clerk = await login(client, "stc.clerk")
        response = await client.post("/api/v1/exchange/packages", content=package,
                                     headers={**clerk, "Content-Type": "application/xml"})
    codes = [p["code"] for p in response.json().get("extra", [])]
    assert response.status_code == 201 or codes == ["signer_not_sender"], response.text
    return response.status_code


async def _agency(settings: Settings, code: str) -> Agency:
    async with running(settings) as runtime, runtime.session() as session:
        return (
            await session.exec(
                select(Agency).join(AgencyCode, col(AgencyCode.agency_id) == col(Agency.id))
                .where(AgencyCode.code == code)
            )
        ).one()


async def test_peer_sync_reports_a_refusing_peer_in_one_line(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    async with serving(Directory({}, status=401)) as peer_http:
        async with running(settings) as runtime, runtime.transaction() as session:
            await add_peer(session, name="province-x", organ_pattern=PATTERN, url=peer_http.url,
                           outbound_token="wrong")
        assert_one_line_error(await _sync(settings, "province-x"), "HTTP 401")
    assert_one_line_error(await _sync(settings, "nobody"), "no peer")
    assert directory_url("https://p.example:8443/a/b?x=1") == f"https://p.example:8443{PATH}"
