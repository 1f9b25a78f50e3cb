"""File names of downloads: ``Content-Disposition`` with an ASCII ``filename`` for old
clients and the real (Vietnamese) name as RFC 5987 ``filename*``."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

__all__ = ["ascii_name", "attachment_disposition", "safe_name"]

_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(text: str) -> str:
    """``text`` as a file name: ``/`` and spaces become ``-``, nothing else that a file
    system or a header could misread (letters with diacritics stay)."""
    name = _UNSAFE.sub("-", text.replace("/", "-")).strip("-.")
    return re.sub(r"-{2,}", "-", name)


def ascii_name(name: str, fallback: str = "document.pdf") -> str:
    """``name`` without diacritics (``Đ`` → ``D``), for the plain ``filename=``."""
    flat = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    kept = "".join(c for c in flat if c.isascii() and (c.isalnum() or c in ".-_"))
    return kept if kept.strip(".-_") else fallback


def attachment_disposition(name: str) -> str:
    """``attachment; filename="01-QD-UBND.pdf"; filename*=UTF-8''01-Q%C4%90-UBND.pdf``."""
    plain = ascii_name(name)
    if plain == name:
        return f'attachment; filename="{plain}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
