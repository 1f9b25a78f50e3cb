"""The object store contract, run against the local store and a real S3 server."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from minio import Minio
from minio.error import S3Error

from storage import (
    DigestMismatch,
    InvalidObjectAddress,
    InvalidObjectName,
    LocalObjectStore,
    NameTaken,
    ObjectCorrupted,
    ObjectNotFound,
    ObjectStore,
    S3ObjectStore,
    StoredObject,
    StoreUnavailable,
    object_key,
    open_store,
)
from tests.services import S3Server

MiB = 1024 * 1024


class PatternStream(io.RawIOBase):
    """``size`` deterministic pseudo-random bytes, generated as read (never held whole)."""

    _BLOCK = hashlib.sha256(b"docflow").digest() * (MiB // 32)

    def __init__(self, size: int, seed: int = 0) -> None:
        self._size = size
        self._pos = 0
        self._seed = seed

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        view = memoryview(buffer).cast("B")
        n = min(len(view), self._size - self._pos)
        done = 0
        while done < n:
            block_no, offset = divmod(self._pos + done, MiB)
            block = self._block(block_no)
            take = min(n - done, MiB - offset)
            view[done : done + take] = block[offset : offset + take]
            done += take
        self._pos += n
        return n

    def _block(self, block_no: int) -> bytes:
        # Each MiB differs (its number and the seed lead it), so no two blocks repeat.
        head = f"{self._seed}:{block_no}:".encode()
        return head + self._BLOCK[len(head) :]


def pattern_sha256(size: int, seed: int = 0) -> str:
    digest = hashlib.sha256()
    stream = PatternStream(size, seed)
    while chunk := stream.read(MiB):
        digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- backends


class Backend:
    """A store under test plus the backdoor a test needs to inspect or damage it."""

    def __init__(self, store: ObjectStore, name: str) -> None:
        self.store = store
        self.name = name

    def stored_versions(self) -> list[str]:
        raise NotImplementedError

    def corrupt(self, sha: str, data: bytes) -> None:
        raise NotImplementedError


class LocalBackend(Backend):
    def __init__(self, root: Path) -> None:
        super().__init__(LocalObjectStore(root), "local")
        self.root = root

    def stored_versions(self) -> list[str]:
        return sorted(
            str(p.relative_to(self.root)) for p in (self.root / "sha256").rglob("*") if p.is_file()
        )

    def corrupt(self, sha: str, data: bytes) -> None:
        path = self.root / object_key(sha)
        path.chmod(0o644)
        path.write_bytes(data)


class S3Backend(Backend):
    def __init__(self, server: S3Server, bucket: str) -> None:
        super().__init__(open_store(server.url(bucket)), "s3")
        self.bucket = bucket
        self.client = Minio(server.endpoint, server.access_key, server.secret_key, secure=False)

    def stored_versions(self) -> list[str]:
        return sorted(
            f"{o.object_name}@{o.version_id}"
            for o in self.client.list_objects(self.bucket, recursive=True, include_version=True)
        )

    def corrupt(self, sha: str, data: bytes) -> None:
        # Someone with bucket access writes other bytes at the address (a new version).
        self.client.put_object(self.bucket, object_key(sha), io.BytesIO(data), len(data))


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "local":
        b: Backend = LocalBackend(tmp_path / "objects")
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        b = S3Backend(server, f"t-{uuid.uuid4().hex[:20]}")
    b.store.ensure_ready()
    yield b


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- contract


class TestObjectStorageContract:
    """Named so that ``-k storage`` selects it."""

    def test_bytes_round_trip(self, backend: Backend) -> None:
        store = backend.store
        data = b"%PDF-1.7 van ban so 12/UBND\n" * 100
        stored = store.put_bytes(data)
        assert stored == StoredObject(sha(data), len(data), object_key(sha(data)))
        assert stored.key == f"sha256/{sha(data)[:2]}/{sha(data)}"
        assert store.get_bytes(stored.sha256) == data
        assert store.stat(stored.sha256) == stored
        assert store.exists(stored.sha256)

    def test_stream_round_trip(self, backend: Backend, tmp_path: Path) -> None:
        store = backend.store
        data = os.urandom(3 * MiB + 17)
        stored = store.put_stream(io.BytesIO(data))
        assert stored.sha256 == sha(data) and stored.size == len(data)
        with store.open(stored.sha256) as f:
            assert f.read(10) == data[:10]
            assert f.read() == data[10:]
        sink = io.BytesIO()
        assert store.copy_to(stored.sha256, sink) == stored
        assert sink.getvalue() == data
        path = tmp_path / "in.pdf"
        path.write_bytes(data[:1000])
        assert store.put_file(path) == StoredObject.of(sha(data[:1000]), 1000)

    def test_empty_object(self, backend: Backend) -> None:
        stored = backend.store.put_bytes(b"")
        assert stored.size == 0
        assert backend.store.get_bytes(stored.sha256) == b""

    def test_same_content_twice_is_one_object(self, backend: Backend) -> None:
        data = b"same bytes"
        first = backend.store.put_bytes(data)
        second = backend.store.put_stream(io.BytesIO(data))
        assert first == second
        assert len(backend.stored_versions()) == 1

    def test_concurrent_puts_of_same_content_store_one_object(self, backend: Backend) -> None:
        data = os.urandom(2 * MiB)
        barrier = threading.Barrier(8)
        results: list[StoredObject] = []
        errors: list[BaseException] = []

        def put() -> None:
            try:
                barrier.wait()
                results.append(backend.store.put_stream(io.BytesIO(data)))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=put) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(results) == 8 and len(set(results)) == 1
        assert len(backend.stored_versions()) == 1
        assert backend.store.get_bytes(results[0].sha256) == data

    def test_missing_object_raises_not_found(self, backend: Backend) -> None:
        store = backend.store
        missing = sha(b"never stored")
        assert not store.exists(missing)
        with pytest.raises(ObjectNotFound, match=missing):
            store.stat(missing)
        with pytest.raises(ObjectNotFound):
            store.get_bytes(missing)
        with pytest.raises(ObjectNotFound), store.open(missing):
            pass
        with pytest.raises(ObjectNotFound):
            store.copy_to(missing, io.BytesIO())

    def test_malformed_address_is_rejected(self, backend: Backend) -> None:
        with pytest.raises(InvalidObjectAddress):
            backend.store.stat("../../etc/passwd")
        assert backend.store.exists(sha(b"x").upper()) is False

    def test_corrupted_object_is_detected_on_read(self, backend: Backend) -> None:
        data = b"original content of the signed document" * 1000
        stored = backend.store.put_bytes(data)
        backend.corrupt(stored.sha256, data[:-1] + b"X")
        with pytest.raises(ObjectCorrupted, match=stored.sha256):
            backend.store.get_bytes(stored.sha256)
        with pytest.raises(ObjectCorrupted):
            backend.store.copy_to(stored.sha256, io.BytesIO())

    def test_expected_sha256_mismatch_stores_nothing(self, backend: Backend) -> None:
        data = b"what the client actually sent"
        claimed = sha(b"what the client said it would send")
        with pytest.raises(DigestMismatch) as info:
            backend.store.put_stream(io.BytesIO(data), expected_sha256=claimed)
        assert isinstance(info.value, ObjectCorrupted)
        assert "nothing was stored" in str(info.value)
        with pytest.raises(DigestMismatch):
            backend.store.put_bytes(data, expected_sha256=claimed)
        assert backend.stored_versions() == []
        assert not backend.store.exists(sha(data))
        assert backend.store.put_bytes(data, expected_sha256=sha(data).upper()).size == len(data)

    @pytest.mark.slow
    def test_200mb_object_streams_both_ways_in_bounded_memory(self, backend: Backend) -> None:
        size = 200 * MiB
        expected = pattern_sha256(size, seed=1)
        tracemalloc.start()
        try:
            stored = backend.store.put_stream(io.BufferedReader(PatternStream(size, seed=1)))
            put_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            start = tracemalloc.get_traced_memory()[0]
            digest = hashlib.sha256()
            with backend.store.open(stored.sha256) as f:
                while chunk := f.read(MiB):
                    digest.update(chunk)
            get_peak = tracemalloc.get_traced_memory()[1] - start
        finally:
            tracemalloc.stop()
        assert stored == StoredObject.of(expected, size)
        assert digest.hexdigest() == expected
        assert put_peak < 64 * MiB, f"put held {put_peak / MiB:.1f} MiB"
        assert get_peak < 64 * MiB, f"get held {get_peak / MiB:.1f} MiB"


    def test_named_objects_are_written_once_and_listed(self, backend: Backend) -> None:
        store = backend.store
        until = datetime.now(UTC) + timedelta(minutes=5)
        store.put_named("audit/checkpoints/000000000007.json", b"seven", retain_until=until)
        store.put_named("audit/checkpoints/000000000012.json", b"twelve")
        store.put_named("audit/checkpoints/000000000007.json", b"seven")  # same bytes: no-op
        with pytest.raises(NameTaken):
            store.put_named("audit/checkpoints/000000000007.json", b"changed")
        assert store.get_named("audit/checkpoints/000000000007.json") == b"seven"
        assert store.list_named("audit/checkpoints/") == [
            "audit/checkpoints/000000000007.json",
            "audit/checkpoints/000000000012.json",
        ]
        assert store.list_named("audit/checkpoints/0000000000070") == []
        assert store.list_named("elsewhere/") == []
        with pytest.raises(ObjectNotFound):
            store.get_named("audit/checkpoints/000000000099.json")
        # named objects stay apart from the content-addressed ones
        assert not store.exists(sha(b"seven"))
        for bad in ("", "../x", "a//b", "A/b", "a/.hidden", "/abs", "x" * 201):
            with pytest.raises(InvalidObjectName):
                store.put_named(bad, b"x")


# --------------------------------------------------------------------------- S3 only


@pytest.mark.s3
def test_s3_named_objects_survive_deletes_and_overwrites_around_the_store(
    s3_server: S3Server,
) -> None:
    """Someone with the bucket's keys deletes or overwrites a named object: the first
    bytes are still what the store reads and lists; under object lock the first version
    cannot even be deleted."""
    backend = S3Backend(s3_server, f"t-{uuid.uuid4().hex[:20]}")
    store = backend.store
    store.ensure_ready()
    until = datetime.now(UTC) + timedelta(minutes=5)
    store.put_named("audit/checkpoints/000000000001.json", b"signed", retain_until=until)
    key = "named/audit/checkpoints/000000000001.json"
    backend.client.put_object(backend.bucket, key, io.BytesIO(b"forged"), 6)
    backend.client.remove_object(backend.bucket, key)  # a delete marker hides it
    assert store.get_named("audit/checkpoints/000000000001.json") == b"signed"
    assert store.list_named("audit/") == ["audit/checkpoints/000000000001.json"]
    assert isinstance(store, S3ObjectStore)
    if store.object_lock:
        first = [
            o.version_id
            for o in backend.client.list_objects(backend.bucket, prefix=key, include_version=True)
            if not o.is_delete_marker
        ][-1]
        with pytest.raises(S3Error):
            backend.client.remove_object(backend.bucket, key, version_id=first)
        assert store.get_named("audit/checkpoints/000000000001.json") == b"signed"


@pytest.mark.s3
def test_s3_storage_bucket_has_versioning_after_ensure_ready(s3_server: S3Server) -> None:
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    store = open_store(s3_server.url(bucket))
    assert isinstance(store, S3ObjectStore)
    store.ensure_ready()
    store.ensure_ready()  # idempotent
    store.ping()
    client = Minio(s3_server.endpoint, s3_server.access_key, s3_server.secret_key, secure=False)
    assert client.get_bucket_versioning(bucket).status == "Enabled"
    assert isinstance(store.object_lock, bool)
    assert "docflowtestsecret" not in store.describe() + repr(store)


@pytest.mark.s3
def test_s3_storage_bad_credentials_are_unavailable(s3_server: S3Server) -> None:
    bucket = f"t-{uuid.uuid4().hex[:20]}"
    open_store(s3_server.url(bucket)).ensure_ready()
    url = f"s3://{s3_server.access_key}:wrong-secret@{s3_server.endpoint}/{bucket}?secure=false"
    store = open_store(url)
    with pytest.raises(StoreUnavailable, match="access key") as info:
        store.ping()
    assert "wrong-secret" not in str(info.value)
    with pytest.raises(StoreUnavailable):
        store.put_bytes(b"x")


@pytest.mark.s3
def test_s3_storage_missing_bucket_is_unavailable(s3_server: S3Server) -> None:
    store = open_store(s3_server.url(f"t-{uuid.uuid4().hex[:20]}"))
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="does not exist"):
        store.ping()
    assert time.monotonic() - started < 10
