"""Peers authenticated by mutual TLS, on SQLite and PostgreSQL: ``add_peer`` with
``mtls`` takes the client certificate and key as PEM files (checked: both there, the key
matching), and delivery POSTs to a real local HTTPS endpoint that requires a client
certificate, presenting ours; without it the endpoint refuses the handshake;
``docflow peer add --mtls`` takes ``--client-cert`` and ``--client-key``."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlmodel import select

from docflow.core.errors import InvalidInput
from docflow.core.jobs.runner import JobRunner
from docflow.exchange.models import ExchangePeer
from docflow.exchange.peer_tls import ClientCertificateError, check_client_tls, client_tls
from docflow.exchange.peers import add_peer, parse_agency
from tests.integration.documents_support import seeded_settings
from tests.integration.test_cli_commands import assert_one_line_error, docflow
from tests.integration.test_exchange_delivery import EXTERNAL, _delivery, _issue, running


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue_cert(
    subject: str, key: Any, issuer: tuple[x509.Name, Any] | None, usage: Any = None
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder().subject_name(_name(subject))
        .issuer_name(issuer[0] if issuer else _name(subject))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), True)
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), False)
    if usage == ExtendedKeyUsageOID.SERVER_AUTH:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


@dataclass
class Files:
    ca: Path
    server: tuple[Path, Path]
    client: tuple[Path, Path]
    other_key: Path


def _write(path: Path, cert: x509.Certificate | None, key: Any = None) -> Path:
    if cert is not None:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    else:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return path


def make_files(tmp: Path) -> Files:
    """A test CA, a server certificate for 127.0.0.1 and a client certificate."""
    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in "abc")
    ca = _issue_cert("Test mTLS CA", ca_key, None)
    issuer = (ca.subject, ca_key)
    server = _issue_cert("127.0.0.1", server_key, issuer, ExtendedKeyUsageOID.SERVER_AUTH)
    client = _issue_cert("docflow-client", client_key, issuer, ExtendedKeyUsageOID.CLIENT_AUTH)
    return Files(
        ca=_write(tmp / "ca.pem", ca),
        server=(_write(tmp / "server.pem", server), _write(tmp / "server.key", None, server_key)),
        client=(_write(tmp / "client.pem", client), _write(tmp / "client.key", None, client_key)),
        other_key=_write(tmp / "other.key", None, ec.generate_private_key(ec.SECP256R1())),
    )


@dataclass
class Endpoint:
    clients: list[str] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        peercert = request.transport.get_extra_info("peercert") if request.transport else None
        subject = dict(x[0] for x in peercert["subject"]) if peercert else {}
        self.clients.append(subject.get("commonName", ""))
        return web.Response(status=201, text="{}")


@asynccontextmanager
async def https_endpoint(files: Files) -> AsyncIterator[Endpoint]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*files.server)
    context.load_verify_locations(files.ca)
    context.verify_mode = ssl.CERT_REQUIRED
    ep = Endpoint()
    app = web.Application()
    app.router.add_post("/api/v1/exchange/packages", ep.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    ep.url = f"https://127.0.0.1:{runner.addresses[0][1]}/api/v1/exchange/packages"
    try:
        yield ep
    finally:
        await runner.cleanup()


def test_the_client_certificate_is_checked_when_the_peer_is_added(tmp_path: Path) -> None:
    files = make_files(tmp_path)
    cert, key = (str(p) for p in files.client)
    check_client_tls(True, cert, key)
    check_client_tls(False, None, None)
    cases = [(True, cert, None, "needs"), (True, cert, str(files.other_key), "does not belong"),
             (True, cert, str(tmp_path / "missing.key"), "cannot be read"),
             (False, cert, key, "only with --mtls")]
    for mtls, certificate, private, words in cases:
        with pytest.raises(InvalidInput, match=words):
            check_client_tls(mtls, certificate, private)
    gone = ExchangePeer(name="p", organ_pattern="*", url="https://x/", auth="mtls",
                        client_certificate_path=cert, client_key_path=str(tmp_path / "gone"))
    with pytest.raises(ClientCertificateError):
        client_tls(gone)
    assert client_tls(ExchangePeer(name="t", organ_pattern="*", url="https://x/")) is True


async def test_delivery_presents_the_client_certificate(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = make_files(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(files.ca))  # we trust the test server's CA
    settings = await seeded_settings(database_url, tmp_path)
    async with https_endpoint(files) as peer_https:
        async with httpx.AsyncClient(verify=httpx.create_ssl_context()) as plain:
            with pytest.raises(httpx.HTTPError):  # no client certificate: no handshake
                await plain.post(peer_https.url, content=b"<x/>")
        async with running(settings) as runtime, runtime.transaction() as session:
            await add_peer(session, name="province-x", organ_pattern="000.00.*.H31",
                           url=peer_https.url, mtls=True, client_certificate=str(files.client[0]),
                           client_key=str(files.client[1]),
                           agencies=[parse_agency(f"{EXTERNAL}=Sở X")])
        await _issue(settings)
        async with running(settings) as runtime:
            await JobRunner(runtime).run_until_idle()
            delivery = await _delivery(runtime)
    assert delivery.state == "delivered", delivery.last_error
    assert peer_https.clients == ["docflow-client"]


async def test_peer_cli_takes_the_client_certificate(database_url: str, tmp_path: Path) -> None:
    files = make_files(tmp_path)
    settings = await seeded_settings(database_url, tmp_path)
    env = {"DOCFLOW_DATABASE_URL": settings.database_url}
    base = ("peer", "add", "mtls-peer", "--organs", "000.00.*.H31", "--url", "https://p.example/",
            "--mtls")

    def run(*args: str) -> Any:
        return docflow(*base, *args, data_dir=Path(settings.data_dir), **env)

    assert_one_line_error(await anyio.to_thread.run_sync(run), "--client-cert")
    added = await anyio.to_thread.run_sync(
        run, "--client-cert", str(files.client[0]), "--client-key", str(files.client[1]))
    assert added.returncode == 0, added.stdout + added.stderr
    async with running(settings) as runtime, runtime.session() as session:
        peer = (await session.exec(select(ExchangePeer))).one()
    assert peer.auth == "mtls" and peer.client_key_path == str(files.client[1])
