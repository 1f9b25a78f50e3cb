"""A fast reader for PDF hex strings, installed in pyHanko's object parser.

pyHanko reads a hex string (``<...>``) one byte at a time through Python calls. Every
signature's ``/Contents`` is one: 6,000 to 20,000 hex digits for a seal with its
certificates and time stamp, so listing the signatures of an issued document parsed
about 43,000 digits this way, and a seal at B-LTA lists them five times (its own
signing, revocation data for the others, the archive time stamp, its revocation data,
the archive facts). That was a tenth of a signing worker's time.

``read_hex_string_from_stream`` here gives the same value and leaves the stream at the
same place for a well-formed hex string (digits and PDF white space up to ``>``), found
with one ``bytes.find`` and decoded with ``binascii``. Anything else (a comment, a
stray byte, a string the file ends inside) is handed back to pyHanko's own reader from
the start, so every error and edge case stays pyHanko's. ``install`` is idempotent.
"""

from __future__ import annotations

import binascii
from typing import Any

__all__ = ["install", "read_hex_string_from_stream"]

_WHITESPACE = b" \n\r\t\f\x00"
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_CHUNK = 1 << 16

_original: Any = None


def read_hex_string_from_stream(stream: Any) -> Any:
    """``<hex digits>`` at the stream's position as a PDF string object (pyHanko's
    ``pdf_string``), the stream left just after ``>``."""
    from pyhanko.pdf_utils.generic import pdf_string

    start = stream.tell()
    stream.read(1)  # "<"
    body = bytearray()
    while True:
        chunk = stream.read(_CHUNK)
        end = chunk.find(b">")
        if end >= 0:
            body += chunk[:end]
            break
        if not chunk:  # the file ends inside the string: pyHanko's error
            return _fallback(stream, start)
        body += chunk
    raw = bytes(body)
    if raw.translate(None, _HEX_DIGITS + _WHITESPACE):  # a comment or a stray byte
        return _fallback(stream, start)
    digits = raw.translate(None, _WHITESPACE)
    stream.seek(start + len(raw) + 2)
    if len(digits) % 2:
        digits += b"0"
    return pdf_string(binascii.unhexlify(digits))


def _fallback(stream: Any, start: int) -> Any:
    stream.seek(start)
    return _original(stream)


def install() -> None:
    """Make pyHanko's object parser use ``read_hex_string_from_stream`` (once)."""
    global _original
    from pyhanko.pdf_utils import generic

    if _original is not None:
        return
    _original = generic.read_hex_string_from_stream
    generic.read_hex_string_from_stream = read_hex_string_from_stream
