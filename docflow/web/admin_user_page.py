"""One person's administration page (``/admin/users/{id}``): their account, roles,
sign-in (deactivate, reactivate, reset the password) and personal certificates (revoke).

Every change is a form (CSRF token) posting to the services the API uses:
``user_admin.set_roles``, ``set_active``, ``reset_password`` and
``cert_admin.revoke_certificate`` (permission checks, audit events). After a change the
browser is sent back to the page (303), which says what happened; pressing twice
changes nothing more. A reset password is shown on the answer itself, once.
"""

from __future__ import annotations

import hashlib
from typing import Any

import anyio.to_thread
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from docflow.accounts.agencies import list_departments
from docflow.accounts.cert_admin import certificates_of, revoke_certificate
from docflow.accounts.models_agency import Agency
from docflow.accounts.models_user import Role, User
from docflow.accounts.user_admin import managed_user, reset_password, set_active, set_roles
from docflow.accounts.users import user_info
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput
from docflow.core.runtime import Runtime
from docflow.web.admin_forms import (
    PageRequest,
    admin_gate,
    csrf_context,
    in_language,
    number,
    post_form,
    say,
    t_of,
    text,
)
from docflow.web.pages import Viewer, page

__all__ = ["USER_PAGES", "render_user"]

DONE = ("created", "roles", "deactivated", "reactivated", "unchanged", "reset", "reset_stale",
        "revoked", "already_revoked")


def password_stamp(user: User) -> str:
    """Changes whenever the password does: a reset form posted twice is noticed."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _crls(runtime: Runtime) -> list[bytes]:
    return list(runtime.signing.trust.revocation_crls())


async def render_user(
    request: PageRequest,
    viewer: Viewer,
    db_session: AsyncSession,
    user_id: int,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    t = t_of(request)
    me = viewer.principal
    user = await in_language(managed_user(db_session, me, user_id, "user.read"), t)
    info = await user_info(db_session, user)
    agency = await db_session.get(Agency, user.agency_id)
    departments = await list_departments(db_session, me, user.agency_id)
    crls = await anyio.to_thread.run_sync(_crls, request.app.state.runtime)
    certs = await certificates_of(db_session, me, user_id, crls=crls)
    answer = page(
        request, "admin_user.html", viewer, status_code=status_code, person=info,
        agency=agency, department={d.id: d.name for d in departments}.get(
            info.department_id or 0), certs=certs, roles=[r.value for r in Role],
        stamp=password_stamp(user), is_me=user_id == me.user_id, **extra,
        **csrf_context(request),
    )
    if "temporary" in extra:  # a password on the page: keep it out of every cache
        answer.headers["Cache-Control"] = "no-store"
    return answer


@get("/admin/users/{user_id:int}", include_in_schema=False)
async def user_page(
    request: PageRequest,
    user_id: FromPath[int],
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    done: FromQuery[str | None] = None,
) -> Template:
    await admin_gate(db_session, viewer, t_of(request), "user.read")
    return await render_user(request, viewer, db_session, user_id,
                             done=done if done in DONE else None)


def _back(user_id: int, done: str) -> Redirect:
    return Redirect(f"/admin/users/{user_id}?done={done}", status_code=303)


@post("/admin/users/{user_id:int}/roles", include_in_schema=False, request_max_body_size=4096)
async def roles_from_page(
    request: PageRequest, user_id: FromPath[int], db_session: NamedDependency[AsyncSession]
) -> Template | Redirect:
    posted = await post_form(request, f"/admin/users/{user_id}")
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    await admin_gate(db_session, viewer, t, "user.roles")
    roles = [r for r in form.getall("roles", []) if isinstance(r, str)][:10]
    try:
        await in_language(set_roles(db_session, viewer.principal, user_id, roles), t)
    except InvalidInput as exc:
        await db_session.rollback()
        return await render_user(request, viewer, db_session, user_id, status_code=422,
                                 error=say(exc, t))
    return _back(user_id, "roles")


@post("/admin/users/{user_id:int}/active", include_in_schema=False, request_max_body_size=4096)
async def active_from_page(
    request: PageRequest, user_id: FromPath[int], db_session: NamedDependency[AsyncSession]
) -> Template | Redirect:
    posted = await post_form(request, f"/admin/users/{user_id}")
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    await admin_gate(db_session, viewer, t, "user.active")
    active = text(form, "active", 2) == "1"
    try:
        _info, changed = await in_language(
            set_active(db_session, viewer.principal, user_id, active=active), t)
    except InvalidInput as exc:
        await db_session.rollback()
        return await render_user(request, viewer, db_session, user_id, status_code=422,
                                 error=say(exc, t))
    return _back(user_id, ("reactivated" if active else "deactivated") if changed else
                 "unchanged")


@post("/admin/users/{user_id:int}/password", include_in_schema=False,
      request_max_body_size=4096)
async def reset_from_page(
    request: PageRequest, user_id: FromPath[int], db_session: NamedDependency[AsyncSession]
) -> Template | Redirect:
    """A new temporary password, shown on this answer only; a form posted again (pressed
    twice, or the answer reloaded) resets nothing more and says so."""
    posted = await post_form(request, f"/admin/users/{user_id}")
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    await admin_gate(db_session, viewer, t, "user.password")
    user = await in_language(managed_user(db_session, viewer.principal, user_id,
                                          "user.password"), t)
    if text(form, "stamp", 40) != password_stamp(user):
        return _back(user_id, "reset_stale")
    secret = await reset_password(db_session, viewer.principal, user_id)
    await db_session.flush()
    return await render_user(request, viewer, db_session, user_id, done="reset",
                             temporary=secret)


@post("/admin/certificates/{certificate_id:int}/revoke", include_in_schema=False,
      request_max_body_size=4096)
async def revoke_from_page(
    request: PageRequest, certificate_id: FromPath[int],
    db_session: NamedDependency[AsyncSession],
) -> Redirect:
    """Revoke a person's certificate, then back to their page (303), which says so."""
    posted = await post_form(request, "/admin/users")
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    await admin_gate(db_session, viewer, t, "certificate.revoke")
    holder = number(form, "user_id")
    try:
        await in_language(revoke_certificate(db_session, viewer.principal, certificate_id), t)
    except ConflictError:  # revoked already: pressed twice, or revoked meanwhile
        done = "already_revoked"
    else:
        done = "revoked"
    return _back(holder, done) if holder else Redirect("/admin/users", status_code=303)


USER_PAGES = [user_page, roles_from_page, active_from_page, reset_from_page, revoke_from_page]
