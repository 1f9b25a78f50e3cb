"""Reading a package safely: a strict streaming pass that runs ahead of the tree.

Two libxml2 parsers read the same chunks. The *gate* is a streaming (SAX-style) parser
with every protection on — no DTD, no entity resolution, no network, ``huge_tree``
off — and a target that refuses any DOCTYPE, counts depth, elements and text, and
decodes each attachment's base64 into a size-capped spool as it streams past. The
*tree* parser builds the document needed for the signature digest; it is fed each
chunk only after the gate has accepted the next one (or the end), so it never sees
input the gate has not already judged. The tree parser needs libxml2's ``huge_tree``
only because one attachment's base64 text is a single text node, and libxml2 caps
those at 10 MB otherwise; everything else ``huge_tree`` relaxes (entity expansion,
nesting) the gate has already ruled out, and the whole input is bounded by
``Limits.max_package_bytes``.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from docflow.exchange.edxml.content import Spool
from docflow.exchange.edxml.errors import PackageRefused, PackageTooLarge
from docflow.exchange.edxml.limits import Limits
from docflow.exchange.edxml.messages import Problem, problem

__all__ = ["Source", "read_document"]

Source = bytes | bytearray | memoryview | Path | BinaryIO
_READ = 256 * 1024
_WHITESPACE = b" \t\r\n"
_ATTACHMENT_PATH = ("AttachmentEncoded", "Attachment", "ContentTransferEncoded")


class _Refusal(Exception):
    def __init__(self, found: Problem, *, too_large: bool = False) -> None:
        super().__init__(found.en)
        self.problem = found
        self.too_large = too_large


class _Base64Sink:
    """Decodes base64 arriving in arbitrary pieces into a spool, within a size cap."""

    def __init__(self, spool: Spool, index: int, limits: Limits) -> None:
        self._spool = spool
        self._index = index
        self._limits = limits
        self._pending = b""
        self._ended = False  # padding seen: nothing may follow

    def feed(self, text: str) -> None:
        try:
            raw = text.encode("ascii").translate(None, _WHITESPACE)
        except UnicodeEncodeError:
            raise self._bad() from None
        if not raw:
            return
        if self._ended:
            raise self._bad()
        buffer = self._pending + raw
        cut = len(buffer) - len(buffer) % 4
        self._pending = buffer[cut:]
        if cut:
            self._decode(buffer[:cut])

    def _decode(self, data: bytes) -> None:
        try:
            decoded = binascii.a2b_base64(data, strict_mode=True)
        except binascii.Error:
            raise self._bad() from None
        self._ended = data.endswith(b"=")
        if self._spool.size + len(decoded) > self._limits.max_attachment_bytes:
            limit_mb = round(self._limits.max_attachment_bytes / (1024 * 1024), 1)
            found = problem("attachment_too_large", index=self._index, limit_mb=limit_mb)
            raise _Refusal(found, too_large=True)
        self._spool.write(decoded)

    def finish(self) -> None:
        if self._pending:
            raise self._bad()

    def _bad(self) -> _Refusal:
        return _Refusal(problem("attachment_not_base64", index=self._index))


class Gate:
    """The strict parser's target: limits, DOCTYPE refusal, attachment decoding."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._path: list[str] = []
        self._elements = 0
        self._text = 0
        self._sink: _Base64Sink | None = None
        self._seen_body = False
        #: one entry per ``AttachmentEncoded/Attachment``, in order: its decoded bytes
        self.slots: list[Spool | None] = []

    def doctype(self, name: Any, public_id: Any, system_id: Any) -> None:
        raise _Refusal(problem("doctype_forbidden"))

    def start(self, tag: Any, attrib: Any) -> None:
        if self._sink is not None:  # an element inside an attachment's base64
            raise _Refusal(problem("attachment_malformed", index=len(self.slots)))
        local = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        self._path.append(local)
        self._elements += 1
        self._text = 0
        if len(self._path) > self._limits.max_depth:
            raise _Refusal(problem("too_deep", limit=self._limits.max_depth))
        if self._elements > self._limits.max_elements:
            raise _Refusal(problem("too_many_elements", limit=self._limits.max_elements))
        if tuple(self._path[1:3]) == _ATTACHMENT_PATH[:2] and len(self._path) == 3:
            if len(self.slots) >= self._limits.max_attachments:
                limit = self._limits.max_attachments
                raise _Refusal(problem("too_many_attachments", limit=limit))
            self.slots.append(None)
            self._seen_body = False
        elif tuple(self._path[1:]) == _ATTACHMENT_PATH:
            self._open_body()

    def _open_body(self) -> None:
        index = len(self.slots)
        if self._seen_body:
            raise _Refusal(problem("attachment_malformed", index=index))
        self._seen_body = True
        spool = Spool(self._limits.spool_threshold, self._limits.spool_dir)
        self.slots[-1] = spool
        self._sink = _Base64Sink(spool, index, self._limits)

    def end(self, tag: Any) -> None:
        if self._sink is not None:
            self._sink.finish()
            self._sink = None
        self._path.pop()
        self._text = 0

    def data(self, text: str) -> None:
        if self._sink is not None:
            self._sink.feed(text)
            return
        self._text += len(text)
        if self._text > self._limits.max_text_chars:
            where = "/".join(self._path[1:]) or "edXML"
            raise _Refusal(problem("text_too_long", where=where, limit=self._limits.max_text_chars))

    def close(self) -> None:
        return None

    def discard(self) -> None:
        """Remove every spool file (a refused package leaves nothing behind)."""
        for spool in self.slots:
            if spool is not None:
                spool.discard()


@dataclass
class ReadDocument:
    """The accepted input: its tree, the decoded attachments, size and SHA-256."""

    tree: Any
    slots: list[Spool | None]
    size: int
    sha256: str


def _chunks(source: Source) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), _READ):
            yield bytes(view[start : start + _READ])
    elif isinstance(source, Path):
        with source.open("rb") as handle:
            yield from _chunks(handle)
    else:
        while block := source.read(_READ):
            yield block


def _parsers(gate: Gate) -> tuple[Any, Any]:
    strict = etree.XMLParser(
        target=gate, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    tree = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, collect_ids=False
    )
    return strict, tree


def read_document(source: Source, limits: Limits) -> ReadDocument:
    """Parse ``source`` within ``limits``; :class:`PackageRefused` (never anything else
    from the XML) when it cannot be read safely."""
    gate = Gate(limits)
    strict, full = _parsers(gate)
    digest = hashlib.sha256()
    size = 0
    pending: bytes | None = None
    try:
        for chunk in _chunks(source):
            size += len(chunk)
            if size > limits.max_package_bytes:
                raise _Refusal(_too_large(limits), too_large=True)
            digest.update(chunk)
            strict.feed(chunk)
            if pending is not None:
                full.feed(pending)
            pending = chunk
        strict.close()
        if pending is not None:
            full.feed(pending)
        root = full.close()
    except _Refusal as refusal:
        gate.discard()
        kind = PackageTooLarge if refusal.too_large else PackageRefused
        raise kind(refusal.problem) from None
    except etree.XMLSyntaxError as error:
        gate.discard()
        raise PackageRefused(_syntax_problem(error)) from None
    return ReadDocument(root.getroottree(), gate.slots, size, digest.hexdigest())


def _too_large(limits: Limits) -> Problem:
    return problem(
        "package_too_large",
        limit_mb=limits.max_package_mb,
        detail="reading stopped at the limit",
        detail_vi="việc đọc đã dừng tại giới hạn",
    )


def _syntax_problem(error: Any) -> Problem:
    message = str(getattr(error, "msg", "") or error)
    if message.startswith("Entity '") and "not defined" in message:
        return problem("entity_forbidden", name=message.split("'")[1])
    if message.startswith("no element found") or "Document is empty" in message:
        return problem("not_xml", detail="the input is empty")
    line, column = getattr(error, "position", (0, 0)) or (0, 0)
    message = message.split(", line ")[0][:200]
    return problem("not_xml", detail=f"line {line}, column {column}: {message}")
