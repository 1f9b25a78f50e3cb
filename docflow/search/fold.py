"""Folding text for the search index: what is stored and what is searched are folded the
same way, so "nguyen" finds "Nguyễn" and "qd" finds "QĐ" on SQLite and PostgreSQL alike
(no database extension such as ``unaccent`` is needed).

NFD, combining marks dropped, đ/Đ → d, lower case, and every run of characters that is
not a letter or digit becomes one space ("01/QĐ-UBND" → "01 qd ubnd"): both databases'
tokenizers then see the same words.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_TERMS", "fold", "match_fts5", "match_tsquery", "symbol_words", "terms"]

#: A query's words beyond this are ignored (a search box, not a document).
MAX_TERMS = 12
_MAX_TERM = 64
_NOT_WORD = re.compile(r"[\W_]+")
_D = str.maketrans({"đ": "d", "Đ": "d"})
#: A number and symbol as written (``07/QĐ-UBND``, ``125/UBND-VP``), or a symbol's tail.
_SYMBOL = re.compile(r"\b\d{0,6}/?[^\W_]+(?:[-/][^\W_]+)+")


def fold(text: str | None) -> str:
    """``text`` without diacritics or case, words separated by single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare.lower()).strip()


def _compact(chunk: str) -> str:
    return fold(chunk).replace(" ", "")


def symbol_words(text: str | None) -> str:
    """Each number-and-symbol in ``text`` as one folded word, whole and without its number
    ("07/QĐ-UBND" → "07qdubnd qdubnd"), so a search for a symbol finds exactly it."""
    found: list[str] = []
    for match in _SYMBOL.finditer(text or ""):
        whole = match.group(0)
        found.append(_compact(whole))
        if "/" in whole:
            found.append(_compact(whole.split("/", 1)[1]))
    return " ".join(dict.fromkeys(w for w in found if w))


def terms(query: str | None) -> list[str]:
    """The folded words of a search box's text (at most ``MAX_TERMS``, each bounded); a
    chunk written like a symbol ("01/QĐ-UBND", "qd-ubnd") is one word (``symbol_words``)."""
    words: list[str] = []
    for chunk in (query or "").split():
        if ("/" in chunk or "-" in chunk) and len(fold(chunk).split()) > 1:
            words.append(_compact(chunk))
        else:
            words.extend(fold(chunk).split())
    bounded = [w[:_MAX_TERM] for w in words if w]
    return list(dict.fromkeys(bounded))[:MAX_TERMS]


def match_tsquery(words: list[str]) -> str:
    """PostgreSQL ``to_tsquery('simple', ...)``: every word, each as a prefix. Words are
    letters and digits only (``fold``), so nothing in them is query syntax."""
    return " & ".join(f"{w}:*" for w in words)


def match_fts5(words: list[str]) -> str:
    """SQLite FTS5 ``MATCH``: every word (quoted), each as a prefix."""
    return " ".join(f'"{w}"*' for w in words)
