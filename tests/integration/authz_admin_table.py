"""The authorization matrix of the administration pages (``/admin``, ``/admin/users``,
``/admin/agencies``, ``/account/keys``) and of the API routes under them (roles,
deactivation, password reset, certificates, agency and department corrections): merged
into ``authz_table.PAGES`` and ``MATRIX``.

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

__all__ = ["ADMIN_PAGES", "ADMIN_ROUTES"]


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


def manage_person(answer: int) -> Callable[[str, str], int]:
    """A person's account: an admin of their agency or a province admin; anyone else
    403 for their own agency's person, 404 for another agency's (as if missing)."""

    def expect(actor: str, target: str) -> int:
        if role(actor) == "admin" and (target == OWN or province(actor)):
            return answer
        return 403 if target == OWN else 404

    return expect


def _api(method: str, path: str, body: object = None) -> Callable[[World, str, str], Call]:
    return lambda w, a, t: Call(method, path.format(person=staff_of(w, a, t),
                                                    agency=agency_id(w, a, t),
                                                    missing=MISSING_DOCUMENT), body)


#: Calls that would lock someone out for good (deactivate, reset a password) are made
#: on a person who does not exist (404 for all); their rules are the pages' (the same
#: services), walked above and in tests/integration/test_admin_api.py.
ADMIN_ROUTES: dict[tuple[str, str], Entry] = {
    ("POST", "/api/v1/users/{user_id:int}/roles"): Entry(
        _api("POST", "/api/v1/users/{person}/roles", {"roles": []}), manage_person(422),
        targeted=True,
    ),
    ("POST", "/api/v1/users/{user_id:int}/reactivate"): Entry(
        _api("POST", "/api/v1/users/{person}/reactivate"), manage_person(200), targeted=True
    ),
    ("POST", "/api/v1/users/{user_id:int}/deactivate"): Entry(
        _api("POST", "/api/v1/users/{missing}/deactivate"), all_ok(404)
    ),
    ("POST", "/api/v1/users/{user_id:int}/password-reset"): Entry(
        _api("POST", "/api/v1/users/{missing}/password-reset"), all_ok(404)
    ),
    ("GET", "/api/v1/users/{user_id:int}/certificates"): Entry(
        _api("GET", "/api/v1/users/{person}/certificates"), manage_person(200), targeted=True
    ),
    ("POST", "/api/v1/certificates/{certificate_id:int}/revoke"): Entry(
        _api("POST", "/api/v1/certificates/{missing}/revoke"), all_ok(404)
    ),
    ("POST", "/api/v1/me/certificates/{certificate_id:int}/device-name"): Entry(
        _api("POST", "/api/v1/me/certificates/{missing}/device-name", {"device_name": "Máy"}),
        all_ok(404),
    ),
    # Correcting an agency: a province admin (an empty name: 422).
    ("POST", "/api/v1/agencies/{agency_id:int}"): Entry(
        _api("POST", "/api/v1/agencies/{agency}", {"name": " "}),
        lambda a, t: 422 if a == "province.admin" else 403, targeted=True,
    ),
    ("POST", "/api/v1/departments/{department_id:int}"): Entry(
        _api("POST", "/api/v1/departments/{missing}", {"name": "Phòng"}), all_ok(404)
    ),
}
