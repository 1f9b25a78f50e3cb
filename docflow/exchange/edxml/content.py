"""The bytes of an attachment: in memory, in a caller's file, or in a temporary spool file.

Packages carry signed PDFs of tens of megabytes; nothing here copies them. Building a
package reads the bytes in chunks (twice when signing: once for the digest, once for
the output) and parsing writes decoded chunks straight to a spool.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["AttachmentContent", "CHUNK"]

#: Bytes read at a time; a multiple of 3 so that chunks base64-encode without padding.
CHUNK = 3 * 64 * 1024


class AttachmentContent:
    """An attachment's bytes; immutable once made. Read them with :meth:`open` or
    :meth:`chunks`; :attr:`size` and :meth:`sha256` never read the bytes twice.

    Two contents are equal when their bytes are (compared by size and SHA-256).
    A content made by the parser above the spool threshold lives in a temporary file
    that is deleted when the content object is no longer referenced.
    """

    __slots__ = ("_data", "_path", "_size", "_sha256", "__weakref__")

    def __init__(
        self, *, data: bytes | None, path: Path | None, size: int, sha256: str | None
    ) -> None:
        self._data = data
        self._path = path
        self._size = size
        self._sha256 = sha256

    @classmethod
    def from_bytes(cls, data: bytes) -> AttachmentContent:
        """Bytes held in memory (a small attachment, or one the caller already holds)."""
        return cls(data=bytes(data), path=None, size=len(data), sha256=None)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> AttachmentContent:
        """A file the caller owns and keeps unchanged while the content is in use."""
        resolved = Path(path)
        return cls(data=None, path=resolved, size=resolved.stat().st_size, sha256=None)

    @property
    def size(self) -> int:
        """Length in bytes."""
        return self._size

    @property
    def in_memory(self) -> bool:
        return self._data is not None

    def open(self) -> BinaryIO:
        """A fresh binary reader positioned at the start (close it when done)."""
        if self._data is not None:
            return io.BytesIO(self._data)
        assert self._path is not None
        return self._path.open("rb")

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The bytes in chunks of ``size`` (the last may be shorter)."""
        if self._data is not None:
            view = memoryview(self._data)
            for start in range(0, len(view), size):
                yield bytes(view[start : start + size])
            return
        with self.open() as handle:
            while block := handle.read(size):
                yield block

    def read(self) -> bytes:
        """All the bytes in memory: for small attachments and tests."""
        if self._data is not None:
            return self._data
        with self.open() as handle:
            return handle.read()

    def sha256(self) -> str:
        """SHA-256 of the bytes, hex (computed once)."""
        if self._sha256 is None:
            digest = hashlib.sha256()
            for block in self.chunks():
                digest.update(block)
            self._sha256 = digest.hexdigest()
        return self._sha256

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AttachmentContent):
            return NotImplemented
        return self._size == other._size and self.sha256() == other.sha256()

    def __hash__(self) -> int:
        return hash(self.sha256())

    def __repr__(self) -> str:
        where = "memory" if self._data is not None else "file"
        return f"AttachmentContent(size={self._size}, in {where})"


class Spool:
    """Receives decoded bytes; keeps them in memory up to ``threshold``, then in a
    temporary file. :meth:`finish` hands over an :class:`AttachmentContent`."""

    def __init__(self, threshold: int, directory: Path | None) -> None:
        self._threshold = threshold
        self._directory = directory
        self._buffer = bytearray()
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._digest.update(data)
        self.size += len(data)
        if self._file is None and len(self._buffer) + len(data) <= self._threshold:
            self._buffer += data
            return
        if self._file is None:
            fd, name = tempfile.mkstemp(prefix="edxml-", suffix=".part", dir=self._directory)
            self._file = os.fdopen(fd, "wb")
            self._path = Path(name)
            self._file.write(self._buffer)
            self._buffer = bytearray()
        self._file.write(data)

    def finish(self) -> AttachmentContent:
        """The content received; the spool hands its file over and forgets it."""
        digest = self._digest.hexdigest()
        if self._file is None:
            data, self._buffer = bytes(self._buffer), bytearray()
            return AttachmentContent(data=data, path=None, size=self.size, sha256=digest)
        self._file.close()
        self._file = None
        assert self._path is not None
        content = AttachmentContent(data=None, path=self._path, size=self.size, sha256=digest)
        weakref.finalize(content, _unlink, self._path)
        self._path = None
        return content

    def discard(self) -> None:
        """Drop what was received (a refused package leaves no file behind)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._path is not None:
            _unlink(self._path)
            self._path = None
        self._buffer = bytearray()


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
