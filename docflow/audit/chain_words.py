"""The audit chain's state in one sentence a person reads, in Vietnamese or English:
how many events, the newest one's time, the newest checkpoint's time and what it
covers; or what is wrong and from which event on. Answered by ``GET
/api/v1/audit/verify`` (``summary``) and shown at the top of the audit page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from docflow.audit.chain import ChainStatus
from docflow.audit.event_words import EVENT_STRINGS

__all__ = ["VIETNAM", "chain_sentence", "count_text", "vn_time", "word"]

VIETNAM = timezone(timedelta(hours=7), "ICT")

#: (words in the problem a check reports, the reason's key), first match wins.
_WHY = (
    ("signed root", "chain.why.rewritten"),
    ("rewritten", "chain.why.rewritten"),
    ("edited", "chain.why.edited"),
    ("not stored", "chain.why.deleted"),
    ("missing", "chain.why.missing"),
    ("truncated", "chain.why.missing"),
    ("deleted", "chain.why.missing"),
    ("link", "chain.why.link"),
)


def word(lang: str, key: str, **facts: object) -> str:
    """``key``'s text in ``lang`` (else Vietnamese, else the key), facts filled in."""
    text = EVENT_STRINGS.get(lang, {}).get(key) or EVENT_STRINGS["vi"].get(key) or key
    return text.format(**facts) if facts else text


def count_text(n: int, lang: str) -> str:
    """1.234 in Vietnamese, 1,234 in English."""
    return f"{n:,}".replace(",", "." if lang == "vi" else ",")


def vn_time(moment: datetime, now: datetime | None = None) -> str:
    """``HH:MM`` in Vietnam time, with ``dd/mm/yyyy`` unless it is today."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(VIETNAM)
    today = (now or datetime.now(UTC)).astimezone(VIETNAM).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%H:%M %d/%m/%Y")


def _why(problem: str) -> str:
    return next((key for needle, key in _WHY if needle in problem), "chain.why.other")


def chain_sentence(status: ChainStatus, newest: datetime | None, lang: str) -> str:
    """The one sentence: intact (with counts and times), or broken from which event."""
    total = status.events_checked + status.pending.count
    broken = status.first_broken
    if broken is not None:
        return word(lang, "chain.summary.broken", position=count_text(broken.seq, lang),
                    why=word(lang, _why(broken.problem)),
                    good=count_text(max(broken.seq - 1, 0), lang))
    checkpoint = status.last_checkpoint
    if not status.ok:
        why = ("chain.why.signature" if checkpoint is not None
               and checkpoint.signature_valid is False else "chain.why.copies")
        return word(lang, "chain.summary.checkpoint_bad", count=count_text(total, lang),
                    why=word(lang, why))
    if total == 0 or newest is None:
        return word(lang, "chain.summary.empty")
    covered = (
        word(lang, "chain.summary.checkpoint", signed=vn_time(checkpoint.signed_at),
             size=count_text(checkpoint.seq, lang))
        if checkpoint is not None else word(lang, "chain.summary.no_checkpoint")
    )
    return word(lang, "chain.summary.ok", count=count_text(total, lang),
                newest=vn_time(newest), checkpoint=covered)
