"""What every page shares: who is looking (cookie session), their language, rendering,
and the way back after signing in (errors as pages: ``docflow.web.error_pages``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template import TemplateConfig

from docflow.accounts import auth as auth_service
from docflow.accounts.auth import SESSION_COOKIE
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import Principal
from docflow.accounts.users import Me, whoami
from docflow.core.errors import NotAuthenticated
from docflow.core.runtime import Runtime
from docflow.notifications.inbox import unread_count
from docflow.search.queues import Queue, queue_counts
from docflow.transfers.statuses import LEGACY_LABELS, SENDING, STATUS_LABELS
from docflow.web.i18n import CATALOGUE, DEFAULT_LANG, LANGS, translator, vn_date, vn_datetime

__all__ = [
    "LANG_COOKIE",
    "TEMPLATE_CONFIG",
    "SignInRequired",
    "Viewer",
    "lang_of",
    "page",
    "provide_viewer",
    "safe_next",
    "sign_in_redirect",
]

LANG_COOKIE = "lang"
HERE = Path(__file__).parent
SIGN_IN_PATH = "/sign-in"


def _engine_callback(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["vn_date"] = vn_date
    engine.engine.filters["vn_datetime"] = vn_datetime


TEMPLATE_CONFIG = TemplateConfig(
    directory=HERE / "templates",
    engine=JinjaTemplateEngine,
    engine_callback=_engine_callback,
)


class SignInRequired(Exception):
    """No live session: the page answers with the sign-in page, then comes back."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person looking at a page."""

    principal: Principal
    me: Me
    #: The person's work queues with counts, for the menu (counted once per request).
    queues: tuple[Queue, ...] = ()
    #: Unread notifications (the bell in the menu).
    unread: int = 0

    def has(self, role: str) -> bool:
        return self.principal.has(Role(role))

    @property
    def roles(self) -> list[str]:
        return sorted(r.value for r in self.principal.roles)

    @property
    def province_admin(self) -> bool:
        """An administrator of the whole deployment (background jobs, agencies)."""
        return self.principal.has(Role.ADMIN) and self.principal.province_scope


def lang_of(request: Request[Any, Any, Any]) -> str:
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def safe_next(value: str | None) -> str:
    """A same-site path to return to (never another host)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


async def provide_viewer(request: Request[Any, Any, Any]) -> Viewer:
    """The page's viewer from the session cookie (or a bearer token); ``SignInRequired``
    when there is none or it ended."""
    token = request.cookies.get(SESSION_COOKIE)
    header = request.headers.get("authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    if not token:
        raise SignInRequired
    runtime: Runtime = request.app.state.runtime
    async with runtime.session() as session:
        try:
            principal = await auth_service.authenticate(
                session, token, runtime.settings.effective_secret_key
            )
        except NotAuthenticated:
            raise SignInRequired from None
        me = await whoami(session, principal)
        unread = await unread_count(session, principal.user_id)
        queues = tuple(await queue_counts(session, principal))
    request.state.principal = principal
    request.state.viewer = viewer = Viewer(principal, me, queues=queues, unread=unread)
    return viewer


async def recounted(request: Request[Any, Any, Any], viewer: Viewer) -> Viewer:
    """``viewer`` with its menu counts taken again: for a page that answers a form after
    the form's work changed them (counted before it, the menu still showed the work as
    waiting)."""
    runtime: Runtime = request.app.state.runtime
    async with runtime.session() as session:
        unread = await unread_count(session, viewer.principal.user_id)
        queues = tuple(await queue_counts(session, viewer.principal))
    request.state.viewer = fresh = replace(viewer, queues=queues, unread=unread)
    return fresh


def page(
    request: Request[Any, Any, Any],
    template: str,
    viewer: Viewer | None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    lang = lang_of(request)
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "t": translator(lang),
            "lang": lang,
            "viewer": viewer,
            "path": request.url.path,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "strings_json": json.dumps(CATALOGUE[lang], ensure_ascii=False),
            "status_label": lambda code, old_meaning=False: _status_label(code, lang, old_meaning),
            **context,
        },
    )


def _status_label(code: str, lang: str, old_meaning: bool = False) -> str:
    # ``old_meaning``: an 04/05 event signed before their meaning changed (migration 0009).
    if not code:  # the sender's transfer to another system, before its first report
        return SENDING.vietnamese if lang == "vi" else SENDING.english
    info = (LEGACY_LABELS if old_meaning else STATUS_LABELS).get(code)
    if info is None:
        return code
    return f"{code} · {info.vietnamese if lang == 'vi' else info.english}"


def sign_in_redirect(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """To the sign-in page, and back here afterwards (saying the session ended, if any)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = f"{SIGN_IN_PATH}?next={quote(here, safe='/')}"
    if request.cookies.get(SESSION_COOKIE):  # there was a session: say it ended
        target += "&expired=1"
    return Redirect(target, status_code=303)
