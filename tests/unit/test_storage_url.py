"""open_store URL parsing and the address helpers (no services needed)."""

from __future__ import annotations

import dataclasses
import socket
import time
from pathlib import Path

import pytest

import storage
from storage import (
    InvalidObjectAddress,
    InvalidStorageURL,
    LocalObjectStore,
    S3ObjectStore,
    StorageError,
    StoredObject,
    StoreUnavailable,
    object_key,
    open_store,
)

HEX = "ab" * 32


def test_storage_public_api_is_curated() -> None:
    assert set(storage.__all__) >= {
        "StorageError",
        "InvalidStorageURL",
        "StoreUnavailable",
        "ObjectNotFound",
        "ObjectCorrupted",
        "StoredObject",
        "object_key",
        "ObjectStore",
        "LocalObjectStore",
        "S3ObjectStore",
        "open_store",
    }
    for name in storage.__all__:
        obj = getattr(storage, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, StorageError), name


def test_storage_object_key_and_stored_object() -> None:
    assert object_key(HEX) == f"sha256/ab/{HEX}"
    assert object_key(HEX.upper()) == f"sha256/ab/{HEX}"
    stored = StoredObject.of(HEX, 5)
    assert stored == StoredObject(sha256=HEX, size=5, key=f"sha256/ab/{HEX}")
    with pytest.raises(dataclasses.FrozenInstanceError):
        stored.size = 6  # type: ignore[misc]
    for bad in ("", "ab", "g" * 64, "../" + HEX[3:], HEX + "0"):
        with pytest.raises(InvalidObjectAddress):
            object_key(bad)


def test_storage_file_url_opens_a_local_store(tmp_path: Path) -> None:
    store = open_store(f"file://{tmp_path}/objects")
    assert isinstance(store, LocalObjectStore)
    assert store.root == tmp_path / "objects"
    assert store.describe() == f"local store at {tmp_path / 'objects'}"
    assert isinstance(open_store(f"file://localhost{tmp_path}/"), LocalObjectStore)


def test_storage_s3_url_opens_an_s3_store() -> None:
    store = open_store("s3://AKIA%2FX:s3cr%40t@minio.local:9000/docflow-objects?secure=false")
    assert isinstance(store, S3ObjectStore)
    assert store.bucket == "docflow-objects"
    assert store.describe() == "S3 bucket docflow-objects at http://minio.local:9000"
    assert "s3cr" not in repr(store)
    secure = open_store("s3://a:b@s3.example.gov.vn/bucket1?secure=true&region=ap-southeast-1")
    assert secure.describe() == "S3 bucket bucket1 at https://s3.example.gov.vn"
    assert open_store("s3://a:b@h:1/bkt").describe().startswith("S3 bucket bkt at https://")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://host/x", "unknown scheme 'ftp'"),
        ("/var/objects", "has no scheme"),
        ("file://relative/path", "names the host"),
        ("file:///", "absolute directory"),
        ("file:///x?y=1", "query"),
        ("s3://host:9000/bucket", "credentials"),
        ("s3://a:b@host:9000/", "bucket"),
        ("s3://a:b@host:9000/Bad_Bucket", "bucket"),
        ("s3://a:b@host:9000/bucket?secure=maybe", "secure="),
        ("s3://a:b@host:9000/bucket?tls=1", "unknown parameters"),
        ("s3://a:b@host:notaport/bucket", "malformed"),
    ],
)
def test_storage_bad_url_says_what_is_accepted(url: str, problem: str) -> None:
    with pytest.raises(InvalidStorageURL) as info:
        open_store(url)
    message = str(info.value)
    assert problem in message
    assert "file:///" in message and "s3://ACCESS:SECRET@host:port/bucket" in message
    assert isinstance(info.value, ValueError)


def test_storage_bad_url_message_hides_the_secret() -> None:
    with pytest.raises(InvalidStorageURL) as info:
        open_store("s3://key:topsecret@host:9000/B?secure=false")
    assert "topsecret" not in str(info.value)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_storage_unreachable_s3_is_unavailable_quickly() -> None:
    endpoint = f"127.0.0.1:{_closed_port()}"
    store = open_store(f"s3://key:secret@{endpoint}/docflow?secure=false")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        store.ping()
    with pytest.raises(StoreUnavailable):
        store.ensure_ready()
    with pytest.raises(StoreUnavailable):
        store.put_bytes(b"x")
    assert time.monotonic() - started < 10
    message = str(info.value)
    assert endpoint in message and "unreachable" in message
    assert "secret" not in message.replace("secure=", "")
