"""Inputs and outputs of signing: paths, bytes or streams, never a whole file in memory.

Outputs are opened ``'wb+'`` (pyHanko buffers everything in memory otherwise); a path
output is written to a temporary file beside it and renamed into place on success.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing._failures import MALFORMED
from signing.errors import InvalidPdfError, SigningError

__all__ = [
    "PdfInput",
    "PdfOutput",
    "open_input",
    "open_output",
    "open_writer",
    "stream_digest",
]

PdfInput = str | os.PathLike[str] | bytes | BinaryIO
"""A PDF given as a path, its bytes, or a readable seekable binary stream."""
PdfOutput = str | os.PathLike[str] | BinaryIO
"""Where a PDF goes: a path, or a readable, writable, seekable binary stream."""

CHUNK = 1 << 20


@contextmanager
def open_input(source: PdfInput) -> Iterator[BinaryIO]:
    """A readable, seekable stream over ``source`` (closed on exit if opened here)."""
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(bytes(source))
        return
    if isinstance(source, str | os.PathLike):
        try:
            handle = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InvalidPdfError(f"The PDF {os.fspath(source)} cannot be read: {exc}.") from exc
        with handle:
            yield handle
        return
    if not source.seekable():
        raise SigningError("The input stream must be seekable.")
    source.seek(0)
    yield source


@contextmanager
def open_output(target: PdfOutput) -> Iterator[tuple[BinaryIO, Path | None]]:
    """A ``'wb+'`` stream for the output; a path target is replaced only on success."""
    if not isinstance(target, str | os.PathLike):
        if not (target.seekable() and target.readable() and target.writable()):
            raise SigningError("The output stream must be readable, writable and seekable.")
        target.seek(0)
        target.truncate()
        yield target, None
        return
    path = Path(target)
    if not path.parent.is_dir():
        raise SigningError(f"The output folder {path.parent} does not exist.")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb+") as handle:
            yield handle, path
            handle.flush()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def open_writer(stream: BinaryIO) -> IncrementalPdfFileWriter:
    """An incremental writer over ``stream``; tolerates hybrid-xref files (Word exports)."""
    try:
        return IncrementalPdfFileWriter(stream, strict=False)
    except MALFORMED as exc:
        raise InvalidPdfError(f"The file is not a readable PDF ({exc}).") from exc


def stream_digest(stream: IO[bytes]) -> tuple[str, int]:
    """SHA-256 (hex) and size of a stream, read in chunks from the start."""
    stream.flush()
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
