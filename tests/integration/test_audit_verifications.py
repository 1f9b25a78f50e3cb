"""The audit page shows the newest whole check of the trail on record instead of checking
every event on every view (``docflow.audit.verifications``), on SQLite and PostgreSQL.

An edit made behind the application's back after a check is not on the page until the
next check, which the page says (when it checked); an auditor's "check again now" finds
it, and so does the periodic check; every auditor is told once per break, in the page
and by e-mail. The checks stay on record: the table refuses UPDATE and DELETE. Only
auditors may ask for a check, and only they are offered the notice.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlmodel import col, select

from docflow.app import create_app
from docflow.audit.checkpoints import create_checkpoint
from docflow.audit.verifications import VerifyAuditTrail, record_verification
from docflow.bootstrap import build_runtime, periodic_work
from docflow.core.audit_models import AuditVerification
from docflow.core.jobs.runner import JobRunner
from docflow.core.runtime import Runtime
from tests.integration.admin_support import Browser, browser
from tests.integration.audit_support import add_events, as_owner
from tests.integration.documents_support import seeded_settings


def _summary(html: str) -> tuple[str, str, str]:
    """(the verdict's class, its sentence, the line saying when the check ran)."""
    verdict = re.search(r'<p id="chain-summary" class="verdict ([\w-]+)"[^>]*>([^<]*)</p>',
                        html)
    checked = re.search(r'<p class="hint" id="chain-checked">([^<]*)</p>', html)
    assert verdict and checked, html[:3000]
    return verdict.group(1), verdict.group(2), checked.group(1)


async def _checks(runtime: Runtime) -> list[AuditVerification]:
    async with runtime.session() as session:
        query = select(AuditVerification).order_by(col(AuditVerification.id))
        return list((await session.exec(query)).all())


async def _page(who: Browser) -> str:
    answer = await who.get("/audit")
    assert answer.status_code == 200, answer.text
    return str(answer.text)


async def _until_checks(runtime: Runtime, count: int) -> list[AuditVerification]:
    """The checks on record once there are ``count`` (the app's own runner or this one
    runs the queued check)."""
    for _ in range(300):
        await JobRunner(runtime).run_until_idle()
        checks = await _checks(runtime)
        if len(checks) >= count:
            return checks
        await asyncio.sleep(0.2)
    raise AssertionError(f"expected {count} checks on record, found {await _checks(runtime)}")


async def _broken_notices(runtime: Runtime) -> dict[str, int]:
    """Per username, how many "audit trail broken" notices they have."""
    async with runtime.session() as session:
        rows = (await session.exec(text(
            "SELECT u.username, COUNT(*) FROM notification n JOIN user_account u"
            " ON u.id = n.user_id WHERE n.kind = 'audit_broken' GROUP BY u.username"
        ))).all()
    return {str(name): int(count) for name, count in rows}


async def test_the_page_shows_the_check_on_record_until_a_new_check(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            auditor = await browser(client, "stttt.auditor")
            await browser(client, "stc.clerk")  # more events: sign-ins

            first = await _page(auditor)
            verdict, sentence, checked = _summary(first)
            assert verdict == "v-passed" and "Chuỗi nhật ký nguyên vẹn" in sentence
            assert checked.startswith("Lần kiểm tra toàn bộ gần nhất lúc ")
            assert "mỗi 60 phút" in first and 'id="chain-verify"' in first
            (made,) = await _checks(runtime)
            assert made.trigger == "first_view" and made.ok and made.newest_seq >= 2

            # Views read the check on record: none runs again, and later events are
            # counted as not checked yet.
            await browser(client, "stttt.clerk")
            again = await _page(auditor)
            assert len(await _checks(runtime)) == 1
            assert re.search(r"\d+ sự kiện ghi sau đó đã được nối vào chuỗi",
                             _summary(again)[2])

            # Edited behind the application's back: the page shows the last check's
            # verdict, and says when it ran...
            await as_owner(runtime.engine, [
                f"UPDATE audit_event SET action = 'forged.action' WHERE seq = {made.newest_seq}"
            ])
            assert _summary(await _page(auditor))[0] == "v-passed"

            # ... until an auditor asks for a check: the page says it is under way, then
            # shows what it found.
            asked = await auditor.post("/audit/verify")
            assert asked.status_code == 303 and asked.headers["location"] == "/audit"
            twice = await auditor.post("/audit/verify")  # pressed twice: no error
            assert twice.status_code == 303
            waiting = await _page(auditor)
            checks = await _checks(runtime)
            if len(checks) == 1:  # the app's own runner may have done it already
                assert 'id="chain-asked"' in waiting and 'id="chain-verify"' not in waiting
            checks = await _until_checks(runtime, 2)
            assert checks[1].trigger == "requested" and not checks[1].ok
            assert checks[1].requested_by_id == checks[0].requested_by_id  # the auditor
            verdict, sentence, _ = _summary(await _page(auditor))
            assert verdict == "v-failed"
            assert f"bị phá vỡ từ sự kiện thứ {made.newest_seq}" in sentence
            assert "nội dung sự kiện đã bị sửa" in sentence

            # Every auditor is told, with a link to the trail; nobody else is.
            told = await _broken_notices(runtime)
            async with runtime.session() as session:
                auditors = set((await session.exec(text(
                    "SELECT u.username FROM user_account u JOIN user_role r ON r.user_id = u.id"
                    " WHERE r.role = 'auditor' AND u.is_active"))).scalars().all())
            assert {"stttt.auditor", "stc.auditor", "province.auditor"} <= auditors
            assert told == dict.fromkeys(auditors, 1), told
            notices = (await client.get("/api/v1/notifications", headers=auditor.headers)).json()
            (notice,) = [n for n in notices["items"] if n["kind"] == "audit_broken"]
            assert notice["link"] == "/audit" and notice["document_id"] is None
            assert f"bị phá vỡ từ sự kiện thứ {made.newest_seq}" in notice["subject"]
            listed = (await auditor.get("/notifications")).text
            assert "Nhật ký kiểm tra bị phá vỡ" in listed and 'href="/audit"' in listed

            # The periodic check, once across the deployment, finds it too, and tells
            # nobody again about the same break.
            (work,) = [w for w in periodic_work(settings) if w.name == "audit_verify"]
            assert work.seconds == 3600
            await work.run(runtime)
            await JobRunner(runtime).run_until_idle()  # a second press's check, if any
            third = (await _checks(runtime))[-1]
            assert third.trigger == "interval" and not third.ok
            assert third.result["first_broken"]["seq"] == made.newest_seq
            assert await _broken_notices(runtime) == told
    finally:
        await runtime.dispose()


async def test_checks_stay_on_record_and_only_auditors_ask(
    database_url: str, tmp_path: Path
) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
            auditor = await browser(client, "stttt.auditor")
            _summary(await _page(auditor))
            (made,) = await _checks(runtime)

            # Neither a clerk nor an administrator of an agency asks for checks (the
            # page is the auditors'); nothing is queued for them.
            for username in ("stttt.clerk", "stc.admin"):
                who = await browser(client, username)
                refused = await who.post("/audit/verify")
                assert refused.status_code == 403, (username, refused.text[:500])
                async with runtime.session() as session:
                    user_id = (await session.exec(text(
                        "SELECT id FROM user_account WHERE username = :u"
                    ).bindparams(u=username))).scalar_one()
                    info = await runtime.jobs.info(session, VerifyAuditTrail(user_id).key)
                assert info is None, username
            # Only auditors are offered the "trail broken" notice among their choices.
            assert 'value="audit_broken"' in (await auditor.get("/notifications")).text
            clerk = await browser(client, "stttt.clerk")
            assert 'value="audit_broken"' not in (await clerk.get("/notifications")).text
            # Without the form's token: refused, nothing queued.
            forged = await auditor.post("/audit/verify", csrf=False)
            assert forged.status_code == 403
            async with runtime.session() as session:
                queued: Any = await runtime.jobs.info(
                    session, VerifyAuditTrail(made.requested_by_id or 0).key)
            assert queued is None

        # The record of a check cannot be rewritten or removed by the application.
        for statement in (f"UPDATE audit_verification SET ok = false WHERE id = {made.id}",
                          f"DELETE FROM audit_verification WHERE id = {made.id}"):
            with pytest.raises(Exception, match="append-only"):
                async with runtime.engine.begin() as conn:
                    await conn.execute(text(statement))
        assert [c.id for c in await _checks(runtime)] == [made.id]
    finally:
        await runtime.dispose()


async def test_a_forged_checkpoint_is_told_once_while_the_trail_grows(
    database_url: str, tmp_path: Path
) -> None:
    """A break in the checkpoints rather than in an event: checks an hour apart, with
    events recorded between them, tell each auditor once."""
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        await add_events(runtime, 8)
        await create_checkpoint(runtime)
        await as_owner(runtime.engine, [
            "UPDATE audit_checkpoint SET created_by_id = 7, signature = timestamp_token"])
        first = await record_verification(runtime, "interval")
        assert not first.ok and first.result["first_broken"] is None, first.result
        told = await _broken_notices(runtime)
        assert told and set(told.values()) == {1}
        await add_events(runtime, 3, start=100)  # the trail grows between checks
        second = await record_verification(runtime, "interval")
        assert not second.ok and second.result["log_size"] > first.result["log_size"]
        assert await _broken_notices(runtime) == told
    finally:
        await runtime.dispose()


async def test_checks_asked_at_once_share_one_run(database_url: str, tmp_path: Path) -> None:
    """Auditors asking at the same moment (the API, the page's button, the hourly check)
    cannot pile up whole checks: those asked while one runs get its outcome; one asked
    after it ends runs again."""
    settings = await seeded_settings(database_url, tmp_path)
    runtime = build_runtime(settings)
    try:
        await add_events(runtime, 20)
        together = await asyncio.gather(*(
            record_verification(runtime, "api", who) for who in (1, 2, 3, 4)))
        assert {c.id for c in together} == {together[0].id}
        assert len(await _checks(runtime)) == 1
        later = await record_verification(runtime, "interval")
        assert later.id != together[0].id and len(await _checks(runtime)) == 2
    finally:
        await runtime.dispose()
