"""Finding English on a Vietnamese page: the text a person sees (no tags, scripts, styles
or attributes), and a small list of common English words that are never Vietnamese
syllables written without diacritics ("an", "do", "in", "no", "so" are, so they are not
in it).

What stays as it is: text inside an element marked ``lang="en"`` (the language switch,
the validator's untranslated technical notes), ``<code>`` (hashes, file names, codes),
tokens with digits, dots, slashes, ``@`` or ``_`` (numbers, file names, addresses,
usernames, codes), the names of other software's menus a page quotes (``ALLOWED``), and
ETSI indications (PASSED, FAILED, INDETERMINATE...) where Vietnamese stands beside them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["ALLOWED", "ENGLISH_WORDS", "english_in", "visible_chunks"]

_WORDS = """
    the and of is are was were not this that with from for your you please error errors
    document documents signature signatures signed file files page found could cannot
    allowed invalid valid request server system upload uploaded draft drafts indication
    form fields filled contains carries has have been only must will here there what
    when which after before user unknown refused missing wrong password username
    download verify check status none into nothing something went again wait should
    incoming outgoing register registers deadline subject sender recipient recipients
"""
ENGLISH_WORDS = frozenset(_WORDS.split())

#: Other software's English names a page quotes beside their Vietnamese (trust page).
ALLOWED = (
    "(Use this certificate as a trusted root)",
    "(Identities & Trusted Certificates)",
    "(Trusted Certificates)",
    "(Preferences)",
    "(Signatures)",
    "(Signature)",
    "(More…)",
    "(File)",
    "(Import)",
    "(Add)",
)

ETSI = re.compile(r"\b(TOTAL_PASSED|TOTAL_FAILED|PASSED|FAILED|INDETERMINATE)\b")
VIETNAMESE = re.compile(
    r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]",
    re.IGNORECASE,
)
_SKIPPED = {"script", "style", "template", "code", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hides its text)
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        english = any(k == "lang" and (v or "").startswith("en") for k, v in attrs)
        hidden = tag in _SKIPPED or english or any(k == "hidden" for k, _ in attrs)
        self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if any(hidden for _, hidden in self.stack):
            return
        text = " ".join(data.split())
        if text:
            self.chunks.append(text)


def visible_chunks(html: str) -> list[str]:
    """The page's visible text, one chunk per text node."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.chunks


def _english_words(text: str) -> list[str]:
    for phrase in ALLOWED:
        text = text.replace(phrase, " ")
    words = []
    for token in text.split():
        if re.search(r"[\d@/._\\{}]", token):
            continue  # numbers, file names, addresses, usernames, codes, {placeholders}
        word = token.strip("()[]{}:;,!?“”\"'«»…—–-·").lower()
        if word in ENGLISH_WORDS:
            words.append(word)
    return words


def english_in(chunks: list[str]) -> list[str]:
    """The chunks that read as English (with the words that gave them away)."""
    found = []
    for chunk in chunks:
        words = _english_words(chunk)
        if words:
            found.append(f"{chunk!r} ({', '.join(words)})")
        elif ETSI.search(chunk) and not VIETNAMESE.search(chunk):
            found.append(f"{chunk!r} (an ETSI indication with no Vietnamese beside it)")
    return found
