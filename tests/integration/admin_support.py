"""What the admin page tests share: browser sessions through the sign-in API, the page
forms' fields, and reading the answer (temporary password, users, audit events)."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient
from sqlmodel import col, select

from docflow.accounts.models_user import User
from docflow.bootstrap import build_runtime
from docflow.core.audit_models import AuditEvent
from docflow.core.settings import Settings
from tests.integration.documents_support import PASSWORD

TEMPORARY = re.compile(r'id="temporary-password" class="secret">([^<]+)<')


class Browser:
    """One person's browser session: the cookie, the page forms' CSRF token."""

    def __init__(self, client: AsyncTestClient, cookie: str, csrf: str, lang: str = "vi"):
        self.client, self.cookie, self.csrf, self.lang = client, cookie, csrf, lang

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"docflow_session={self.cookie}; lang={self.lang}"}

    async def get(self, path: str) -> Any:
        return await self.client.get(path, headers=self.headers, follow_redirects=False)

    async def post(self, path: str, fields: dict[str, Any] | None = None, *,
                   csrf: bool = True) -> Any:
        data = dict(fields or {})
        if csrf:
            data["csrf_token"] = self.csrf
        return await self.client.post(path, data=data, headers=self.headers,
                                      follow_redirects=False)


async def sign_in(client: AsyncTestClient, username: str, password: str = PASSWORD) -> Any:
    """The sign-in API's answer for a browser session (not raised on refusal)."""
    answer = await client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password, "session": "cookie"},
    )
    client.cookies.clear()
    return answer


async def browser(client: AsyncTestClient, username: str, password: str = PASSWORD) -> Browser:
    answer = await sign_in(client, username, password)
    assert answer.status_code == 200, answer.text
    return Browser(client, answer.cookies["docflow_session"], answer.json()["csrf_token"])


def temporary_password(html: str) -> str:
    found = TEMPORARY.search(html)
    assert found, html[:2000]
    return found.group(1)


async def user_row(settings: Settings, username: str) -> User | None:
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            return (await session.exec(select(User).where(User.username == username))).first()
    finally:
        await runtime.dispose()


async def events(settings: Settings, action: str) -> list[AuditEvent]:
    runtime = build_runtime(settings)
    try:
        async with runtime.session() as session:
            query = select(AuditEvent).where(AuditEvent.action == action)
            return list((await session.exec(query.order_by(col(AuditEvent.seq)))).all())
    finally:
        await runtime.dispose()


def new_person(**overrides: Any) -> dict[str, Any]:
    return {
        "full_name": "Nguyễn Thị Hồng Nhung",
        "username": "stttt.nhung",
        "email": "nhung@stttt.haugiang.gov.vn",
        "roles": ["specialist"],
        **overrides,
    }
