"""Agencies and departments for administrators (``/admin/agencies``).

A province administrator lists every agency of this system, adds one (codes, name,
abbreviation, parent) and corrects an agency's name and contacts; an agency's
administrator sees their own agency. Both add and rename its departments. The forms
call ``accounts.agencies.create_agency``, ``create_department`` and
``accounts.agency_admin.update_agency``, ``rename_department``: the API's and the CLI's
services, with their permission checks and audit events.
"""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from docflow.accounts.access import deny
from docflow.accounts.agencies import (
    create_agency,
    create_department,
    list_departments,
    list_directory,
)
from docflow.accounts.agency_admin import (
    AgencyChange,
    agencies_managed_by,
    rename_department,
    update_agency,
)
from docflow.accounts.permissions import can_manage_province
from docflow.core.db import AsyncSession
from docflow.core.errors import InvalidInput
from docflow.web.admin_forms import (
    PageRequest,
    admin_gate,
    csrf_context,
    in_language,
    post_form,
    say,
    t_of,
    text,
)
from docflow.web.pages import Viewer, page

__all__ = ["AGENCY_PAGES"]

LIST_PATH = "/admin/agencies"
DONE = ("created", "saved", "department_created", "department_renamed")


async def _render_list(
    request: PageRequest, viewer: Viewer, db_session: AsyncSession, status_code: int = 200,
    **extra: Any,
) -> Template:
    agencies = await agencies_managed_by(db_session, viewer.principal)
    codes = {a.id: a.codes for a in await list_directory(db_session)}
    return page(request, "admin_agencies.html", viewer, status_code=status_code,
                agencies=agencies, codes=codes, province=can_manage_province(viewer.principal),
                form=extra.pop("form", {}), **extra, **csrf_context(request))


@get(LIST_PATH, include_in_schema=False)
async def agencies_page(
    request: PageRequest, viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
) -> Template:
    await admin_gate(db_session, viewer, t_of(request), "agency.list")
    return await _render_list(request, viewer, db_session)


@post(LIST_PATH, include_in_schema=False, request_max_body_size=16_384)
async def create_agency_from_page(
    request: PageRequest, db_session: NamedDependency[AsyncSession]
) -> Template | Redirect:
    posted = await post_form(request, LIST_PATH)
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    await admin_gate(db_session, viewer, t, "agency.create")
    fields = {n: text(form, n, 600) for n in ("codes", "name", "abbreviation", "parent")}
    codes = [c for c in fields["codes"].replace(";", ",").split(",") if c.strip()][:20]
    try:
        created = await in_language(create_agency(
            db_session, viewer.principal, codes=codes, name=fields["name"],
            abbreviation=fields["abbreviation"], parent=fields["parent"].strip() or None), t)
    except InvalidInput as exc:
        await db_session.rollback()
        return await _render_list(request, viewer, db_session, status_code=422,
                                  error=say(exc, t), form=fields)
    return Redirect(f"{LIST_PATH}/{created.id}?done=created", status_code=303)


async def _render_agency(
    request: PageRequest, viewer: Viewer, db_session: AsyncSession, agency_id: int,
    status_code: int = 200, **extra: Any,
) -> Template:
    me = viewer.principal
    managed = {a.id: a for a in await agencies_managed_by(db_session, me)}
    agency = managed.get(agency_id)
    if agency is None:  # another agency, or none: as if missing
        await deny(db_session, me, action="agency.read", subject_type="agency",
                   subject_id=agency_id, message=t_of(request)("admin.missing_agency"),
                   hide=True)
    departments = await list_departments(db_session, me, agency_id)
    codes = {a.id: a.codes for a in await list_directory(db_session)}.get(agency_id, ())
    return page(request, "admin_agency.html", viewer, status_code=status_code, agency=agency,
                codes=codes, departments=departments, province=can_manage_province(me),
                **extra, **csrf_context(request))


@get(f"{LIST_PATH}/{{agency_id:int}}", include_in_schema=False)
async def agency_page(
    request: PageRequest, agency_id: FromPath[int], viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession], done: FromQuery[str | None] = None,
) -> Template:
    await admin_gate(db_session, viewer, t_of(request), "agency.read")
    return await _render_agency(request, viewer, db_session, agency_id,
                                done=done if done in DONE else None)


@post(f"{LIST_PATH}/{{agency_id:int}}", include_in_schema=False, request_max_body_size=8192)
async def update_agency_from_page(
    request: PageRequest, agency_id: FromPath[int], db_session: NamedDependency[AsyncSession]
) -> Template | Redirect:
    posted = await post_form(request, f"{LIST_PATH}/{agency_id}")
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    change = AgencyChange(**{n: text(form, n, 600) for n in ("name", "address", "email",
                                                             "phone")})
    try:
        await in_language(update_agency(db_session, viewer.principal, agency_id, change), t)
    except InvalidInput as exc:
        await db_session.rollback()
        return await _render_agency(request, viewer, db_session, agency_id, status_code=422,
                                    error=say(exc, t))
    return Redirect(f"{LIST_PATH}/{agency_id}?done=saved", status_code=303)


@post(f"{LIST_PATH}/{{agency_id:int}}/departments", include_in_schema=False,
      request_max_body_size=4096)
async def add_department_from_page(
    request: PageRequest, agency_id: FromPath[int], db_session: NamedDependency[AsyncSession]
) -> Template | Redirect:
    posted = await post_form(request, f"{LIST_PATH}/{agency_id}")
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    try:
        await in_language(create_department(db_session, viewer.principal, agency_id,
                                            text(form, "name", 600)), t)
    except InvalidInput as exc:
        await db_session.rollback()
        return await _render_agency(request, viewer, db_session, agency_id, status_code=422,
                                    error=say(exc, t))
    return Redirect(f"{LIST_PATH}/{agency_id}?done=department_created", status_code=303)


@post("/admin/departments/{department_id:int}", include_in_schema=False,
      request_max_body_size=4096)
async def rename_department_from_page(
    request: PageRequest, department_id: FromPath[int],
    db_session: NamedDependency[AsyncSession],
) -> Template | Redirect:
    posted = await post_form(request, LIST_PATH)
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    try:
        renamed = await in_language(rename_department(db_session, viewer.principal,
                                                      department_id, text(form, "name", 600)), t)
    except InvalidInput as exc:
        await db_session.rollback()
        return await _render_list(request, viewer, db_session, status_code=422,
                                  error=say(exc, t))
    return Redirect(f"{LIST_PATH}/{renamed.agency_id}?done=department_renamed",
                    status_code=303)


AGENCY_PAGES = [agencies_page, create_agency_from_page, agency_page, update_agency_from_page,
                add_department_from_page, rename_department_from_page]
