"""Simulated people: each runs the real flow between two agencies, over HTTP, until the
run ends. The sender's specialist uploads, its leader signs (prepare, a P-256 key held by
the "browser", complete), its clerk issues; the recipient's clerk finds it in the inbox
and accepts it, its leader assigns it, its specialist completes it; now and then the
sender's clerk asks for the document's verification.

Each user has a home instance. When it stops answering (connection refused or reset)
the user moves to the next instance and sends the request there once more; a POST sent
again may then be answered 409 (it was done) and the story goes on with the next one.
Every answer is recorded: endpoint, status, latency, when, which instance.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["AGENCIES", "Recorder", "User"]

#: (abbreviation, code) of the demo agencies users act for.
AGENCIES = [
    ("STTTT", "000.02.00.H30"),
    ("STC", "000.03.00.H30"),
    ("UBNDVT", "000.04.00.H30"),
    ("UBNDCT", "000.05.00.H30"),
]
PASSWORD = "docflow-demo"
_FAILOVER = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError,
             httpx.WriteError, httpx.ConnectTimeout)


@dataclass
class Answer:
    endpoint: str
    status: int
    seconds: float
    at: float
    instance: str


@dataclass
class Recorder:
    """Every answer of the run, and what the users could not do."""

    started: float = field(default_factory=time.monotonic)
    answers: list[Answer] = field(default_factory=list)
    moved: int = 0
    interrupted: int = 0
    stories: int = 0
    issued: int = 0
    completed: int = 0
    gave_up: dict[str, int] = field(default_factory=dict)

    def give_up(self, why: str) -> None:
        self.gave_up[why] = self.gave_up.get(why, 0) + 1


class Unavailable(Exception):
    """No instance answered."""


def _pdf() -> bytes:
    from tests.pki import tiny_pdf

    return tiny_pdf()


def _raw_ecdsa(key: Any, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@dataclass
class User:
    number: int
    urls: list[str]
    recorder: Recorder
    client: httpx.AsyncClient
    home: int = 0
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    key: Any = None
    cert_id: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.home = self.number % len(self.urls)
        self.rng.seed(self.number)
        sender = self.number % len(AGENCIES)
        recipient = (sender + 1 + self.number // len(AGENCIES) % (len(AGENCIES) - 1)) % len(
            AGENCIES
        )
        self.sender, self.recipient = AGENCIES[sender], AGENCIES[recipient]

    async def call(self, endpoint: str, method: str, path: str, **kw: Any) -> httpx.Response:
        """One request, recorded; on a dead instance, once more on each other one."""
        for _attempt in range(len(self.urls)):
            url = self.urls[self.home]
            started = time.monotonic()
            try:
                response = await self.client.request(method, url + path, **kw)
            except _FAILOVER:
                self.recorder.interrupted += 1
                self.recorder.moved += 1
                self.home = (self.home + 1) % len(self.urls)
                continue
            done = time.monotonic()
            self.recorder.answers.append(
                Answer(endpoint, response.status_code, done - started,
                       done - self.recorder.started, url)
            )
            return response
        raise Unavailable(path)

    async def auth(self, who: str) -> dict[str, str]:
        if who not in self.tokens:
            r = await self.call("sign-in", "POST", "/api/v1/auth/login",
                                json={"username": who, "password": PASSWORD})
            r.raise_for_status()
            self.tokens[who] = {"Authorization": f"Bearer {r.json()['token']}"}
        return self.tokens[who]

    def person(self, agency: tuple[str, str], role: str) -> str:
        return f"{agency[0].lower()}.{role}"

    async def enrol(self, leader: dict[str, str]) -> int:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        if self.cert_id is None:
            self.key = ec.generate_private_key(ec.SECP256R1())
            csr = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
                   .sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
            r = await self.call("enrol", "POST", "/api/v1/me/certificates",
                                json={"csr": csr.decode()}, headers=leader)
            r.raise_for_status()
            self.cert_id = int(r.json()["id"])
        return self.cert_id

    async def pause(self, low: float, high: float) -> None:
        await asyncio.sleep(self.rng.uniform(low, high))

    async def send(self) -> int | None:
        """Upload, sign, issue at the sender; the document's id once issued."""
        specialist = await self.auth(self.person(self.sender, "specialist"))
        meta = {"document_type": "cong_van", "subject": f"Tải thử {self.number}",
                "signer": self.person(self.sender, "leader"),
                "recipients": [self.recipient[1]], "place": "Hậu Giang"}
        r = await self.call("upload", "POST", "/api/v1/documents", headers=specialist,
                            files={"file": ("d.pdf", _pdf(), "application/pdf")},
                            data={"metadata": json.dumps(meta)})
        if r.status_code != 201:
            self.recorder.give_up(f"upload {r.status_code}")
            return None
        doc = int(r.json()["id"])
        await self.pause(0.2, 1.0)
        leader = await self.auth(self.person(self.sender, "leader"))
        cert_id = await self.enrol(leader)
        r = await self.call("sign prepare", "POST", f"/api/v1/documents/{doc}/signatures/prepare",
                            json={"certificate_id": cert_id}, headers=leader)
        if r.status_code != 200:
            self.recorder.give_up(f"prepare {r.status_code}")
            return None
        p = r.json()
        sig = _raw_ecdsa(self.key, base64.b64decode(p["to_be_signed"]))
        r = await self.call("sign complete", "POST",
                            f"/api/v1/documents/{doc}/signatures/complete",
                            json={"session_id": p["session_id"],
                                  "signature": base64.b64encode(sig).decode()}, headers=leader)
        if r.status_code != 200:
            self.recorder.give_up(f"complete {r.status_code}")
            return None
        await self.pause(0.2, 1.0)
        clerk = await self.auth(self.person(self.sender, "clerk"))
        r = await self.call("issue", "POST", f"/api/v1/documents/{doc}/issue", headers=clerk)
        if r.status_code != 200:
            self.recorder.give_up(f"issue {r.status_code}")
            return None
        self.recorder.issued += 1
        return doc

    async def receive(self, doc: int) -> None:
        """Inbox, accept, assign, complete at the recipient."""
        clerk = await self.auth(self.person(self.recipient, "clerk"))
        transfer = None
        for _ in range(15):
            r = await self.call("inbox", "GET", "/api/v1/inbox", headers=clerk,
                                params={"limit": 100})
            if r.status_code == 200:
                found = [i for i in r.json()["items"] if i["document_id"] == doc]
                if found:
                    transfer = found[0]["id"]
                    break
            await self.pause(1.0, 2.0)
        if transfer is None:
            self.recorder.give_up("not in the inbox yet")
            return
        r = await self.call("accept", "POST", f"/api/v1/transfers/{transfer}/accept",
                            headers=clerk)
        if r.status_code != 200:
            self.recorder.give_up(f"accept {r.status_code}")
            return
        await self.pause(0.2, 1.0)
        await self.handle(transfer)

    async def handle(self, transfer: int) -> None:
        leader = await self.auth(self.person(self.recipient, "leader"))
        specialist = await self.auth(self.person(self.recipient, "specialist"))
        me = await self.call("me", "GET", "/api/v1/me", headers=specialist)
        r = await self.call("assign", "POST", f"/api/v1/transfers/{transfer}/assign",
                            json={"user_id": me.json()["user"]["id"], "instructions": "Xử lý",
                                  "deadline": "2099-12-31"}, headers=leader)
        if r.status_code != 200:
            self.recorder.give_up(f"assign {r.status_code}")
            return
        await self.pause(0.2, 1.0)
        r = await self.call("complete", "POST", f"/api/v1/transfers/{transfer}/complete",
                            headers=specialist)
        if r.status_code != 200:
            self.recorder.give_up(f"complete {r.status_code}")
            return
        self.recorder.completed += 1

    async def verify(self, doc: int) -> None:
        clerk = await self.auth(self.person(self.sender, "clerk"))
        await self.call("verify", "GET", f"/api/v1/documents/{doc}/verification", headers=clerk)

    async def run(self, until: float, ramp: float) -> None:
        await asyncio.sleep(self.rng.uniform(0, ramp))
        while time.monotonic() < until:
            try:
                doc = await self.send()
                if doc is not None:
                    await self.pause(0.5, 2.0)
                    await self.receive(doc)
                    if self.rng.random() < 0.25:
                        await self.verify(doc)
                self.recorder.stories += 1
            except Unavailable:
                self.recorder.give_up("no instance answered")
                await asyncio.sleep(2)
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                self.recorder.give_up(type(exc).__name__)
                self.tokens.clear()  # e.g. a sign-in refused: start afresh
            await self.pause(2.0, 6.0)
