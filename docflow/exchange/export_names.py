"""Names an exported package carries: the edXML ``Code`` split from docflow's symbol,
and the package's file name (with an ASCII fallback for ``Content-Disposition``)."""

from __future__ import annotations

import re
import unicodedata

from docflow.exchange import edxml

__all__ = ["ascii_filename", "code_of", "package_filename"]


def code_of(symbol: str) -> edxml.Code:
    """``01/QĐ-STTTT`` → ``CodeNumber`` ``01``, ``CodeNotation`` ``QĐ-STTTT`` (a symbol
    without a number is all notation)."""
    number, _, notation = symbol.partition("/")
    if not notation:
        return edxml.Code(number=None, notation=number)
    return edxml.Code(number=number, notation=notation)


def package_filename(symbol: str | None, document_id: int) -> str:
    """``01-QĐ-STTTT.edxml``: the number and symbol, ``/`` replaced."""
    text = (symbol or f"document-{document_id}").replace("/", "-")
    return re.sub(r"[^\w.-]", "_", text) + ".edxml"


def ascii_filename(name: str) -> str:
    """``name`` without diacritics (Đ → D), for the plain ``filename=`` parameter."""
    flat = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    kept = "".join(c for c in flat if c.isascii() and (c.isalnum() or c in ".-_"))
    return kept or "package.edxml"
