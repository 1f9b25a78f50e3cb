"""The fast hex-string reader gives exactly what pyHanko's own gives: the same string,
the same place in the file after it, the same error for what is not a hex string."""

from __future__ import annotations

import asyncio
import io
import random
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

import signing  # noqa: F401  (its first use installs the reader)
from signing import _pdf_hex


def _pyhanko_own() -> Any:
    _pdf_hex.install()
    return _pdf_hex._original


def _outcome(read: Any, data: bytes) -> tuple[Any, ...]:
    stream = io.BytesIO(data)
    try:
        value = read(stream)
    except Exception as exc:  # the error a reader gives is part of what is compared
        return ("error", type(exc).__name__, str(exc))
    return ("value", type(value).__name__, bytes(value.original_bytes), stream.tell())


def _random_inputs(count: int) -> list[bytes]:
    rnd = random.Random(20261130)
    alphabet = b"0123456789abcdefABCDEF \n\r\t\f\x00%>g<)"
    inputs = []
    for _ in range(count):
        body = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        close = b">" if rnd.random() < 0.8 else b""
        tail = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(0, 5)))
        inputs.append(b"<" + body + close + tail)
    return inputs


EDGES = [
    b"<>",
    b"<4>",  # odd: a trailing 0 is implied
    b"<41 42\n43>rest",
    b"<FEFF0041>",  # UTF-16 text
    b"<41%comment>\n42>",  # a comment inside: pyHanko's reader decides
    b"<41x2>",
    b"<4142",  # the file ends inside the string
    b"<" + b"ab" * 70000 + b">",  # longer than one read
]


@pytest.mark.parametrize("data", EDGES)
def test_fast_reader_matches_pyhankos_reader_at_the_edges(data: bytes) -> None:
    assert _outcome(_pdf_hex.read_hex_string_from_stream, data) == _outcome(_pyhanko_own(), data)


def test_fast_reader_matches_pyhankos_reader_on_random_input() -> None:
    """4,000 seeded random strings of digits, white space, comments, stray bytes."""
    fast, own = _pdf_hex.read_hex_string_from_stream, _pyhanko_own()
    differ = [d for d in _random_inputs(4000) if _outcome(fast, d) != _outcome(own, d)]
    assert differ == []


def test_the_reader_is_installed_once_signing_is_used() -> None:
    signing.FieldLayout  # noqa: B018  (any name loads it)
    assert generic.read_hex_string_from_stream is _pdf_hex.read_hex_string_from_stream
    _pdf_hex.install()
    assert _pdf_hex._original is not _pdf_hex.read_hex_string_from_stream


@pytest.fixture(scope="module")
def signed_pdf_bytes() -> bytes:
    """tiny_pdf signed twice by the dev PKI's leader (two /Contents to read)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from tests.pki import simple_signer, tiny_pdf

    data = tiny_pdf()
    for field in ("First", "Second"):
        out = io.BytesIO()
        meta = signers.PdfSignatureMetadata(field_name=field)
        signer = signers.PdfSigner(meta, signer=simple_signer("vp-leader"))
        asyncio.run(signer.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), output=out))
        data = out.getvalue()
    return data


def test_a_signed_file_reads_the_same_signature_contents(signed_pdf_bytes: bytes) -> None:
    """Every signature's /Contents of a real signed PDF, read with either reader."""

    def contents(read: Any) -> list[bytes]:
        saved = generic.read_hex_string_from_stream
        generic.read_hex_string_from_stream = read
        try:
            reader = PdfFileReader(io.BytesIO(signed_pdf_bytes), strict=False)
            return [bytes(s.sig_object["/Contents"]) for s in reader.embedded_signatures]
        finally:
            generic.read_hex_string_from_stream = saved

    fast = contents(_pdf_hex.read_hex_string_from_stream)
    assert fast and all(len(c) > 1000 for c in fast)
    assert fast == contents(_pyhanko_own())
