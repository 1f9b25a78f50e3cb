"""The UI speaks Vietnamese everywhere: every page of ``docflow.web.routes`` rendered as
the role it is for, and the error pages (403, 404, 400 for a bad query parameter, 413,
500, 503), with no English sentence in the visible text (``ui_language_support``); every
key of the one message catalogue has its Vietnamese and English text, and no Vietnamese
text (the scripts' too) is English. Error pages keep the site's frame (menu, the
person, sign-out) and answer HTML; under ``/api/`` errors stay JSON with their code."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from litestar import get
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.testing import AsyncTestClient

import docflow
from docflow.app import create_app
from docflow.web.i18n import CATALOGUE, untranslated
from docflow.web.i18n_errors import STATUS_KEYS
from storage import StorageError
from tests.integration.documents_support import PASSWORD, login, seeded_settings, upload
from tests.integration.routing_support import STC, issue_over_http
from tests.integration.ui_language_support import english_in, visible_chunks
from tests.pki import tiny_pdf

SUBJECT = "Về việc kiểm tra ngôn ngữ giao diện"
DUMP = bool(os.environ.get("DOCFLOW_UI_LANGUAGE_DUMP"))  # print what each page shows


def test_every_catalogue_key_has_vietnamese_and_english() -> None:
    import docflow.web.routes  # noqa: F401 - pages that add their strings on import

    assert untranslated() == []
    for status in STATUS_KEYS:
        assert f"error.status.{status}" in CATALOGUE["vi"], status


def test_every_refusal_code_has_its_sentence_in_the_catalogue() -> None:
    """Each stable code a domain error or a refused job carries (``code="..."``, a class's
    ``code = "..."``, ``JobRefused(sentence, "code")``) is said on pages as ``err.<code>``."""
    root = Path(docflow.__file__).parent
    patterns = (
        re.compile(r'\bcode="([a-z_]+)"'),
        re.compile(r'^\s+code = "([a-z_]+)"$', re.MULTILINE),
        re.compile(r'JobRefused\((?:[^()]|\([^()]*\))*?,\s*"([a-z_]+)",?\s*\)', re.DOTALL),
    )
    codes = {
        code
        for source in root.rglob("*.py")
        for pattern in patterns
        for code in pattern.findall(source.read_text(encoding="utf-8"))
    }
    assert {"bad_credentials", "throttled", "pdf_encrypted", "pdf_signed"} <= codes, codes
    for lang in ("vi", "en"):
        missing = sorted(c for c in codes if not CATALOGUE[lang].get(f"err.{c}"))
        assert not missing, (lang, missing)


def test_no_vietnamese_text_of_the_catalogue_is_english() -> None:
    import docflow.web.routes  # noqa: F401

    english = english_in(list(CATALOGUE["vi"].values()))
    assert not english, "\n".join(english)


def test_the_detector_finds_english_and_passes_vietnamese() -> None:
    assert english_in(["The document contains no signatures."])
    assert english_in(["Indication"]) and english_in(["Form fields were filled in"])
    assert english_in(["— system"]) and english_in(["INDETERMINATE"])
    assert not english_in(["Kết luận: Chưa xác định (INDETERMINATE)"])
    assert not english_in(["Tệp draft.pdf, stttt.clerk@example.vn, 01/QĐ-STTTT, PDF, PAdES"])
    assert not visible_chunks('<a lang="en">English</a><script>var the = 1</script>')
    assert visible_chunks("<p title='the error'>Văn bản <b>đến</b></p>") == ["Văn bản", "đến"]


async def _browser(client: AsyncTestClient[Any], username: str) -> dict[str, str]:
    """The session cookie of a browser sign-in (pages read the cookie, not a token)."""
    answer = await client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "session": "cookie"},
    )
    assert answer.status_code == 200, answer.text
    token = answer.cookies["docflow_session"]
    client.cookies.clear()
    return {"Cookie": f"docflow_session={token}"}


@get("/ui-test/fail/{status:int}", include_in_schema=False, sync_to_thread=False)
def _fail(status: FromPath[int]) -> None:
    """A page that fails as a server can: the store down (503), a bug (500)."""
    if status == 503:
        raise StorageError("the store is down")
    if status == 500:
        raise RuntimeError("a bug")
    raise HTTPException(status_code=status)


async def _world(client: AsyncTestClient[Any]) -> dict[str, int]:
    """An issued document delivered to STC (accepted there), and a draft awaiting the
    leader: what the document, transfer and list pages show."""
    issued = await issue_over_http(client, [STC], SUBJECT)
    specialist = await login(client, "stttt.specialist")
    draft = await upload(client, specialist, tiny_pdf(), recipients=[STC], subject=SUBJECT)
    assert draft.status_code == 201, draft.text
    stc_clerk = await login(client, "stc.clerk")
    inbox = (await client.get("/api/v1/inbox", headers=stc_clerk)).json()["items"]
    transfer = next(i["id"] for i in inbox if i["document_id"] == issued)
    accepted = await client.post(f"/api/v1/transfers/{transfer}/accept", headers=stc_clerk)
    assert accepted.status_code == 200, accepted.text
    return {"issued": issued, "draft": int(draft.json()["id"]), "transfer": int(transfer)}


def _pages(ids: dict[str, int]) -> list[tuple[str | None, str, int]]:
    """(who, address, expected status): each page as the role it is for."""
    doc, draft, transfer = ids["issued"], ids["draft"], ids["transfer"]
    return [
        (None, "/sign-in", 200),
        (None, "/sign-in?expired=1&next=/inbox", 200),
        (None, "/trust", 200),
        (None, "/no/such/page", 404),
        ("stttt.specialist", "/", 200),
        ("stttt.specialist", "/drafts", 200),
        ("stttt.specialist", "/upload", 200),
        ("stttt.specialist", f"/documents/{draft}", 200),
        ("stttt.leader", "/to-sign", 200),
        ("stttt.leader", f"/documents/{draft}", 200),
        ("stttt.clerk", "/outbox", 200),
        ("stttt.clerk", "/registers", 200),
        ("stttt.clerk", f"/documents/{doc}", 200),
        ("stttt.clerk", "/deliveries", 200),
        ("stttt.clerk", "/verify", 200),
        ("stc.clerk", "/inbox", 200),
        ("stc.clerk", f"/transfers/{transfer}", 200),
        ("stc.clerk", "/registers", 200),
        ("stc.clerk", "/notifications", 200),
        ("stc.leader", f"/transfers/{transfer}", 200),
        ("stttt.auditor", f"/documents/{doc}", 200),
        ("stttt.auditor", "/audit", 200),
        ("stc.auditor", "/audit", 200),
        ("province.auditor", "/audit", 200),
        ("province.admin", "/", 200),
        ("province.admin", "/admin/jobs", 200),
        ("province.admin", "/admin/users", 200),
        ("province.admin", "/admin/agencies", 200),
        ("stttt.admin", "/admin/users", 200),
        ("stttt.admin", "/admin/agencies", 200),
        ("stttt.leader", "/account/keys", 200),
        # Errors, signed in: each keeps the frame.
        ("stttt.auditor", "/upload", 403),
        ("stc.specialist", f"/documents/{draft}", 404),
        ("stttt.clerk", "/no/such/page", 404),
        ("stttt.clerk", "/documents/999999", 404),
        ("stttt.clerk", "/registers?year=abc", 400),
        ("stttt.clerk", "/audit", 403),
        ("stttt.auditor", "/audit?from=30/11/2026", 422),
        ("stttt.clerk", "/ui-test/fail/413", 413),
        ("stttt.clerk", "/ui-test/fail/500", 500),
        ("stttt.clerk", "/ui-test/fail/503", 503),
    ]


async def test_every_page_and_error_page_is_vietnamese(database_url: str, tmp_path: Path) -> None:
    settings = await seeded_settings(database_url, tmp_path)
    app = create_app(settings)
    app.register(_fail)
    async with AsyncTestClient(app=app, timeout=180) as client:
        ids = await _world(client)
        sessions: dict[str, dict[str, str]] = {}
        problems: list[str] = []
        for who, path, status in _pages(ids):
            if who is not None and who not in sessions:
                sessions[who] = await _browser(client, who)
            headers = sessions[who] if who else {}
            answer = await client.get(path, headers=headers, follow_redirects=False)
            where = f"{who or 'visitor'} {path}"
            if answer.status_code != status:
                problems.append(f"{where}: {answer.status_code}, expected {status}")
                continue
            assert "text/html" in answer.headers["content-type"], where
            html = answer.text
            assert '<html lang="vi">' in html, where
            chunks = visible_chunks(html)
            assert len(chunks) > 5, (where, chunks)  # the frame and the page, at least
            problems += [f"{where}: {e}" for e in english_in(chunks)]
            if path == "/upload" and status == 403:
                assert 'data-code="upload_roles"' in html, where  # the refusal's own sentence
            if DUMP:
                print(where, chunks)
            if status >= 400:
                assert 'class="error-reason"' in html, where
                assert "a bug" not in html and "store is down" not in html, where  # no leak
                if who is not None:  # the frame: menu, person, sign-out
                    assert 'class="menu"' in html and 'id="sign-out"' in html, where
        assert not problems, "\n".join(problems)
        await _english_and_api_errors(client, sessions["stttt.clerk"])


async def _english_and_api_errors(client: AsyncTestClient[Any], clerk: dict[str, str]) -> None:
    english = {"Cookie": clerk["Cookie"] + "; lang=en"}
    missing = await client.get("/no/such/page", headers=english)
    assert missing.status_code == 404 and '<html lang="en">' in missing.text
    assert "Page not found" in missing.text and 'id="sign-out"' in missing.text
    throttled = await client.get("/ui-test/fail/503")  # no session: a page, no menu
    assert throttled.status_code == 503 and "text/html" in throttled.headers["content-type"]
    assert throttled.headers.get("retry-after") == "30"
    # Under /api/ errors stay JSON, with the refusal's code when it has one.
    for path, status in (("/api/v1/no-such", 404), ("/api/v1/registers/outgoing?year=x", 400)):
        answer = await client.get(path, headers=clerk)
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"].startswith("application/json"), path
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": "stttt.clerk", "password": "not-the-password"}
    )
    body: dict[str, Any] = wrong.json()
    assert wrong.status_code == 401 and body["code"] == "bad_credentials", body
    assert body["detail"]  # the English sentence stays for programs
