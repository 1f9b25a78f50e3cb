"""What the administration pages share: the admin-only gate, the forms' CSRF check and
sign-in redirect, and saying a service's refusal of bad input in the page's language.

The pages call the accounts services (``users``, ``user_admin``, ``agencies``,
``agency_admin``, ``cert_admin``) exactly as the API does: same permission checks, same
audit events. Services speak English (the API's ``detail``); a page says the same
refusal through ``ADMIN_STRINGS``' ``admin.err.*`` sentences.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any, TypeVar

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect

from docflow.accounts.access import deny
from docflow.accounts.models_user import Role
from docflow.core.db import AsyncSession
from docflow.core.errors import DomainError, NotFoundError, PermissionDenied
from docflow.web.form_csrf import CSRF_FIELD, csrf_for, posted_form
from docflow.web.i18n import CATALOGUE, translator
from docflow.web.i18n_admin import ADMIN_STRINGS
from docflow.web.pages import Viewer, lang_of

__all__ = [
    "PageRequest",
    "admin_gate",
    "csrf_context",
    "in_language",
    "post_form",
    "number",
    "say",
    "t_of",
    "text",
]

PageRequest = Request[Any, Any, Any]
T = TypeVar("T")

for _lang, _strings in ADMIN_STRINGS.items():
    CATALOGUE[_lang].update(_strings)

_WHAT = {
    "Full name": "admin.what.full_name",
    "Agency name": "admin.what.agency_name",
    "Department name": "admin.what.department_name",
    "The device name": "admin.what.device_name",
    "The address": "admin.what.contact",
    "The phone number": "admin.what.contact",
}
_NAMES = "(Full name|Agency name|Department name|The device name|The address|The phone number)"
#: A service's English sentence (its start) -> the page's sentence; first match wins.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), key)
    for p, key in (
        (r"^Username .* is not valid", "admin.err.username"),
        (r"^The username (\S+) is already taken", "admin.err.username_taken"),
        (rf"^{_NAMES} is empty", "admin.err.empty"),
        (rf"^{_NAMES} is (?:\d+ characters long|longer than)", "admin.err.too_long"),
        (rf"^{_NAMES} contains control", "admin.err.chars"),
        (rf"^{_NAMES} .* contains no letter", "admin.err.no_letter"),
        (r"^A person needs at least one role", "admin.err.roles_empty"),
        (r"^Unknown role", "admin.err.role_unknown"),
        (r"^Only an admin or an auditor can be province-level", "admin.err.province_roles"),
        (r"^The department does not belong", "admin.err.department"),
        (r"^There is no such agency", "admin.err.agency"),
        (r"^E-mail address", "admin.err.email"),
        (r"^You cannot take the administrator role", "admin.err.self_admin"),
        (r"^You cannot deactivate your own", "admin.err.self_deactivate"),
        (r"^Agency code (\S+) is already used", "admin.err.code_taken"),
        (r"^Agency code .* has the wrong shape", "admin.err.code"),
        (r"^An agency needs at least one identifier code", "admin.err.code_none"),
        (r"^The same agency code", "admin.err.code_twice"),
        (r"^Abbreviation .* is not valid", "admin.err.abbr"),
        (r"^The abbreviation (\S+) is already used", "admin.err.abbr_taken"),
        (r"^Parent:", "admin.err.parent"),
        (r"^The department (.+) already exists", "admin.err.dept_taken"),
    )
]
#: Refusals the services raise about a thing of another agency (or none), in words.
_MISSING = {
    "There is no such person.": "admin.missing_user",
    "There is no such agency.": "admin.missing_agency",
    "There is no such department.": "admin.missing_department",
    "There is no such certificate.": "admin.missing_certificate",
    "Only a province-level administrator may change agencies.": "admin.refused_agency",
    "Only a province-level administrator may add agencies.": "admin.refused_agency",
}


def t_of(request: PageRequest) -> Any:
    return translator(lang_of(request))


def say(exc: DomainError, t: Any) -> str:
    """The page's sentence for a service's refusal of bad input."""
    text = str(exc.__cause__ if isinstance(exc.__cause__, DomainError) else exc)
    for pattern, key in _RULES:
        found = pattern.match(text)
        if found is None:
            continue
        args = [t(_WHAT[g]) if g in _WHAT else g.strip("'\"") for g in found.groups()]
        sentence: str = t(key)
        if sentence.startswith("{0}") and args:
            args[0] = args[0][:1].upper() + args[0][1:]
        return sentence.format(*args)
    return str(t("admin.err.generic"))


async def in_language(work: Awaitable[T], t: Any) -> T:
    """``await work``, its refusals (403, 404; already recorded) said in the page's
    language; other errors as they are."""
    try:
        return await work
    except (PermissionDenied, NotFoundError) as exc:
        key = _MISSING.get(str(exc))
        if key is None and isinstance(exc, PermissionDenied):
            key = "admin.refused_scope"
        if key is None:
            raise
        raise type(exc)(t(key)) from exc


async def admin_gate(db_session: AsyncSession, viewer: Viewer, t: Any, action: str) -> None:
    """The administration pages are for administrators (their agency's, or the
    province's); anyone else is refused (recorded)."""
    me = viewer.principal
    if not me.has(Role.ADMIN):
        await deny(db_session, me, action=action, subject_type="agency",
                   subject_id=me.agency_id, message=t("admin.refused"))


def csrf_context(request: PageRequest) -> dict[str, str]:
    return {"csrf": csrf_for(request), "csrf_field": CSRF_FIELD}


async def post_form(request: PageRequest, back: str) -> tuple[Viewer, FormMultiDict] | Redirect:
    """The signed-in viewer and the posted form (its CSRF token checked); without a live
    session, a redirect to sign in and then back to ``back`` (a page, not this POST)."""
    try:
        return await posted_form(request, back)
    except PermissionDenied as exc:  # the administration pages' own words
        raise PermissionDenied(t_of(request)("admin.csrf")) from exc


def text(form: FormMultiDict, name: str, limit: int = 2000) -> str:
    """A text field of the form ('' when missing), at most ``limit`` characters."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def number(form: FormMultiDict, name: str) -> int | None:
    """An id field of the form; None when empty or not a positive number."""
    value = text(form, name, 20).strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None
