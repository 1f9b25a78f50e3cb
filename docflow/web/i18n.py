"""The one message catalogue of everything a person reads: Vietnamese (default) and
English, chosen by the ``lang`` cookie, keyed by stable codes.

The strings live by area beside this module (``i18n_common``, ``i18n_documents``,
``i18n_errors``, ``i18n_events``, ``i18n_deliveries``; the jobs page adds its own) and
are merged here; every key has a text in each language (``untranslated()`` lists those
that do not, and a test fails on them). Dates show as dd/mm/yyyy in Vietnam time
(UTC+07:00, no daylight saving).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from docflow.web.i18n_audit import AUDIT_STRINGS
from docflow.web.i18n_common import COMMON_STRINGS
from docflow.web.i18n_deliveries import DELIVERY_STRINGS
from docflow.web.i18n_documents import DOCUMENT_STRINGS
from docflow.web.i18n_errors import ERROR_STRINGS
from docflow.web.i18n_events import EVENT_STRINGS
from docflow.web.i18n_notifications import NOTIFICATION_STRINGS
from docflow.web.i18n_recall import RECALL_STRINGS
from docflow.web.i18n_search import SEARCH_STRINGS
from docflow.web.i18n_sign_many import SIGN_MANY_STRINGS
from docflow.web.i18n_workplace import WORKPLACE_STRINGS

__all__ = [
    "CATALOGUE",
    "DEFAULT_LANG",
    "LANGS",
    "VIETNAM",
    "translator",
    "untranslated",
    "vn_date",
    "vn_datetime",
]

DEFAULT_LANG = "vi"
LANGS = ("vi", "en")
VIETNAM = timezone(timedelta(hours=7), "ICT")

CATALOGUE: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
_AREAS = (
    COMMON_STRINGS, DOCUMENT_STRINGS, ERROR_STRINGS, EVENT_STRINGS, DELIVERY_STRINGS,
    SEARCH_STRINGS, NOTIFICATION_STRINGS, AUDIT_STRINGS, WORKPLACE_STRINGS, SIGN_MANY_STRINGS,
    SEARCH_STRINGS, NOTIFICATION_STRINGS, AUDIT_STRINGS, WORKPLACE_STRINGS,
    RECALL_STRINGS,
)
for _area in _AREAS:
    for _lang, _strings in _area.items():
        CATALOGUE[_lang].update(_strings)


def translator(lang: str) -> Any:
    """``t(key, **facts)`` for ``lang``: the string (``{fact}`` filled in), else the
    Vietnamese one, else the key."""
    strings = CATALOGUE.get(lang, CATALOGUE[DEFAULT_LANG])
    fallback = CATALOGUE[DEFAULT_LANG]

    def t(key: str, **facts: Any) -> str:
        text = strings.get(key) or fallback.get(key) or key
        return text.format(**facts) if facts else text

    return t


def untranslated() -> list[str]:
    """``lang:key`` for every key of the catalogue that lacks a text in some language."""
    keys = set().union(*(CATALOGUE[lang] for lang in LANGS))
    return sorted(
        f"{lang}:{key}"
        for lang in LANGS
        for key in keys
        if not CATALOGUE[lang].get(key, "").strip()
    )


def _as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM)


def vn_date(value: datetime | str | None) -> str:
    """``dd/mm/yyyy`` in Vietnam time; empty for nothing."""
    moment = _as_datetime(value)
    return moment.strftime("%d/%m/%Y") if moment else ""


def vn_datetime(value: datetime | str | None) -> str:
    """``HH:MM dd/mm/yyyy`` in Vietnam time; empty for nothing."""
    moment = _as_datetime(value)
    return moment.strftime("%H:%M %d/%m/%Y") if moment else ""
