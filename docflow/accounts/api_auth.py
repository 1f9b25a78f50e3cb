"""Sign-in over HTTP: bearer tokens for API clients, a cookie + CSRF token for browsers.

The app-wide guard ``require_sign_in`` resolves the caller of every ``/api/`` route
(but those marked public, i.e. login) before anything else of the request is read:
``Authorization: Bearer <token>`` first, else the ``docflow_session`` cookie, for
which unsafe methods also need ``X-CSRF-Token`` equal to the ``docflow_csrf`` cookie's
value. No or bad credentials answer 401. Handlers get the caller from the
``principal`` dependency.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import JSONBody

from docflow.accounts import auth as auth_service
from docflow.accounts.auth import SESSION_COOKIE
from docflow.accounts.permissions import Principal
from docflow.accounts.users import Me, UserInfo, whoami
from docflow.core.db import AsyncSession
from docflow.core.errors import NotAuthenticated, PermissionDenied
from docflow.core.http.dependencies import (
    REQUEST_SESSION,
    new_request_session,
    request_session,
)
from docflow.core.runtime import Runtime
from docflow.core.settings import Settings

__all__ = [
    "AUTH_HANDLERS",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "provide_principal",
    "require_sign_in",
    "sign_in_check",
]

CSRF_COOKIE = "docflow_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _credentials(request: Request[Any, Any, Any]) -> tuple[str, str] | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(
                "Use 'Authorization: Bearer <token>' with a token from POST /api/v1/auth/login."
            )
        return "bearer", token.strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return "cookie", cookie
    return None


async def _sign_in_check(
    request: Request[Any, Any, Any], session: AsyncSession, settings: Settings
) -> Principal:
    found = _credentials(request)
    if found is None:
        raise NotAuthenticated("You need to sign in (POST /api/v1/auth/login) to do this.")
    kind, token = found
    secret = settings.effective_secret_key
    principal = await auth_service.authenticate(session, token, secret)
    if kind == "cookie" and request.method.upper() not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER.lower(), "")
        expected = auth_service.csrf_token_for(token, secret)
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise PermissionDenied(
                f"The {CSRF_HEADER} header is missing or wrong; send the value of the "
                f"{CSRF_COOKIE} cookie with every change made from the browser."
            )
    request.state.auth_token = token
    request.state.auth_kind = kind
    request.state.principal = principal
    return principal


async def sign_in_check(
    connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession, settings: Settings
) -> Principal:
    """The caller signed in on ``connection`` (401/403 otherwise), for a route that
    accepts other credentials too and so is not under ``require_sign_in``."""
    return await _sign_in_check(connection, session, settings)  # type: ignore[arg-type]


async def require_sign_in(connection: ASGIConnection[Any, Any, Any, Any], handler: Any) -> None:
    """App-wide guard: every ``/api/`` route but those marked ``opt={"public": True}``
    needs a live session. Guards run before query, path and body are parsed, so an
    unsigned caller learns nothing but 401 (not even which parameters a route takes)."""
    if not connection.url.path.startswith("/api/") or handler.opt.get("public"):
        return
    runtime: Runtime = connection.app.state.runtime
    if not _keeps_session(connection, handler):
        async with new_request_session(connection.scope, reading=True) as session:
            await _sign_in_check(connection, session, runtime.settings)  # type: ignore[arg-type]
        return

    # The handler's ``db_session`` goes on with this session: one connection per request.
    session = request_session(connection.scope)
    try:
        await _sign_in_check(connection, session, runtime.settings)  # type: ignore[arg-type]
    except BaseException:
        connection.scope["state"].pop(REQUEST_SESSION, None)
        await session.close()
        raise


_SESSION_USERS = frozenset({"db_session", "principal"})


def _keeps_session(connection: ASGIConnection[Any, Any, Any, Any], handler: Any) -> bool:
    """Whether the guard's session should live on as the handler's ``db_session``: for a
    request without a body (nothing is read between the guard and the handler, so no
    connection idles in a transaction while a client uploads) whose handler takes a
    session (``principal`` takes ``db_session``)."""
    if connection.scope.get("method") not in ("GET", "HEAD"):
        return False
    return not _SESSION_USERS.isdisjoint(handler.parsed_fn_signature.parameters)


async def provide_principal(
    request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
) -> Principal:
    """The signed-in caller (found by ``require_sign_in``), or 401; a cookie session without
    the CSRF header on an unsafe method is refused (403).

    Its one dependency is ``db_session``, not ``settings`` too: Litestar resolves two
    dependencies of one level in an anyio task group, which cost about 3% of a signed-in
    request's CPU."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    runtime: Runtime = request.app.state.runtime
    return await _sign_in_check(request, db_session, runtime.settings)


async def require_json(connection: ASGIConnection[Any, Any, Any, Any], _handler: Any) -> None:
    """Sign-in takes ``application/json`` only: a browser sends that cross-origin only
    after a CORS preflight this service never answers, so a foreign page cannot sign a
    visitor in to an account of its choosing with a plain form post (login CSRF)."""
    media = connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise HTTPException(
            status_code=415,
            detail="Send the sign-in as JSON (Content-Type: application/json).",
        )


@dataclass(frozen=True)
class LoginRequest:
    username: str
    password: str
    #: ``bearer`` (default): the token is in the answer. ``cookie``: the browser gets an
    #: HttpOnly session cookie and a CSRF token instead.
    session: Literal["bearer", "cookie"] = "bearer"


@dataclass(frozen=True)
class LoginAnswer:
    expires_at: datetime
    user: UserInfo
    token: str | None = None
    csrf_token: str | None = None


@post(
    "/api/v1/auth/login",
    tags=["auth"],
    summary="Sign in with username and password",
    request_max_body_size=16 * 1024,  # a sign-in is a few hundred bytes
    opt={"public": True},
    guards=[require_json],
)
async def login(
    request: Request[Any, Any, Any],
    data: JSONBody[LoginRequest],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> Response[LoginAnswer]:
    issued = await auth_service.login(
        db_session,
        username=data.username,
        password=data.password,
        source_ip=request.client.host if request.client else "unknown",
        secret_key=settings.effective_secret_key,
        lifetime=timedelta(hours=settings.session_hours),
        kind=data.session,
        policy=request.app.state.get("login_policy") or auth_service.DEFAULT_POLICY,
    )
    if data.session == "bearer":
        return Response(
            LoginAnswer(token=issued.token, expires_at=issued.expires_at, user=issued.user),
            status_code=200,
        )
    secure = settings.is_https
    max_age = settings.session_hours * 3600
    cookies = [
        Cookie(
            key=SESSION_COOKIE,
            value=issued.token,
            httponly=True,
            samesite="lax",
            secure=secure,
            max_age=max_age,
            path="/",
        ),
        # Readable by the page's script, which echoes it in X-CSRF-Token.
        Cookie(
            key=CSRF_COOKIE,
            value=issued.csrf_token,
            httponly=False,
            samesite="lax",
            secure=secure,
            max_age=max_age,
            path="/",
        ),
    ]
    return Response(
        LoginAnswer(csrf_token=issued.csrf_token, expires_at=issued.expires_at, user=issued.user),
        status_code=200,
        cookies=cookies,
    )


@post("/api/v1/auth/logout", tags=["auth"], summary="End this session", status_code=200)
async def logout(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> Response[dict[str, str]]:
    await auth_service.logout(
        db_session, principal, request.state.auth_token, settings.effective_secret_key
    )
    cookies = [
        Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/", httponly=True),
        Cookie(key=CSRF_COOKIE, value="", max_age=0, path="/"),
    ]
    return Response({"status": "logged out"}, cookies=cookies)


@get("/api/v1/me", tags=["auth"], summary="Who is signed in")
async def me(
    principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]
) -> Me:
    return await whoami(db_session, principal)


@dataclass(frozen=True)
class PasswordChange:
    current_password: str
    new_password: str


@post(
    "/api/v1/me/password",
    tags=["auth"],
    summary="Change your password (ends your other sessions)",
    status_code=200,
    request_max_body_size=16 * 1024,
)
async def change_password(
    request: Request[Any, Any, Any],
    data: JSONBody[PasswordChange],
    principal: NamedDependency[Principal],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> dict[str, Any]:
    ended = await auth_service.change_own_password(
        db_session,
        principal,
        current=data.current_password,
        new=data.new_password,
        token=request.state.auth_token,
        secret_key=settings.effective_secret_key,
        source_ip=request.client.host if request.client else "unknown",
        policy=request.app.state.get("login_policy") or auth_service.DEFAULT_POLICY,
    )
    return {"status": "changed", "other_sessions_ended": ended}


AUTH_HANDLERS = [login, logout, me, change_password]
