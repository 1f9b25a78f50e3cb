"""asn1crypto's comparison of distinguished names, remembered by their DER encoding.

Path building and revocation checks compare names all the time: a certificate's issuer
with candidate issuers' subjects, a CRL's issuer with the certificate's, every
certificate registered in a store keyed by its subject's ``hashable``. asn1crypto
compares two ``Name`` values as RFC 5280 7.1 says: every attribute value prepared with
LDAP string preparation (case folding, space handling, Unicode normalisation), which it
does again for every freshly parsed certificate. Every signature check and seal parses
the same few certificates afresh (from the PDF, from the CMS, from the dev PKI), so the
same preparation was made over and over: 12-15% of a signing worker's CPU while issuing
(``bench/issue.py``, py-spy).

Both results depend only on the name's encoding, so ``install()`` makes
``Name.hashable`` and ``Name.__eq__`` look them up by the DER bytes (``dump()``, which a
parsed value already holds) in bounded per-process tables, and compute them with
asn1crypto's own code the first time:

- ``hashable``: asn1crypto's string, as it was.
- equality: a key that holds exactly what asn1crypto's ``__eq__`` compares: the number
  of RDNs, and per RDN its number of attributes and its prepared value by attribute
  type (asn1crypto keeps the last value of a type repeated in one RDN; so does the
  key). Two names are equal exactly when their keys are. A name whose value string
  preparation refuses (a hostile certificate's) is compared by asn1crypto's own code,
  which may answer before it reaches that value or raise, as before.

Only for asn1crypto 1.5.1 (its last release; ``tests/unit/test_asn1_names.py`` fails on
another so that someone checks the code this mirrors). A name changed in place after it
was parsed (``name.chosen[0] = ...``) must be dumped with ``force=True`` before it is
compared, as asn1crypto already requires before it is encoded.
"""

from __future__ import annotations

import threading
from typing import Any

import asn1crypto
from asn1crypto import x509

__all__ = ["PATCHED_VERSION", "install", "installed"]

#: The asn1crypto release whose ``Name`` comparison this mirrors.
PATCHED_VERSION = "1.5.1"
#: Names remembered per process (a province has a few hundred CAs and agencies).
TABLE_SIZE = 4096

_ORIGINAL_HASHABLE: Any = x509.Name.hashable.fget
_ORIGINAL_EQ = x509.Name.__eq__
_HASHABLES: dict[bytes, str] = {}
_KEYS: dict[bytes, tuple[Any, ...]] = {}
_LOCK = threading.Lock()


def _equality_key(name: x509.Name) -> tuple[Any, ...]:
    """What asn1crypto 1.5.1's ``RDNSequence.__eq__`` / ``RelativeDistinguishedName.__eq__``
    compare: per RDN, its length and its prepared values by type."""
    key = []
    for rdn in name.chosen:
        values = rdn._get_values(rdn)  # {type: prepped value}, last of a repeated type
        key.append((len(rdn), tuple(sorted(values.items()))))
    return tuple(key)


def _remembered(table: dict[bytes, Any], der: bytes, compute: Any, name: x509.Name) -> Any:
    found = table.get(der)
    if found is None:
        found = compute(name)  # raises as asn1crypto does; nothing is remembered then
        with _LOCK:
            if len(table) >= TABLE_SIZE:
                table.clear()
            table[der] = found
    return found


def _hashable(self: x509.Name) -> str:
    return _remembered(_HASHABLES, self.dump(), _ORIGINAL_HASHABLE, self)  # type: ignore[no-any-return]


def _eq(self: x509.Name, other: object) -> bool:
    if not isinstance(other, x509.Name):
        return False
    try:
        mine = _remembered(_KEYS, self.dump(), _equality_key, self)
        theirs = _remembered(_KEYS, other.dump(), _equality_key, other)
    except Exception:  # noqa: BLE001 - a value string preparation refuses (U+FFFD,
        # private use...): asn1crypto's own comparison, which may answer before it
        # reaches that value (RDN counts differ) or raise as it always did
        return bool(_ORIGINAL_EQ(self, other))
    return bool(mine == theirs)


_PATCHED_HASHABLE = property(_hashable, doc=x509.Name.hashable.__doc__)


def installed() -> bool:
    return x509.Name.__eq__ is _eq and x509.Name.__dict__["hashable"] is _PATCHED_HASHABLE


def install() -> None:
    """Put the remembering ``hashable`` and ``__eq__`` on ``Name`` (asn1crypto 1.5.1
    only; idempotent)."""
    if asn1crypto.__version__ != PATCHED_VERSION:
        return
    x509.Name.hashable = _PATCHED_HASHABLE
    x509.Name.__eq__ = _eq
