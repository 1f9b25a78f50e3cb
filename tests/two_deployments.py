"""Two docflow deployments on loopback, each other's peers: the harness of
``tests/integration/test_two_deployments.py`` and ``bench/exchange_latency.py``.

Each deployment is a real ``docflow serve`` subprocess (its own process group, so
``kill -9`` takes its signing workers with it) on a free port, with its own data
directory: SQLite database, local object store, dev-PKI cache. Both run the demo's
development PKI (one dev root) but seed different demo agencies (``docflow demo
--agencies``): A is the province's system (UBND, VP, STTTT, STC), B the city's and the
district's (UBNDVT, UBNDCT). They are joined exactly as the README's recipe does:
``docflow peer export`` on each side, ``docflow peer add`` with the other's agencies,
seal certificates and anchors, the token each ``peer add`` prints given to the other
side (``--outbound-token``, then ``docflow peer update`` for the first one).

HTTP helpers sign in as demo users and drive the API the way a browser does: the
specialist uploads, the leader signs with an enrolled P-256 key (WebCrypto-style
external signature), the clerk issues.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.browser.web_support import text_pdf
from tests.integration.documents_support import webcrypto_sign
from tests.services import free_port

T = TypeVar("T")

PASSWORD = "two-deployments-password"
A_AGENCIES = "UBND,VP,STTTT,STC"
B_AGENCIES = "UBNDVT,UBNDCT"
#: The peer patterns: each side's agencies (a system never sends its own agencies'
#: documents to a peer, only those of external agencies in its directory).
A_ORGANS = "000.0?.00.H30"
B_ORGANS = "000.0?.00.H30"
STTTT = "000.02.00.H30"  # A: the sender
STC = "000.03.00.H30"  # A: a local recipient (the baseline)
UBNDVT = "000.04.00.H30"  # B: the receiver
UBNDCT = "000.05.00.H30"  # B

#: Test settings: a failed delivery is retried every 2 s; the job runner looks every 0.2 s.
FAST = {"DOCFLOW_EXCHANGE_RETRY_SECONDS": "2", "DOCFLOW_JOB_POLL_SECONDS": "0.2"}


def wait_until(
    check: Callable[[], T | None],
    what: str,
    timeout: float = 60.0,
    every: float = 0.2,
    until: Callable[[T], bool] = bool,
) -> T:
    """``check()``'s first answer that ``until`` accepts (default: a truthy one);
    AssertionError naming ``what`` and the last answer (or error) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            answer = check()
            if answer is not None and until(answer):
                return answer
            last = answer
        except (httpx.HTTPError, AssertionError, sqlite3.Error) as exc:
            last = f"{type(exc).__name__}: {exc}"
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s (last: {last!r})")
        time.sleep(every)


class Api:
    """One signed-in user of one deployment (bearer token)."""

    def __init__(self, origin: str, username: str) -> None:
        self.username = username
        self.http = httpx.Client(base_url=origin, timeout=120)
        answer = self.http.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert answer.status_code == 200, f"login {username}: {answer.text}"
        self.http.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        answer = self.http.request(method, path, **kwargs)
        assert answer.status_code == expect, (
            f"{self.username}: {method} {path} -> {answer.status_code} {answer.text[:2000]}"
        )
        return answer.json() if answer.content else None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("POST", path, expect, **kwargs)


@dataclass
class Deployment:
    """One docflow: its data directory, port and server process."""

    name: str
    root: Path
    agencies: str
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    _apis: dict[str, Api] = field(default_factory=dict)
    _keys: dict[str, tuple[ec.EllipticCurvePrivateKey, int]] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def packages_url(self) -> str:
        return f"{self.origin}/api/v1/exchange/packages"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")}
        return {
            **env,
            "DOCFLOW_DATA_DIR": str(self.root),
            "DOCFLOW_DEMO_PASSWORD": PASSWORD,
            "DOCFLOW_HOST": "127.0.0.1",
            "DOCFLOW_PORT": str(self.port),
            # the dev PKI's certificates then name this deployment's CRL/OCSP URLs
            "DOCFLOW_PUBLIC_URL": self.origin,
            # One web process each (serve's default is one per core): two deployments,
            # each web process with its own signing workers, share a 2-core CI runner
            # with another test process; serving on several processes has tests of its own.
            "DOCFLOW_WEB_WORKERS": "1",
            **self.settings,
        }

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "docflow", *args], env=self.env(), capture_output=True,
            text=True, timeout=180,
        )
        assert done.returncode == 0, (
            f"{self.name}: docflow {' '.join(args)} failed: {done.stderr[-2000:]}"
        )
        return done.stdout

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.cli("db", "upgrade")
        self.cli("demo", "--agencies", self.agencies)

    # ------------------------------------------------------------------ the process

    def start(self, timeout: float = 90.0) -> None:
        assert self.proc is None, f"{self.name} is already running"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "docflow", "serve"], env=self.env(), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        proc = self.proc

        def healthy() -> bool:
            assert proc.poll() is None, f"{self.name} exited: {self.log_tail()}"
            return httpx.get(f"{self.origin}/health", timeout=2).status_code == 200

        wait_until(healthy, f"{self.name} answering /health", timeout)

    def _signal(self, sig: int, grace: float) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop(self) -> None:
        """A clean shutdown (SIGTERM to the server's process group)."""
        self._signal(signal.SIGTERM, 20)

    def kill(self) -> None:
        """``kill -9`` of the server and its workers: nothing gets to clean up."""
        self._signal(signal.SIGKILL, 10)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read this deployment's SQLite database directly (works while it is down)."""
        with contextlib.closing(sqlite3.connect(self.root / "docflow.db", timeout=10)) as db:
            return list(db.execute(sql, params).fetchall())

    # ------------------------------------------------------------------ the API

    def api(self, username: str) -> Api:
        if username not in self._apis:
            self._apis[username] = Api(self.origin, username)
        return self._apis[username]

    def _leader_key(self, leader: str) -> tuple[ec.EllipticCurvePrivateKey, int]:
        if leader not in self._keys:
            key = ec.generate_private_key(ec.SECP256R1())
            csr = (
                x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
                .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()
            )
            answer = self.api(leader).post("/api/v1/me/certificates", 201, json={"csr": csr})
            self._keys[leader] = key, int(answer["id"])
        return self._keys[leader]

    def issue(self, agency: str, recipients: list[str], subject: str) -> dict[str, Any]:
        """Upload (specialist), sign (leader), issue (clerk) a document of ``agency``
        (abbreviation, lower case) to ``recipients`` (codes); the issue answer plus
        ``id``."""
        meta = {
            "document_type": "cong_van", "subject": subject, "urgency": "normal",
            "confidentiality": "none", "signer": f"{agency}.leader",
            "recipients": recipients, "place": "Hậu Giang",
        }
        created = self.api(f"{agency}.specialist").post(
            "/api/v1/documents", 201,
            files={"file": ("draft.pdf", text_pdf([subject[:60]]), "application/pdf")},
            data={"metadata": json.dumps(meta)},
        )
        doc_id = int(created["id"])
        leader = self.api(f"{agency}.leader")
        key, cert_id = self._leader_key(f"{agency}.leader")
        prepared = leader.post(f"/api/v1/documents/{doc_id}/signatures/prepare",
                               json={"certificate_id": cert_id})
        signature = webcrypto_sign(key, base64.b64decode(prepared["to_be_signed"]))
        leader.post(f"/api/v1/documents/{doc_id}/signatures/complete",
                    json={"session_id": prepared["session_id"],
                          "signature": base64.b64encode(signature).decode()})
        issued = self.api(f"{agency}.clerk").post(f"/api/v1/documents/{doc_id}/issue")
        return {**issued, "id": doc_id}

    def inbox(self, agency: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.api(f"{agency}.clerk").get(
            "/api/v1/inbox", params={"limit": 200})["items"]
        return items

    def arrived(self, agency: str, subject: str) -> dict[str, Any] | None:
        """The transfer in ``agency``'s inbox whose document has this subject."""
        found = [t for t in self.inbox(agency) if t["subject"] == subject]
        assert len(found) <= 1, f"{subject!r} arrived {len(found)} times: {found}"
        return found[0] if found else None

    def stored(self, sha256: str) -> bytes:
        """An object of this deployment's store (an outgoing package's bytes)."""
        from storage.local import LocalObjectStore

        return LocalObjectStore(self.root / "objects").get_bytes(sha256)

    def deliveries(self, agency: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.api(f"{agency}.clerk").get(
            "/api/v1/exchange/deliveries")["items"]
        return items


def _peer_options(export_output: str) -> list[str]:
    """The ``docflow peer add`` options ``docflow peer export`` printed."""
    lines = export_output.strip().splitlines()[1:]
    return [word for line in lines for word in shlex.split(line.rstrip(" \\"))]


def connect(a: Deployment, b: Deployment) -> tuple[str, str]:
    """Make ``a`` and ``b`` each other's peers, with a token each way (the recipe);
    (the token ``a`` presents to ``b``, the one ``b`` presents to ``a``)."""
    card_a = _peer_options(a.cli("peer", "export", str(a.root / "for-peer")))
    card_b = _peer_options(b.cli("peer", "export", str(b.root / "for-peer")))
    added = a.cli("peer", "add", b.name, "--organs", B_ORGANS, "--url", b.packages_url,
                  *card_b)
    b_presents = added.strip().splitlines()[-1]
    added = b.cli("peer", "add", a.name, "--organs", A_ORGANS, "--url", a.packages_url,
                  "--outbound-token", b_presents, *card_a)
    a_presents = added.strip().splitlines()[-1]
    a.cli("peer", "update", b.name, "--outbound-token", a_presents)
    return a_presents, b_presents


@dataclass
class Pair:
    a: Deployment
    b: Deployment
    #: The bearer token ``a`` presents to ``b`` (and ``b`` to ``a``).
    a_token: str = ""
    b_token: str = ""


@contextlib.contextmanager
def two_deployments(root: Path, settings: dict[str, str] | None = None) -> Iterator[Pair]:
    """Deployments ``a`` (province) and ``b`` (city and district) under ``root``,
    prepared, joined as peers and running; both stopped on exit."""
    pair = Pair(Deployment("a", root / "a", A_AGENCIES, dict(settings or {})),
                Deployment("b", root / "b", B_AGENCIES, dict(settings or {})))
    try:
        for deployment in (pair.a, pair.b):
            deployment.prepare()
        pair.a_token, pair.b_token = connect(pair.a, pair.b)
        pair.a.start()
        pair.b.start()
        yield pair
    finally:
        pair.a.stop()
        pair.b.stop()
