"""Reading the input: a seekable stream and its size (bounded), and one sequential pass
that computes the file's SHA-256 together with every signature's ``/ByteRange`` digest."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, Union

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import EmbeddedPdfSignature

from signing._failures import MALFORMED, log_unexpected
from signing._failures import reason as _reason
from signing.validation.errors import UnreadablePdf

PdfSource = Union[str, "os.PathLike[str]", bytes, bytearray, BinaryIO, IO[bytes]]

MAX_PDF_BYTES = 512 * 1024 * 1024
_CHUNK = 1 << 20
# digest algorithms whose hashlib and pyHanko names agree
_PREFILL_ALGOS = frozenset({"sha256", "sha384", "sha512"})


def _too_large(max_bytes: int) -> UnreadablePdf:
    return UnreadablePdf(f"The file is larger than the {max_bytes} bytes accepted.")


@contextmanager
def _open_source(source: PdfSource, max_bytes: int) -> Iterator[tuple[BinaryIO, int]]:
    """A seekable binary stream over the PDF (offset 0 = first byte) and its size."""
    if isinstance(source, (bytes, bytearray)):
        if len(source) > max_bytes:
            raise _too_large(max_bytes)
        yield io.BytesIO(bytes(source)), len(source)
        return
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise _too_large(max_bytes)
            fh = path.open("rb")
        except OSError as exc:
            raise UnreadablePdf(f"The file cannot be opened: {exc.strerror or exc}.") from exc
        with fh:
            yield fh, size
        return
    stream: Any = source
    if not (hasattr(stream, "seekable") and stream.seekable()) or stream.tell() != 0:
        # PDF offsets count from the first byte: read what is left into memory (bounded)
        data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(max_bytes)
        stream = io.BytesIO(data)
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    if size > max_bytes:
        raise _too_large(max_bytes)
    yield stream, size


def _plain_ranges(emb: EmbeddedPdfSignature, size: int) -> list[tuple[int, int]] | None:
    """The byte range as ordered, disjoint (offset, length) pairs inside the file, or None
    when it is anything else (pyHanko then computes that digest itself)."""
    try:
        values = [int(x) for x in emb.byte_range]
    except (TypeError, ValueError):
        return None
    if not values or len(values) % 2:
        return None
    pairs = list(zip(values[0::2], values[1::2], strict=True))
    end = 0
    for lo, ln in pairs:
        if lo < end or ln < 0 or lo + ln > size:
            return None
        end = lo + ln
    return pairs


def hash_file_and_byte_ranges(
    stream: BinaryIO, embedded: Sequence[EmbeddedPdfSignature], max_bytes: int
) -> str:
    """SHA-256 of the whole file, computed in one sequential read that also yields each
    signature's byte-range digest (which pyHanko would otherwise compute in a second pass)
    and hands it to pyHanko's per-signature digest cache. A SHA-256 byte range starting
    at offset 0 shares the file hash's state up to its first gap, so in the usual case the
    file is hashed about once in total. Leaves the stream at offset 0."""
    size = stream.seek(0, os.SEEK_END)
    # (emb, algo, ranges still to feed, hasher or None until its shared prefix is done)
    jobs: list[tuple[EmbeddedPdfSignature, str, list[tuple[int, int]], list[Any]]] = []
    forks: dict[int, list[int]] = {}  # offset -> jobs whose hasher forks from the file hash
    for emb in embedded:
        algo = str(getattr(emb, "external_md_algorithm", "")).lower()
        ranges = _plain_ranges(emb, size) if algo in _PREFILL_ALGOS else None
        if ranges is None or algo in emb.external_digests:
            continue
        if algo == "sha256" and ranges[0][0] == 0:
            forks.setdefault(ranges[0][1], []).append(len(jobs))
            jobs.append((emb, algo, ranges[1:], [None]))
        else:
            jobs.append((emb, algo, ranges, [hashlib.new(algo)]))
    file_hash = hashlib.sha256()
    for j in forks.get(0, []):
        jobs[j][3][0] = file_hash.copy()
    cut_points = sorted(o for o in forks if o > 0)
    stream.seek(0)
    pos = 0
    while chunk := stream.read(_CHUNK):
        view = memoryview(chunk)
        end = pos + len(chunk)
        if end > max_bytes:
            raise _too_large(max_bytes)
        at = pos
        for cut in (c for c in cut_points if pos < c <= end):
            file_hash.update(view[at - pos : cut - pos])
            for j in forks[cut]:
                jobs[j][3][0] = file_hash.copy()
            at = cut
        file_hash.update(view[at - pos :])
        for _emb, _algo, ranges, box in jobs:
            h = box[0]
            if h is None:
                continue  # still inside its shared prefix
            for lo, ln in ranges:
                a, b = max(lo, pos), min(lo + ln, end)
                if a < b:
                    h.update(view[a - pos : b - pos])
        pos = end
    stream.seek(0)
    if pos == size:  # the file did not change under us
        for emb, algo, _ranges, box in jobs:
            if box[0] is not None:
                emb.external_digests[algo] = box[0].digest()
    return file_hash.hexdigest()


def open_reader(stream: BinaryIO) -> PdfFileReader:
    """A strict reader over the PDF; :class:`UnreadablePdf` when it is not one."""
    try:
        return PdfFileReader(stream, strict=True)
    except MALFORMED as exc:
        raise UnreadablePdf(f"The file is not a readable PDF: {_reason(exc)}") from exc
    except Exception as exc:  # the boundary: file content raises nothing but UnreadablePdf
        log_unexpected(exc, "opening a PDF")
        raise UnreadablePdf(f"The file is not a readable PDF: {_reason(exc)}") from exc
