"""The one CSRF rule of the pages' forms (deliveries, jobs, administration, bulk
accept, notifications): a form posted from a browser session carries a token bound to
that session's cookie (``accounts.auth.csrf_token_for``); a bearer token needs none (no
browser sends one by itself)."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.response import Redirect

from docflow.accounts import auth as auth_service
from docflow.accounts.auth import SESSION_COOKIE
from docflow.core.errors import PermissionDenied
from docflow.core.runtime import Runtime
from docflow.web.pages import SignInRequired, Viewer, provide_viewer

__all__ = ["CSRF_FIELD", "check_csrf", "csrf_for", "posted_form"]

PageRequest = Request[Any, Any, Any]

#: The hidden field every page form carries.
CSRF_FIELD = "csrf_token"


def csrf_for(request: PageRequest) -> str:
    """The form's CSRF token: bound to the browser's session cookie ('' without one)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ""
    runtime: Runtime = request.app.state.runtime
    return auth_service.csrf_token_for(token, runtime.settings.effective_secret_key)


def check_csrf(request: PageRequest, sent: object) -> None:
    """A browser session (cookie) must send the page's token; a bearer token needs none."""
    if not request.cookies.get(SESSION_COOKIE):
        return
    expected = csrf_for(request)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise PermissionDenied(
            "This form is out of date or did not come from docflow's page; reload the page "
            "and press the button again."
        )


async def posted_form(request: PageRequest, back: str) -> tuple[Viewer, Any] | Redirect:
    """The signed-in viewer and the posted form, its CSRF token checked; without a live
    session, a redirect to sign in and then to ``back`` (a page, not the POST)."""
    try:
        viewer = await provide_viewer(request)
    except SignInRequired:
        ended = "&expired=1" if request.cookies.get(SESSION_COOKIE) else ""
        return Redirect(f"/sign-in?next={quote(back, safe='')}{ended}", status_code=303)
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    return viewer, form
