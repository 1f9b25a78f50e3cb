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
parsed value already holds) in a bounded per-process table, and compute them with
asn1crypto's own code the first time:

- ``hashable``: asn1crypto's string, as it was.
- equality: a key that holds exactly what asn1crypto's ``__eq__`` compares: the number
  of RDNs, and per RDN its number of attributes and its prepared value by attribute
  type (asn1crypto keeps the last value of a type repeated in one RDN; so does the
  key). Two names are equal exactly when their keys are.

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
_TABLE: dict[bytes, tuple[str, tuple[Any, ...]]] = {}
_LOCK = threading.Lock()


def _equality_key(name: x509.Name) -> tuple[Any, ...]:
    """What asn1crypto 1.5.1's ``RDNSequence.__eq__`` / ``RelativeDistinguishedName.__eq__``
    compare: per RDN, its length and its prepared values by type."""
    key = []
    for rdn in name.chosen:
        values = rdn._get_values(rdn)  # {type: prepped value}, last of a repeated type
        key.append((len(rdn), tuple(sorted(values.items()))))
    return tuple(key)


def _entry(name: x509.Name) -> tuple[str, tuple[Any, ...]]:
    der = name.dump()
    entry = _TABLE.get(der)
    if entry is None:
        entry = (_ORIGINAL_HASHABLE(name), _equality_key(name))
        with _LOCK:
            if len(_TABLE) >= TABLE_SIZE:
                _TABLE.clear()
            _TABLE[der] = entry
    return entry


def _hashable(self: x509.Name) -> str:
    return _entry(self)[0]


def _eq(self: x509.Name, other: object) -> bool:
    if not isinstance(other, x509.Name):
        return False
    if self.dump() == other.dump():
        return True
    return _entry(self)[1] == _entry(other)[1]


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
