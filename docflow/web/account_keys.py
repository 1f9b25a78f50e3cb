"""A person's own signing certificates (``/account/keys``): a leader's browser
(WebCrypto) keys and uploaded certificates, with the device each key lives on. The
holder names the device and revokes a key they no longer use, through
``cert_admin.name_certificate`` and ``revoke_certificate`` (the API's services: same
checks, same audit events). Another's certificate answers 404, as if missing.
"""

from __future__ import annotations

import anyio.to_thread
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from docflow.accounts.cert_admin import certificates_of, name_certificate, revoke_certificate
from docflow.core.db import AsyncSession
from docflow.core.errors import ConflictError, InvalidInput
from docflow.web.admin_forms import PageRequest, csrf_context, in_language, post_form, say, t_of
from docflow.web.admin_user_page import _crls
from docflow.web.pages import Viewer, page

__all__ = ["KEY_PAGES"]

KEYS_PATH = "/account/keys"
DONE = ("named", "revoked", "already_revoked")


async def _render(
    request: PageRequest, viewer: Viewer, db_session: AsyncSession, status_code: int = 200,
    **extra: object,
) -> Template:
    crls = await anyio.to_thread.run_sync(_crls, request.app.state.runtime)
    me = viewer.principal
    certs = await certificates_of(db_session, me, me.user_id, crls=crls)
    return page(request, "account_keys.html", viewer, status_code=status_code, certs=certs,
                rename=True, revoke_action=f"{KEYS_PATH}/", **extra, **csrf_context(request))


@get(KEYS_PATH, include_in_schema=False)
async def keys_page(
    request: PageRequest,
    viewer: NamedDependency[Viewer],
    db_session: NamedDependency[AsyncSession],
    done: FromQuery[str | None] = None,
) -> Template:
    return await _render(request, viewer, db_session, done=done if done in DONE else None)


@post(f"{KEYS_PATH}/{{certificate_id:int}}/name", include_in_schema=False,
      request_max_body_size=4096)
async def name_from_page(
    request: PageRequest, certificate_id: FromPath[int],
    db_session: NamedDependency[AsyncSession],
) -> Template | Redirect:
    posted = await post_form(request, KEYS_PATH)
    if isinstance(posted, Redirect):
        return posted
    viewer, form = posted
    t = t_of(request)
    raw = form.get("device_name")
    try:
        await in_language(name_certificate(db_session, viewer.principal, certificate_id,
                                           raw[:400] if isinstance(raw, str) else ""), t)
    except InvalidInput as exc:
        await db_session.rollback()
        return await _render(request, viewer, db_session, status_code=422, error=say(exc, t))
    return Redirect(f"{KEYS_PATH}?done=named", status_code=303)


@post(f"{KEYS_PATH}/{{certificate_id:int}}/revoke", include_in_schema=False,
      request_max_body_size=4096)
async def revoke_own_from_page(
    request: PageRequest, certificate_id: FromPath[int],
    db_session: NamedDependency[AsyncSession],
) -> Redirect:
    posted = await post_form(request, KEYS_PATH)
    if isinstance(posted, Redirect):
        return posted
    viewer, _form = posted
    try:
        await in_language(revoke_certificate(db_session, viewer.principal, certificate_id),
                          t_of(request))
    except ConflictError:  # pressed twice, or revoked meanwhile
        return Redirect(f"{KEYS_PATH}?done=already_revoked", status_code=303)
    return Redirect(f"{KEYS_PATH}?done=revoked", status_code=303)


KEY_PAGES = [keys_page, name_from_page, revoke_own_from_page]
