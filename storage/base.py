"""The store contract: content addresses, :class:`StoredObject` and :class:`ObjectStore`."""

from __future__ import annotations

import hashlib
import io
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO, Protocol, cast

from storage.errors import (
    DigestMismatch,
    InvalidObjectAddress,
    InvalidObjectName,
    ObjectCorrupted,
    ObjectNotFound,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "CHUNK_SIZE",
    "ObjectStore",
    "StoredObject",
    "check_expected",
    "copy_hashed",
    "named_key",
    "normalize_name",
    "normalize_sha256",
    "object_key",
    "verifying_reader",
]

CHUNK_SIZE = 1024 * 1024
"""Bytes read or written at a time when streaming."""

_HEX64 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*")
_NAME_MAX = 200
#: Where named objects live in a store, apart from the content-addressed ``sha256/``.
NAMED_PREFIX = "named/"


def normalize_sha256(sha256_hex: str) -> str:
    """The address in canonical form (lower-case hex); :class:`InvalidObjectAddress` otherwise."""
    value = sha256_hex.strip().lower() if isinstance(sha256_hex, str) else ""
    if not _HEX64.fullmatch(value):
        raise InvalidObjectAddress(
            f"{sha256_hex!r} is not a SHA-256 object address: give 64 hexadecimal digits."
        )
    return value


def object_key(sha256_hex: str) -> str:
    """The storage key of content with this SHA-256: ``sha256/<hex[:2]>/<hex>``."""
    hex_ = normalize_sha256(sha256_hex)
    return f"sha256/{hex_[:2]}/{hex_}"


def normalize_name(name: str, *, prefix: bool = False) -> str:
    """A named object's name (``audit/checkpoints/000042.json``): lower-case letters,
    digits, ``._-`` in ``/``-separated segments that do not start with a dot;
    :class:`InvalidObjectName` otherwise. With ``prefix`` the empty name and a trailing
    ``/`` are allowed (a listing prefix)."""
    value = name if isinstance(name, str) else ""
    body = value[:-1] if prefix and value.endswith("/") else value
    if (prefix and body == "") or (len(value) <= _NAME_MAX and _NAME.fullmatch(body)):
        return value
    raise InvalidObjectName(
        f"{name!r} is not an object name: use lower-case letters, digits and ._- in "
        f"/-separated parts that do not start with a dot, at most {_NAME_MAX} characters."
    )


def named_key(name: str) -> str:
    """The storage key of the named object ``name``: ``named/<name>``."""
    return NAMED_PREFIX + normalize_name(name)


@dataclass(frozen=True)
class StoredObject:
    """An object held by a store, named by the SHA-256 of its bytes."""

    sha256: str
    """Lower-case hex SHA-256 of the content; the object's address."""
    size: int
    """Length of the content in bytes."""
    key: str
    """Key inside the store: ``sha256/<hex[:2]>/<hex>``."""

    @classmethod
    def of(cls, sha256_hex: str, size: int) -> StoredObject:
        hex_ = normalize_sha256(sha256_hex)
        return cls(sha256=hex_, size=size, key=object_key(hex_))


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def copy_hashed(source: _Readable, dest: BinaryIO | None = None) -> tuple[str, int]:
    """Read ``source`` to its end in chunks (writing them to ``dest`` if given);
    return the SHA-256 hex and the length. Memory use is one chunk."""
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = source.read(CHUNK_SIZE)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        if dest is not None:
            dest.write(chunk)
    return digest.hexdigest(), size


def check_expected(actual: str, expected: str | None, where: str) -> None:
    """Raise :class:`DigestMismatch` when ``expected`` is given and differs from ``actual``."""
    if expected is not None and normalize_sha256(expected) != actual:
        raise DigestMismatch(
            f"The content hashes to SHA-256 {actual}, not the expected {expected}; "
            f"nothing was stored in the {where}: check that the right file was sent whole."
        )


class _VerifyingReader(io.BufferedIOBase):
    """Hands out the bytes of ``source`` unchanged (no extra copy) and checks their
    SHA-256 and length when ``source`` reaches EOF."""

    def __init__(
        self,
        source: _Readable,
        stored: StoredObject,
        where: str,
        on_close: Callable[[], None],
    ) -> None:
        super().__init__()
        self._source = source
        self._stored = stored
        self._where = where
        self._on_close = on_close
        self._digest = hashlib.sha256()
        self._size = 0
        self._error: ObjectCorrupted | None = None
        self._verified = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        if self._error is not None:
            raise self._error
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(CHUNK_SIZE), b""))
        if size == 0:
            return b""
        data = self._source.read(size)
        if not data:
            self._finish()
            return b""
        self._digest.update(data)
        self._size += len(data)
        return data

    def read1(self, size: int = -1, /) -> bytes:
        return self.read(size if size >= 0 else CHUNK_SIZE)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def readinto1(self, buffer: WriteableBuffer, /) -> int:
        return self.readinto(buffer)

    def _finish(self) -> None:
        if self._verified:
            return
        actual = self._digest.hexdigest()
        if actual != self._stored.sha256 or self._size != self._stored.size:
            self._error = ObjectCorrupted(
                f"Object {self._stored.sha256} in the {self._where} is corrupted: its "
                f"{self._size} bytes hash to {actual}; restore it from a backup or replica."
            )
            raise self._error
        self._verified = True

    def close(self) -> None:
        if not self.closed:
            try:
                self._on_close()
            finally:
                super().close()


def verifying_reader(
    source: _Readable, stored: StoredObject, where: str, on_close: Callable[[], None]
) -> BinaryIO:
    """A binary reader over ``source`` that raises :class:`ObjectCorrupted` at EOF when
    the bytes read do not hash to ``stored.sha256``; closing it calls ``on_close``."""
    return cast(BinaryIO, _VerifyingReader(source, stored, where, on_close))


class ObjectStore(ABC):
    """Content-addressed, write-once object storage.

    Blocking I/O: async callers run these methods in a thread. An object is stored at
    the SHA-256 of its bytes and is never overwritten; storing the same content again is
    a no-op that answers the same :class:`StoredObject`. Every method raises only
    :class:`~storage.errors.StorageError` subclasses for storage failures.
    """

    @abstractmethod
    def ensure_ready(self) -> None:
        """Create what the store needs (directories, bucket with versioning); idempotent."""

    @abstractmethod
    def ping(self) -> None:
        """A cheap check that the store answers; :class:`StoreUnavailable` with a reason."""

    @abstractmethod
    def put_stream(self, stream: BinaryIO, *, expected_sha256: str | None = None) -> StoredObject:
        """Store everything ``stream`` yields until EOF, hashing while reading; memory use
        is bounded whatever the length. With ``expected_sha256``, content that hashes to
        anything else raises :class:`DigestMismatch` and nothing is stored."""

    @abstractmethod
    def open(self, sha256: str) -> AbstractContextManager[BinaryIO]:
        """A streaming reader of the object; :class:`ObjectNotFound` if absent. Reading to
        EOF raises :class:`ObjectCorrupted` if the bytes do not hash to ``sha256``: a caller
        must read to the end before trusting what it read."""

    @abstractmethod
    def stat(self, sha256: str) -> StoredObject:
        """The stored object's address and size, without reading it; :class:`ObjectNotFound`."""

    @abstractmethod
    def describe(self) -> str:
        """Where the objects live, for logs and error messages (never secrets)."""

    @abstractmethod
    def put_named(self, name: str, data: bytes, *, retain_until: datetime | None = None) -> None:
        """Store ``data`` under ``name``, once: the same bytes again is a no-op, other bytes
        raise :class:`NameTaken`. With ``retain_until`` (aware), a store with object lock
        refuses to delete or replace the object before then, even for its owner."""

    @abstractmethod
    def get_named(self, name: str) -> bytes:
        """The bytes first stored under ``name`` (a later version written around the store
        does not replace them); :class:`ObjectNotFound` if none ever were."""

    @abstractmethod
    def list_named(self, prefix: str = "") -> list[str]:
        """Every name starting with ``prefix`` that holds bytes (also when hidden by a later
        delete where the store keeps versions), sorted."""

    def put_file(
        self, path: str | os.PathLike[str], *, expected_sha256: str | None = None
    ) -> StoredObject:
        """Store the contents of the file at ``path``."""
        with open(path, "rb") as f:
            return self.put_stream(f, expected_sha256=expected_sha256)

    def put_bytes(self, data: bytes, *, expected_sha256: str | None = None) -> StoredObject:
        """Store ``data`` (already in memory)."""
        return self.put_stream(io.BytesIO(data), expected_sha256=expected_sha256)

    def get_bytes(self, sha256: str) -> bytes:
        """The whole object, verified; for small objects only."""
        with self.open(sha256) as f:
            return f.read()

    def copy_to(self, sha256: str, dest: BinaryIO) -> StoredObject:
        """Stream the object into ``dest``, verified at the end (``dest`` then holds the
        bytes even when :class:`ObjectCorrupted` is raised: discard them)."""
        size = 0
        with self.open(sha256) as f:
            while chunk := f.read(CHUNK_SIZE):
                dest.write(chunk)
                size += len(chunk)
        return StoredObject.of(sha256, size)

    def exists(self, sha256: str) -> bool:
        """True when an object is stored at ``sha256``."""
        try:
            self.stat(sha256)
        except ObjectNotFound:
            return False
        return True

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.describe()}>"
