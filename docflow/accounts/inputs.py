"""Shapes of what people type: agency codes, abbreviations, usernames, names, passwords.

Each ``clean_*`` returns the normalised value or raises ``InvalidInput`` (422) saying
what is wrong. Codes are identifiers only: no meaning is read from their digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from docflow.accounts.models_user import Role
from docflow.accounts.passwords import is_common_password
from docflow.core.errors import InvalidInput

__all__ = [
    "MAX_NAME_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "clean_abbreviation",
    "clean_agency_code",
    "clean_email",
    "clean_name",
    "clean_password",
    "clean_roles",
    "clean_seal_key_ref",
    "clean_username",
]

MAX_NAME_LENGTH = 255
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024

_AGENCY_CODE = re.compile(r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$")
_ABBREVIATION = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
#: A plain address: one @, a dot in the domain, no spaces or angle brackets.
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\\\"]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$")


def clean_agency_code(raw: str) -> str:
    """``000.00.00.H30`` (three digits, two, two, a letter and two digits), upper-cased."""
    code = raw.strip().upper()
    if not _AGENCY_CODE.fullmatch(code):
        raise InvalidInput(
            f"Agency code {raw[:40]!r} has the wrong shape; it must look like 000.00.00.H30 "
            "(NNN.NN.NN.XNN: digits, dots, one letter)."
        )
    return code


def clean_abbreviation(raw: str) -> str:
    """Upper-case letters, digits and hyphens, 1-32 characters (e.g. ``STTTT``)."""
    value = raw.strip().upper()
    if not _ABBREVIATION.fullmatch(value):
        raise InvalidInput(
            f"Abbreviation {raw[:40]!r} is not valid; use 1 to 32 letters A-Z, digits or "
            "hyphens, e.g. STTTT."
        )
    return value


def clean_username(raw: str) -> str:
    """Lower-case ``a-z 0-9 . _ -``, 2-64 characters, starting with a letter or digit."""
    value = raw.strip().lower()
    if not _USERNAME.fullmatch(value):
        raise InvalidInput(
            f"Username {raw[:70]!r} is not valid; use 2 to 64 characters a-z, 0-9, '.', '_' "
            "or '-', starting with a letter or digit (e.g. stttt.clerk)."
        )
    return value


def clean_email(raw: str | None) -> str | None:
    """An e-mail address (domain lower-cased), or None for an empty one."""
    value = (raw or "").strip()
    if not value:
        return None
    local, _, domain = value.rpartition("@")
    value = f"{local}@{domain.lower()}"
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise InvalidInput(f"E-mail address {value[:70]!r} is not valid (e.g. ten@stttt.gov.vn).")
    return value


def clean_name(raw: str, what: str = "Name") -> str:
    """A person's or unit's name in Vietnamese: NFC, single spaces, no control characters."""
    value = " ".join(unicodedata.normalize("NFC", raw).split())
    if not value:
        raise InvalidInput(f"{what} is empty.")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"{what} is {len(value)} characters long; at most {MAX_NAME_LENGTH} are allowed."
        )
    # Cc: control characters; Cf: invisible format characters (bidi overrides, zero-width).
    bad = sorted({f"U+{ord(c):04X}" for c in raw if unicodedata.category(c) in ("Cc", "Cf")})
    if bad:
        raise InvalidInput(f"{what} contains control or invisible characters ({', '.join(bad)}).")
    if not any(c.isalpha() for c in value):
        raise InvalidInput(f"{what} {value!r} contains no letter.")
    return value


def clean_password(raw: str, *, username: str | None = None) -> str:
    """At least 10 characters, at most 1024, not a commonly used password and not the
    username; returned unchanged (never logged)."""
    if len(raw) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters "
            f"(mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự)."
        )
    if len(raw) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
    if is_common_password(raw):
        raise InvalidInput(
            "This password is on the list of commonly used passwords that are guessed "
            "first; choose another (mật khẩu này quá phổ biến, hãy chọn mật khẩu khác)."
        )
    if username and raw.strip().lower() == username.strip().lower():
        raise InvalidInput("The password must not be the username.")
    return raw


def clean_roles(raw: Iterable[str]) -> frozenset[Role]:
    """At least one role out of clerk, leader, specialist, auditor, admin."""
    roles: set[Role] = set()
    for item in raw:
        try:
            roles.add(Role(item.strip().lower()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(f"Unknown role {item[:40]!r}; roles are {known}.") from None
    if not roles:
        raise InvalidInput("A person needs at least one role.")
    return frozenset(roles)


#: The name of a key store in ``<store>:<abbrev>`` seal key references.
_KEY_STORE = re.compile(r"[a-z][a-z0-9-]{1,15}")


def clean_seal_key_ref(raw: str) -> str:
    """Where an agency's seal key lives: ``pkcs11:...`` (RFC 7512 URI), a PKCS#12 file
    (``/path/agency.p12`` or ``.pfx``) or ``<store>:<abbrev>``, a key the deployment's
    key store names by agency (the seal-key adapter ``docflow.bootstrap`` chose reads
    it; the development one knows its own store's name)."""
    value = raw.strip()
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in value) or len(value) > 1024:
        raise InvalidInput("The seal key reference contains control characters or is too long.")
    lowered = value.lower()
    if lowered.startswith("pkcs11:") and len(value) > len("pkcs11:"):
        return value
    store, _, name = lowered.partition(":")
    if _KEY_STORE.fullmatch(store) and _ABBREVIATION.fullmatch(name.upper()):
        return f"{store}:{name}"
    if lowered.endswith((".p12", ".pfx")):
        return value
    raise InvalidInput(
        f"Seal key reference {value[:60]!r} is not understood; use a PKCS#11 URI "
        "(pkcs11:token=...;object=...), a PKCS#12 file path (.p12/.pfx) or <store>:<abbrev>."
    )
