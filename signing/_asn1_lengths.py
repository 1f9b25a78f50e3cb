"""asn1crypto's ``dump()`` with its test for an indefinite length corrected.

asn1crypto 1.5.1 (its last release) decides that a parsed value had an indefinite
length, and must be re-encoded as DER, when the last byte of its header is 0x80. That
is also the last byte of every definite long-form length ending in 0x80 (0x0A80 is
``82 0A 80``). Such a value, and every value under it, is then re-encoded with
``force`` on each dump, and the parsed children come back "mutated" and are re-encoded
again: work that grows with the depth of the tree, for bytes that do not change. Found
here twice: preparing a signature whose signer info was 0x0A80 long took 5 s (one
agency's leaders, every signature), and a B-T signature over a time-stamp token of such
a length takes 1.1 s instead of 11 ms (``python -m bench.asn1_lengths``). Upstream:
wbond/asn1crypto#249 (open since 2022); a pull request with a narrower test
(wbond/asn1crypto#302) was closed.

``install()`` replaces the ``dump`` of the five classes that make this test
(``Asn1Value``, ``Choice``, ``Primitive``, ``Sequence``, ``SequenceOf``) with their
1.5.1 code, docstrings left out, in which the test reads the header's last length
octets as BER defines them (:func:`indefinite_length`). Only for asn1crypto 1.5.1:
another version keeps its own code, and tests/unit/test_asn1_lengths.py fails so that
someone looks whether it still needs this. A value that was indefinite is still
re-encoded as DER, as before.
"""

from __future__ import annotations

from typing import Any

import asn1crypto
from asn1crypto import core
from asn1crypto._errors import unwrap
from asn1crypto.parser import _dump_header

__all__ = ["PATCHED_VERSION", "indefinite_length", "install", "installed"]

#: The asn1crypto release whose ``dump`` methods are copied here.
PATCHED_VERSION = "1.5.1"


def indefinite_length(header: bytes) -> bool:
    """Whether the last of the (identifier, length) headers in ``header`` has the
    indefinite length form: its length is the single octet 0x80 (X.690 8.1.3.6). A
    long-form length (0x81-0x84 followed by that many octets) may end in 0x80 and is
    definite."""
    position, indefinite = 0, False
    try:
        while position < len(header):
            if header[position] & 0x1F == 0x1F:  # high tag number: more identifier octets
                position += 1
                while header[position] & 0x80:
                    position += 1
            position += 1
            first = header[position]
            position += 1
            indefinite = first == 0x80
            if first > 0x80:
                position += first & 0x7F
    except IndexError:  # not a header asn1crypto's parser made: its own test decides
        return header[-1:] == b"\x80"
    return indefinite


# The five methods below are asn1crypto 1.5.1's (MIT licence, (c) Will Bond), but for
# the test for an indefinite length, which now also asks indefinite_length() when the
# header ends in 0x80. The test is written out in each, not a shared helper: dump() runs
# thousands of times per signature, and one more call in each made signing 12% slower.


def _asn1value_dump(self: Any, force: bool = False) -> Any:
    contents = self.contents

    # If the length is indefinite, force the re-encoding
    loaded = self._header
    if loaded is not None and loaded[-1:] == b"\x80" and indefinite_length(loaded):
        force = True

    if self._header is None or force:
        if isinstance(self, core.Constructable) and self._indefinite:
            self.method = 0

        header = _dump_header(self.class_, self.method, self.tag, self.contents)

        if self.explicit is not None:
            for class_, tag in self.explicit:
                header = _dump_header(class_, 1, tag, header + self.contents) + header

        self._header = header
        self._trailer = b""

    return self._header + contents + self._trailer


def _choice_dump(self: Any, force: bool = False) -> Any:
    # If the length is indefinite, force the re-encoding
    loaded = self._header
    if loaded is not None and loaded[-1:] == b"\x80" and indefinite_length(loaded):
        force = True

    self._contents = self.chosen.dump(force=force)
    if self._header is None or force:
        self._header = b""
        if self.explicit is not None:
            for class_, tag in self.explicit:
                self._header = (
                    _dump_header(class_, 1, tag, self._header + self._contents) + self._header
                )
    return self._header + self._contents


def _primitive_dump(self: Any, force: bool = False) -> Any:
    # If the length is indefinite, force the re-encoding
    loaded = self._header
    if loaded is not None and loaded[-1:] == b"\x80" and indefinite_length(loaded):
        force = True

    if force:
        native = self.native
        self.contents = None
        self.set(native)

    return core.Asn1Value.dump(self)


def _sequence_dump(self: Any, force: bool = False) -> Any:
    # If the length is indefinite, force the re-encoding
    loaded = self._header
    if loaded is not None and loaded[-1:] == b"\x80" and indefinite_length(loaded):
        force = True

    # We can't force encoding if we don't have a spec
    if force and self._fields == [] and self.__class__ is core.Sequence:
        force = False

    if force:
        self._set_contents(force=force)

    if self._fields and self.children is not None:
        for index, (field_name, _, params) in enumerate(self._fields):
            if self.children[index] is not core.VOID:
                continue
            if "default" in params or "optional" in params:
                continue
            raise ValueError(
                unwrap(
                    """
                    Field "%s" is missing from structure
                    """,
                    field_name,
                )
            )

    return core.Asn1Value.dump(self)


def _sequence_of_dump(self: Any, force: bool = False) -> Any:
    # If the length is indefinite, force the re-encoding
    loaded = self._header
    if loaded is not None and loaded[-1:] == b"\x80" and indefinite_length(loaded):
        force = True

    if force:
        self._set_contents(force=force)

    return core.Asn1Value.dump(self)


_METHODS = {
    core.Asn1Value: _asn1value_dump,
    core.Choice: _choice_dump,
    core.Primitive: _primitive_dump,
    core.Sequence: _sequence_dump,
    core.SequenceOf: _sequence_of_dump,
}


def installed() -> bool:
    return all(cls.dump is method for cls, method in _METHODS.items())


def install() -> None:
    """Put the corrected ``dump`` methods in place (asn1crypto 1.5.1 only; idempotent)."""
    if asn1crypto.__version__ != PATCHED_VERSION:
        return
    for cls, method in _METHODS.items():
        cls.dump = method
