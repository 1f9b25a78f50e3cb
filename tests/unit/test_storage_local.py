"""Local store behaviour beyond the shared contract (no services needed)."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from storage import DigestMismatch, LocalObjectStore, StoreUnavailable, object_key


def test_storage_local_not_ready_before_ensure_ready(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    with pytest.raises(StoreUnavailable, match="ensure_ready"):
        store.ping()
    store.ensure_ready()
    store.ensure_ready()
    store.ping()


def test_storage_local_unusable_root_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = LocalObjectStore(blocker / "objects")
    with pytest.raises(StoreUnavailable, match="Cannot create the local store"):
        store.ensure_ready()


def test_storage_local_objects_are_read_only_files_at_their_key(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.ensure_ready()
    stored = store.put_bytes(b"hello")
    path = tmp_path / object_key(stored.sha256)
    assert path.read_bytes() == b"hello"
    assert not stat.S_IMODE(path.stat().st_mode) & 0o222


def test_storage_local_existing_object_is_never_overwritten(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.ensure_ready()
    stored = store.put_bytes(b"hello")
    path = tmp_path / object_key(stored.sha256)
    inode = path.stat().st_ino
    store.put_stream(io.BytesIO(b"hello"))
    assert path.stat().st_ino == inode


def test_storage_local_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.ensure_ready()
    store.put_bytes(b"a")
    store.put_bytes(b"a")
    with pytest.raises(DigestMismatch):
        store.put_bytes(b"b", expected_sha256="0" * 64)
    assert os.listdir(tmp_path / ".tmp") == []
