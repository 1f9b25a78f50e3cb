"""Attachments spliced into serialised XML as base64, chunk by chunk.

The package tree is built with a unique marker as the text of each
``ContentTransferEncoded``; whatever libxml2 writes (the package, or its canonical form
for the digest) passes through a :class:`Splicer` that replaces each marker with the
attachment's base64, read from its source in chunks. Base64 text needs no escaping in
XML or in canonical XML, so the result is byte for byte what a tree holding the whole
text would have produced, without ever holding it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

from docflow.exchange.edxml.content import CHUNK, AttachmentContent

__all__ = ["Markers", "Splicer", "base64_length"]


def base64_length(size: int) -> int:
    """Characters of unwrapped, padded base64 for ``size`` bytes."""
    return 4 * ((size + 2) // 3)


class Markers:
    """Fixed-length, unguessable markers, one per attachment of one package."""

    def __init__(self) -> None:
        self.prefix = b"edxml-attachment-" + secrets.token_hex(16).encode() + b"-"
        self.length = len(self.prefix) + 6
        self.slots: dict[bytes, AttachmentContent] = {}

    def add(self, content: AttachmentContent) -> str:
        marker = self.prefix + b"%06d" % len(self.slots)
        self.slots[marker] = content
        return marker.decode("ascii")

    def output_size(self, serialised_size: int) -> int:
        """Size of the output once every marker is replaced by its base64."""
        spliced = sum(base64_length(c.size) for c in self.slots.values())
        return serialised_size - self.length * len(self.slots) + spliced


class Splicer:
    """A file-like sink replacing markers with base64; ``close()`` flushes the rest."""

    def __init__(self, markers: Markers, write: Callable[[bytes], object]) -> None:
        self._markers = markers
        self._write = write
        self._carry = b""
        self.spliced = 0

    def write(self, data: bytes) -> int:
        buffer = self._carry + data if self._carry else bytes(data)
        prefix, length = self._markers.prefix, self._markers.length
        start = 0
        while (found := buffer.find(prefix, start)) >= 0:
            if found + length > len(buffer):  # the marker continues in the next write
                self._emit(buffer[start:found])
                self._carry = buffer[found:]
                return len(data)
            self._emit(buffer[start:found])
            self._splice(buffer[found : found + length])
            start = found + length
        keep = max(start, len(buffer) - (len(prefix) - 1))  # a prefix may start here
        self._emit(buffer[start:keep])
        self._carry = buffer[keep:]
        return len(data)

    def close(self) -> None:
        self._emit(self._carry)
        self._carry = b""

    def _emit(self, data: bytes) -> None:
        if data:
            self._write(data)

    def _splice(self, marker: bytes) -> None:
        content = self._markers.slots.get(marker)
        if content is None:  # cannot happen: markers are only made by Markers.add
            raise RuntimeError("unknown attachment marker in the package")
        for block in content.chunks(CHUNK):
            self._write(base64.b64encode(block))
        self.spliced += 1
