"""The notifications page (``/notifications``): a person's notices, unread first,
marked read one by one or all at once, and their choices of page and e-mail per kind;
every form carries the CSRF token of the browser session (as ``/deliveries``). The
bell in the menu (``_bell.html``) shows ``Viewer.unread``."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from docflow.accounts.models_user import Role
from docflow.core.db import AsyncSession
from docflow.core.runtime import Runtime
from docflow.notifications.inbox import link_of, list_notices, mark_all_read, mark_read
from docflow.notifications.kinds import kinds_for
from docflow.notifications.preferences import preferences_of, save_preferences
from docflow.web.form_csrf import CSRF_FIELD, csrf_for, posted_form
from docflow.web.pages import Viewer, page

__all__ = ["NOTIFICATION_PAGES"]

PageRequest = Request[Any, Any, Any]
PATH = "/notifications"
PAGE_SIZE = 20


@get(PATH, include_in_schema=False)
async def notifications_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    offset: FromQuery[int] = 0,
    saved: FromQuery[bool] = False,
) -> Template:
    me = viewer.principal.user_id
    found = await list_notices(db_session, me, limit=PAGE_SIZE, offset=max(0, offset))
    prefs = await preferences_of(db_session, me)
    runtime: Runtime = request.app.state.runtime
    return page(
        request, "notifications.html", viewer,
        rows=[(n, link_of(n)) for n in found.items], total=found.total, unread=found.unread,
        offset=max(0, offset), page_size=PAGE_SIZE, prefs=prefs,
        kinds=kinds_for(viewer.principal.has(Role.AUDITOR)),
        csrf=csrf_for(request), csrf_field=CSRF_FIELD, saved=saved,
        mail_on=bool(runtime.settings.smtp_url),
    )


@post(PATH + "/{notification_id:int}/read", include_in_schema=False,
      request_max_body_size=4096)
async def read_from_page(
    request: PageRequest, notification_id: FromPath[int], db_session: NamedDependency[AsyncSession]
) -> Redirect:
    got = await posted_form(request, PATH)
    if isinstance(got, Redirect):
        return got
    viewer, _form = got
    await mark_read(db_session, viewer.principal.user_id, notification_id)
    return Redirect(PATH, status_code=303)


@post(PATH + "/read-all", include_in_schema=False, request_max_body_size=4096)
async def read_all_from_page(
    request: PageRequest, db_session: NamedDependency[AsyncSession]
) -> Redirect:
    got = await posted_form(request, PATH)
    if isinstance(got, Redirect):
        return got
    viewer, _form = got
    await mark_all_read(db_session, viewer.principal.user_id)
    return Redirect(PATH, status_code=303)


@post(PATH + "/preferences", include_in_schema=False, request_max_body_size=16_384)
async def preferences_from_page(
    request: PageRequest, db_session: NamedDependency[AsyncSession]
) -> Redirect:
    got = await posted_form(request, PATH)
    if isinstance(got, Redirect):
        return got
    viewer, form = got
    await save_preferences(
        db_session, viewer.principal.user_id,
        email=str(form.get("email") or ""),
        language=str(form.get("language") or "vi"),
        page_kinds=[str(v) for v in form.getall("page", [])],
        email_kinds=[str(v) for v in form.getall("email_kind", [])],
    )
    return Redirect(PATH + "?saved=1", status_code=303)


NOTIFICATION_PAGES = [notifications_page, read_from_page, read_all_from_page,
                      preferences_from_page]
