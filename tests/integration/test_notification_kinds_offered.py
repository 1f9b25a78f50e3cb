"""A kind of notice added after a person saved their preferences reaches them by its
default (their form never offered it), while every choice they did make stands; saving
again makes the new kind a choice like the others. On SQLite and PostgreSQL, through the
migrations."""

from __future__ import annotations

from pathlib import Path

from docflow.bootstrap import build_runtime
from docflow.notifications.kinds import DEFAULT_EMAIL, FIRST_KINDS, Kind
from docflow.notifications.models import NotificationSetting
from docflow.notifications.preferences import choices_of, preferences_of, save_preferences
from tests.integration.documents_support import seeded_settings
from tests.integration.routing_support import user_id

ADDRESS = "van.thu@stc.example.vn"
#: Two kinds the older form is made not to have offered (one e-mailed by default).
NEWER = {Kind.OVERDUE.value, Kind.DUE_SOON.value}


async def test_a_kind_added_after_saving_follows_its_default_until_saved_again(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        clerk = await user_id(runtime, "stc.clerk")
        leader = await user_id(runtime, "stc.leader")
        async with runtime.transaction() as session:
            # Almost everything off: only drafts to sign in the page, nothing by e-mail.
            await save_preferences(session, clerk, email=ADDRESS, language="vi",
                                   page_kinds=[Kind.TO_SIGN.value], email_kinds=[])
            await save_preferences(session, leader, email=ADDRESS, language="vi",
                                   page_kinds=[Kind.TO_SIGN.value], email_kinds=[])
        async with runtime.session() as session:
            saved = await preferences_of(session, clerk)
        assert saved.page_kinds == {Kind.TO_SIGN.value} and not saved.email_kinds

        # As if the clerk had saved on a release whose form did not offer NEWER yet, and
        # the leader before offered kinds were recorded at all (revision 0020).
        async with runtime.transaction() as session:
            row = await session.get(NotificationSetting, clerk)
            assert row is not None
            row.offered_kinds = sorted({k.value for k in Kind} - NEWER)
            session.add(row)
            old = await session.get(NotificationSetting, leader)
            assert old is not None
            old.offered_kinds = None
            session.add(old)
        async with runtime.session() as session:
            both = await choices_of(session, [clerk, leader])
        now = both[clerk]
        for kind in NEWER:  # never offered: the default, in the page and by e-mail
            assert now.choice(kind).in_page
            assert now.choice(kind).by_email == (kind in DEFAULT_EMAIL)
        assert now.choice(Kind.OVERDUE.value).by_email  # e-mailed by default
        for kind in {k.value for k in Kind} - NEWER - {Kind.TO_SIGN.value}:
            assert not now.choice(kind).in_page and not now.choice(kind).by_email, kind
        # Saved before offers were recorded: the ten kinds there were are all choices.
        assert both[leader].page_kinds == ({Kind.TO_SIGN.value}
                                           | ({k.value for k in Kind} - FIRST_KINDS))

        # Saved again, with the new kinds on the form: now the person's choice too.
        async with runtime.transaction() as session:
            await save_preferences(session, clerk, email=ADDRESS, language="vi",
                                   page_kinds=[Kind.TO_SIGN.value], email_kinds=[])
        async with runtime.session() as session:
            again = await preferences_of(session, clerk)
        assert again.page_kinds == {Kind.TO_SIGN.value} and not again.email_kinds
    finally:
        await runtime.dispose()
