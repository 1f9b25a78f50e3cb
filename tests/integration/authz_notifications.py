"""The notifications' rows of the authorization matrix (``authz_table`` adds them):
everyone signed in reads and marks their own notifications; someone else's, like a
missing one, is 404 (tests/integration/test_notifications.py makes real ones)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.integration.authz_table import Entry

MISSING_NOTIFICATION = 987654


def api_rows() -> dict[tuple[str, str], Entry]:
    from tests.integration.authz_table import Call, Entry, all_ok

    return {
        ("GET", "/api/v1/notifications"): Entry(
            lambda w, a, t: Call("GET", "/api/v1/notifications", params={"unread": "true"}),
            all_ok(200),
        ),
        ("POST", "/api/v1/notifications/{notification_id:int}/read"): Entry(
            lambda w, a, t: Call("POST", f"/api/v1/notifications/{MISSING_NOTIFICATION}/read"),
            all_ok(404),
        ),
        ("POST", "/api/v1/notifications/read-all"): Entry(
            lambda w, a, t: Call("POST", "/api/v1/notifications/read-all"), all_ok(200)
        ),
    }


def page_rows() -> dict[tuple[str, str], Entry]:
    from tests.integration.authz_table import Call, Entry, all_ok, page_csrf

    return {
        ("GET", "/notifications"): Entry(lambda w, a, t: Call("GET", "/notifications"),
                                         all_ok(200)),
        ("POST", "/notifications/{notification_id:int}/read"): Entry(
            lambda w, a, t: Call("POST", f"/notifications/{MISSING_NOTIFICATION}/read",
                                 form={"csrf_token": page_csrf(w, a)}),
            all_ok(404),
        ),
        # A form without the page's token is refused for everyone (a real one: 303 back).
        ("POST", "/notifications/read-all"): Entry(
            lambda w, a, t: Call("POST", "/notifications/read-all", form={"csrf_token": "x"}),
            all_ok(403),
        ),
        ("POST", "/notifications/preferences"): Entry(
            lambda w, a, t: Call("POST", "/notifications/preferences",
                                 form={"csrf_token": page_csrf(w, a), "language": "fr"}),
            all_ok(422),
        ),
    }
