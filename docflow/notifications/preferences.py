"""Where each person wants each kind of notice (page, e-mail), their address and the
language of their e-mails; people who never chose get ``kinds``' defaults, and so does
everyone for a kind added after they last saved (their form did not offer it)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col, select

from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.core.models_base import utcnow
from docflow.notifications.kinds import DEFAULT_EMAIL, DEFAULT_PAGE, FIRST_KINDS, Kind
from docflow.notifications.models import NotificationSetting

__all__ = ["Choice", "Preferences", "choices_of", "preferences_of", "save_preferences"]

LANGUAGES = ("vi", "en")
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]{1,190}\.[^@\s<>,;\".]{2,63}$")


@dataclass(frozen=True)
class Choice:
    in_page: bool
    by_email: bool


@dataclass(frozen=True)
class Preferences:
    email: str | None
    language: str
    page_kinds: frozenset[str]
    email_kinds: frozenset[str]

    def choice(self, kind: str) -> Choice:
        # No address, no e-mail: the choice is kept for when one is given.
        return Choice(kind in self.page_kinds, bool(self.email) and kind in self.email_kinds)


def _of(row: NotificationSetting | None) -> Preferences:
    if row is None:
        return Preferences(None, "vi", DEFAULT_PAGE, DEFAULT_EMAIL)
    offered = FIRST_KINDS if row.offered_kinds is None else frozenset(row.offered_kinds)
    page = DEFAULT_PAGE if row.page_kinds is None else frozenset(row.page_kinds)
    email = DEFAULT_EMAIL if row.email_kinds is None else frozenset(row.email_kinds)
    # A kind the person was never offered: its default, until they save again.
    return Preferences(row.email, row.language, page | (DEFAULT_PAGE - offered),
                       email | (DEFAULT_EMAIL - offered))


async def preferences_of(session: AsyncSession, user_id: int) -> Preferences:
    return _of(await session.get(NotificationSetting, user_id))


async def choices_of(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, Preferences]:
    """Each person's preferences (the defaults for those who never chose)."""
    ids = list(user_ids)
    rows = (await session.exec(
        select(NotificationSetting).where(col(NotificationSetting.user_id).in_(ids))
    )).all() if ids else []
    found = {r.user_id: r for r in rows}
    return {i: _of(found.get(i)) for i in ids}


def _kinds(values: Iterable[str]) -> list[str]:
    known = {k.value for k in Kind}
    chosen = sorted(set(values))
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise InvalidInput(f"Unknown notification kinds: {', '.join(unknown)}.")
    return chosen


async def save_preferences(
    session: AsyncSession,
    user_id: int,
    *,
    email: str | None,
    language: str,
    page_kinds: Iterable[str],
    email_kinds: Iterable[str],
) -> Preferences:
    """Keep a person's choices (the caller commits)."""
    address = (email or "").strip() or None
    if address is not None and not _EMAIL.match(address):
        raise InvalidInput("The e-mail address is not valid.")
    if language not in LANGUAGES:
        raise InvalidInput("language must be vi or en.")
    row = await session.get(NotificationSetting, user_id) or NotificationSetting(user_id=user_id)
    row.email, row.language = address, language
    row.page_kinds, row.email_kinds = _kinds(page_kinds), _kinds(email_kinds)
    row.offered_kinds = sorted(k.value for k in Kind)
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    return _of(row)
