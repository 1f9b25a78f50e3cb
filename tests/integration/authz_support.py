"""What the authorization matrix's rows are made of (``authz_table`` and the
features' own row files use them): the call to make, the answer expected, and the
small rules shared by many rows."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from docflow.accounts.auth import csrf_token_for
from tests.integration.authz_world import OTHER_AGENCY, World

ANONYMOUS = "anonymous"
MISSING_DOCUMENT = 987654
OWN, OTHER = "own", "other"


def role(actor: str) -> str:
    return actor.split(".", 1)[1]


def province(actor: str) -> bool:
    return actor.startswith("province.")


def p256_csr() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def unique_abbrev() -> str:
    return "T" + uuid.uuid4().hex[:8].upper()


def unique_code() -> str:
    n = uuid.uuid4().int
    return f"{n % 1000:03d}.{n // 1000 % 100:02d}.{n // 100000 % 100:02d}.Z{n // 10**7 % 100:02d}"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    #: A page form's fields (sent form-encoded).
    form: dict[str, str] | None = None


@dataclass(frozen=True)
class Entry:
    """How to call a route for (actor, target) and what it must answer."""

    build: Callable[[World, str, str], Call]
    expect: Callable[[str, str], int]
    #: Whether own/other agency changes anything for this route.
    targeted: bool = False
    #: The call ends the session: use a fresh token.
    consumes_token: bool = False


def agency_id(w: World, actor: str, target: str) -> int:
    return w.agency_ids[w.agency_of[actor] if target == OWN else OTHER_AGENCY]


def staff_of(w: World, actor: str, target: str) -> int:
    # someone of the target agency who is not the actor (and not an actor at all)
    abbrev = (w.agency_of[actor] if target == OWN else OTHER_AGENCY).lower()
    return w.user_ids[f"{abbrev}.clerk" if abbrev != "stttt" else "stttt.staff"]


def new_user_body(w: World, actor: str, target: str) -> dict[str, Any]:
    return {
        "username": f"u{uuid.uuid4().hex[:10]}",
        "full_name": "Nguyễn Văn Thử",
        "password": "a-long-password",
        "roles": ["specialist"],
        "agency_id": agency_id(w, actor, target),
    }


def all_ok(status: int) -> Callable[[str, str], int]:
    return lambda actor, target: status


def manage(created: int) -> Callable[[str, str], int]:
    """Admin of the agency, or a province admin."""

    def expect(actor: str, target: str) -> int:
        if role(actor) == "admin" and (target == OWN or province(actor)):
            return created
        return 403

    return expect


def hand_in_package(actor: str, target: str) -> int:
    """A clerk or an administrator may hand in a package (this body is none: 422)."""
    return 422 if role(actor) in ("clerk", "admin") else 403


def read_people(actor: str, target: str) -> int:
    if role(actor) in ("admin", "auditor") and (target == OWN or province(actor)):
        return 200
    return 403


def read_person(actor: str, target: str) -> int:
    if role(actor) in ("admin", "auditor") and (target == OWN or province(actor)):
        return 200
    return 403 if target == OWN else 404  # another agency's people: not even "exists"


def read_departments(actor: str, target: str) -> int:
    if target == OWN:
        return 200
    return 200 if province(actor) and role(actor) in ("admin", "auditor") else 403


def page_csrf(w: World, actor: str) -> str:
    """The CSRF token a page's form carries for ``actor``'s browser session."""
    return csrf_token_for(w.tokens[actor], w.settings.effective_secret_key)


def _page_refusal(forbidden: tuple[str, ...]) -> Callable[[str, str], int]:
    return lambda actor, target: 403 if role(actor) in forbidden else 200
