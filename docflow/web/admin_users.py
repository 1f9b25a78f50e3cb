"""The administrators' list of people (``/admin/users``) and the form that adds one.

An agency's administrator sees and adds the people of their agency; a province
administrator those of every agency, filtered by agency. The list and the new account
come from ``accounts.users`` (``list_users``, ``fetch_users``, ``create_user``): the
permission checks and audit events of ``/api/v1/users``. A new account gets a temporary
password, shown once on the answer (never in an address, never stored in clear).
"""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Response, Template

from docflow.accounts import users
from docflow.accounts.agencies import list_departments
from docflow.accounts.agency_admin import agencies_managed_by, department_names
from docflow.accounts.models_user import Role
from docflow.accounts.permissions import can_manage_province
from docflow.accounts.user_admin import temporary_password
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput, NotFoundError
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
from docflow.web.admin_user_page import USER_PAGES, render_user
from docflow.web.pages import Viewer, page

__all__ = ["ADMIN_USER_PAGES"]

LIST_PATH = "/admin/users"
ROLES = [r.value for r in Role]


@get("/admin", include_in_schema=False)
async def admin_home(viewer: NamedDependency[Viewer]) -> Redirect:
    """The first administration page (it refuses whoever is not an administrator);
    without a session, the sign-in page first."""
    return Redirect(LIST_PATH, status_code=303)


async def _people(
    db_session: AsyncSession, viewer: Viewer, agency: int | None, t: Any
) -> list[users.UserInfo]:
    me = viewer.principal
    if agency is None and can_manage_province(me):
        return await users.fetch_users(db_session, None)
    return await in_language(users.list_users(db_session, me, agency), t)


async def _render_list(
    request: PageRequest,
    viewer: Viewer,
    db_session: AsyncSession,
    agency: int | None,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    t = t_of(request)
    me = viewer.principal
    people = await _people(db_session, viewer, agency, t)
    agencies = await agencies_managed_by(db_session, me)
    form_agency = agency or me.agency_id
    departments = await in_language(list_departments(db_session, me, form_agency), t)
    names = await department_names(db_session, {p.department_id for p in people
                                                if p.department_id is not None})
    return page(
        request, "admin_users.html", viewer, status_code=status_code, people=people,
        agencies=agencies, abbreviations={a.id: a.abbreviation for a in agencies},
        departments=departments, department_names=names, roles=ROLES, agency=agency,
        form_agency=form_agency, province=can_manage_province(me),
        form=extra.pop("form", {}), **extra, **csrf_context(request),
    )


@get(LIST_PATH, include_in_schema=False)
async def users_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    agency: FromQuery[int | None] = None,
) -> Template:
    await admin_gate(db_session, viewer, t_of(request), "user.list")
    return await _render_list(request, viewer, db_session, agency)


@post(LIST_PATH, include_in_schema=False, request_max_body_size=16_384)
async def create_user_from_page(
    request: PageRequest, db_session: NamedDependency[AsyncSession]
) -> Template | Redirect | Response[Any]:
    """Add a person; the answer is their page with the temporary password (once)."""
    posted = await post_form(request, LIST_PATH)
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    await admin_gate(db_session, viewer, t, "user.create")
    me = viewer.principal
    fields = {name: text(form, name, 300) for name in ("username", "full_name", "email")}
    agency_id = number(form, "agency_id") or me.agency_id
    roles = [r for r in form.getall("roles", []) if isinstance(r, str)][:10]
    secret = temporary_password()
    try:
        created = await in_language(users.create_user(
            db_session, me, username=fields["username"], full_name=fields["full_name"],
            agency_id=agency_id, roles=roles, password=secret,
            department_id=number(form, "department_id"), email=fields["email"],
            province_scope=bool(form.get("province_scope")) and can_manage_province(me),
        ), t)
    except (InvalidInput, NotFoundError) as exc:
        await db_session.rollback()  # nothing of the refused account stays
        kept = {**fields, "agency_id": agency_id, "roles": roles,
                "department_id": number(form, "department_id")}
        return await _render_list(request, viewer, db_session, agency_id if agency_id !=
                                  me.agency_id else None, status_code=422,
                                  error=say(exc, t), form=kept)
    await db_session.flush()
    return await render_user(request, viewer, db_session, created.id, done="created",
                             temporary=secret)


ADMIN_USER_PAGES = [admin_home, users_page, create_user_from_page, *USER_PAGES]
