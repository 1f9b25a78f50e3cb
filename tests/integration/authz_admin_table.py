"""The authorization matrix of the administration pages (``/admin``, ``/admin/users``,
``/admin/agencies``, ``/account/keys``): merged into ``authz_table.PAGES``.

Calls change nothing the other entries rely on: forms carry bad input (422 for whoever
may), a reactivation of an active person or a stale password-reset stamp (303, nothing
changes), or name a certificate or department that does not exist (404). Targeted
entries are called on a person or agency of the actor's own agency and of another one:
an agency's admin gets 404 for another agency's person or agency (as if missing) and 403
for what it may not ask of another agency; a province admin reaches every agency.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.authz_table import (
    MISSING_DOCUMENT,
    OWN,
    Call,
    Entry,
    agency_id,
    all_ok,
    page_csrf,
    province,
    role,
    staff_of,
)
from tests.integration.authz_world import World

__all__ = ["ADMIN_PAGES"]


def admin_page(answer: int, other: int) -> Callable[[str, str], int]:
    """Administrators only; ``other``: what an agency's admin gets for another agency."""

    def expect(actor: str, target: str) -> int:
        if role(actor) != "admin":
            return 403
        return answer if target == OWN or province(actor) else other

    return expect


def _person(path: str, **form: str) -> Callable[[World, str, str], Call]:
    return lambda w, a, t: Call(
        "POST", path.format(staff_of(w, a, t)), form={"csrf_token": page_csrf(w, a), **form}
    )


def _agency(path: str, **form: str) -> Callable[[World, str, str], Call]:
    return lambda w, a, t: Call(
        "POST", path.format(agency_id(w, a, t)), form={"csrf_token": page_csrf(w, a), **form}
    )


ADMIN_PAGES: dict[tuple[str, str], Entry] = {
    ("GET", "/admin"): Entry(lambda w, a, t: Call("GET", "/admin"), all_ok(303)),
    ("GET", "/admin/users"): Entry(
        lambda w, a, t: Call("GET", "/admin/users"), admin_page(200, 403)
    ),
    # A person without a role: refused as bad input, nothing created.
    ("POST", "/admin/users"): Entry(
        lambda w, a, t: Call("POST", "/admin/users", form={
            "csrf_token": page_csrf(w, a), "username": "nobody.new", "full_name": "Người Mới",
            "agency_id": str(agency_id(w, a, t))}),
        lambda a, t: 403 if role(a) != "admin" or (t != OWN and not province(a)) else 422,
        targeted=True,
    ),
    ("GET", "/admin/users/{user_id:int}"): Entry(
        lambda w, a, t: Call("GET", f"/admin/users/{staff_of(w, a, t)}"),
        admin_page(200, 404), targeted=True,
    ),
    ("POST", "/admin/users/{user_id:int}/roles"): Entry(
        _person("/admin/users/{}/roles"), admin_page(422, 404), targeted=True
    ),
    ("POST", "/admin/users/{user_id:int}/active"): Entry(
        _person("/admin/users/{}/active", active="1"), admin_page(303, 404), targeted=True
    ),
    ("POST", "/admin/users/{user_id:int}/password"): Entry(
        _person("/admin/users/{}/password", stamp="stale"), admin_page(303, 404), targeted=True
    ),
    ("POST", "/admin/certificates/{certificate_id:int}/revoke"): Entry(
        lambda w, a, t: Call("POST", f"/admin/certificates/{MISSING_DOCUMENT}/revoke",
                             form={"csrf_token": page_csrf(w, a)}),
        admin_page(404, 404),
    ),
    ("GET", "/admin/agencies"): Entry(
        lambda w, a, t: Call("GET", "/admin/agencies"), admin_page(200, 403)
    ),
    # Adding an agency: a province admin (a code of the wrong shape: 422).
    ("POST", "/admin/agencies"): Entry(
        lambda w, a, t: Call("POST", "/admin/agencies", form={
            "csrf_token": page_csrf(w, a), "codes": "12.34", "name": "Sở Mới",
            "abbreviation": "SMOI"}),
        lambda a, t: 422 if a == "province.admin" else 403,
    ),
    ("GET", "/admin/agencies/{agency_id:int}"): Entry(
        lambda w, a, t: Call("GET", f"/admin/agencies/{agency_id(w, a, t)}"),
        admin_page(200, 404), targeted=True,
    ),
    # Correcting an agency: a province admin (an empty name: 422).
    ("POST", "/admin/agencies/{agency_id:int}"): Entry(
        _agency("/admin/agencies/{}", name=" "),
        lambda a, t: 422 if a == "province.admin" else 403, targeted=True,
    ),
    ("POST", "/admin/agencies/{agency_id:int}/departments"): Entry(
        _agency("/admin/agencies/{}/departments", name=" "), admin_page(422, 403),
        targeted=True,
    ),
    ("POST", "/admin/departments/{department_id:int}"): Entry(
        lambda w, a, t: Call("POST", f"/admin/departments/{MISSING_DOCUMENT}",
                             form={"csrf_token": page_csrf(w, a), "name": "Phòng"}),
        all_ok(404),
    ),
    # One's own certificates: everyone (another's or none: 404).
    ("GET", "/account/keys"): Entry(lambda w, a, t: Call("GET", "/account/keys"), all_ok(200)),
    ("POST", "/account/keys/{certificate_id:int}/name"): Entry(
        lambda w, a, t: Call("POST", f"/account/keys/{MISSING_DOCUMENT}/name",
                             form={"csrf_token": page_csrf(w, a), "device_name": "Máy"}),
        all_ok(404),
    ),
    ("POST", "/account/keys/{certificate_id:int}/revoke"): Entry(
        lambda w, a, t: Call("POST", f"/account/keys/{MISSING_DOCUMENT}/revoke",
                             form={"csrf_token": page_csrf(w, a)}),
        all_ok(404),
    ),
}
