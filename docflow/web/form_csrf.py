"""The one CSRF rule of the pages' forms (deliveries, jobs, administration, bulk
accept, notifications): a form posted from a browser session carries a token bound to
that session's cookie (``accounts.auth.csrf_token_for``); a bearer token needs none (no
browser sends one by itself)."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request

from docflow.accounts import auth as auth_service
from docflow.accounts.auth import SESSION_COOKIE
from docflow.core.errors import PermissionDenied
from docflow.core.runtime import Runtime

__all__ = ["CSRF_FIELD", "check_csrf", "csrf_for"]

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
