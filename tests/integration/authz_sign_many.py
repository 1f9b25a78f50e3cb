"""The authorization matrix's rows for signing several drafts at once (``authz_table``
adds them): the confirmation page answers leaders (a draft nobody may see: the same 404
as a missing one) and refuses everyone else; real drafts, another signer's and another
agency's: tests/integration/test_sign_many_page.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.integration.authz_table import Entry


def page_rows() -> dict[tuple[str, str], Entry]:
    from tests.integration.authz_table import MISSING_DOCUMENT, Call, Entry, role

    def leaders(actor: str, target: str) -> int:
        return 404 if role(actor) == "leader" else 403

    return {
        ("GET", "/to-sign/confirm"): Entry(
            lambda w, a, t: Call("GET", f"/to-sign/confirm?d={MISSING_DOCUMENT}"), leaders
        ),
    }
