"""XML-DSig vocabulary and the canonicalisation both signing and verification use.

The digest of an enveloped signature is the canonical form of the whole document with
the ``Signature`` element taken out. :func:`canonical_without` computes it by detaching
the element for the duration (its tail text stays where it was, as the
enveloped-signature transform requires) and streaming libxml2's canonical output into a
sink: the document is never copied.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)

__all__ = [
    "C14N",
    "DSIG_NS",
    "ENVELOPED",
    "EXC_C14N",
    "EXC_C14N_NS",
    "canonical",
    "canonical_without",
    "detached",
    "dsig",
]

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED: str = SignatureConstructionMethod.enveloped.value
EXC_C14N: str = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value

_M = CanonicalizationMethod
#: algorithm URI -> (exclusive, with_comments). C14N 1.1 differs from 1.0 only for
#: xml:id/xml:base fix-ups edXML never uses; it is computed as 1.0, as signxml does.
C14N: dict[str, tuple[bool, bool]] = {
    _M.EXCLUSIVE_XML_CANONICALIZATION_1_0.value: (True, False),
    _M.EXCLUSIVE_XML_CANONICALIZATION_1_0_WITH_COMMENTS.value: (True, True),
    _M.CANONICAL_XML_1_0.value: (False, False),
    _M.CANONICAL_XML_1_0_WITH_COMMENTS.value: (False, True),
    _M.CANONICAL_XML_1_1.value: (False, False),
    _M.CANONICAL_XML_1_1_WITH_COMMENTS.value: (False, True),
}

#: signature method URI -> (key kind, hashlib name, readable name)
SIGNATURE_METHODS: dict[str, tuple[str, str, str]] = {
    SignatureMethod.RSA_SHA256.value: ("rsa", "sha256", "RSA-SHA256"),
    SignatureMethod.RSA_SHA384.value: ("rsa", "sha384", "RSA-SHA384"),
    SignatureMethod.RSA_SHA512.value: ("rsa", "sha512", "RSA-SHA512"),
    SignatureMethod.ECDSA_SHA256.value: ("ec", "sha256", "ECDSA-SHA256"),
    SignatureMethod.ECDSA_SHA384.value: ("ec", "sha384", "ECDSA-SHA384"),
    SignatureMethod.ECDSA_SHA512.value: ("ec", "sha512", "ECDSA-SHA512"),
    # legacy, accepted on import only and reported as weak
    SignatureMethod.RSA_SHA1.value: ("rsa", "sha1", "RSA-SHA1"),
}

#: digest method URI -> hashlib name
DIGEST_METHODS: dict[str, str] = {
    DigestAlgorithm.SHA256.value: "sha256",
    DigestAlgorithm.SHA384.value: "sha384",
    DigestAlgorithm.SHA512.value: "sha512",
    DigestAlgorithm.SHA1.value: "sha1",
}


def dsig(name: str) -> str:
    """The Clark name of an XML-DSig element."""
    return f"{{{DSIG_NS}}}{name}"


@contextlib.contextmanager
def detached(element: Any) -> Iterator[None]:
    """Take ``element`` out of its tree for the block, leaving its tail text in place."""
    parent = element.getparent()
    index = parent.index(element)
    tail = element.tail
    previous = element.getprevious()
    saved_prev_tail = previous.tail if previous is not None else None
    saved_parent_text = parent.text
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    element.tail = None
    parent.remove(element)
    try:
        yield
    finally:
        if previous is not None:
            previous.tail = saved_prev_tail
        else:
            parent.text = saved_parent_text
        parent.insert(index, element)
        element.tail = tail


class _Sink:
    """A file-like object libxml2 writes canonical output into, chunk by chunk."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self.write_chunk = write

    def write(self, data: bytes) -> int:
        self.write_chunk(data)
        return len(data)


def canonical_without(
    tree: Any,
    signature: Any,
    write: Callable[[bytes], object],
    *,
    exclusive: bool = True,
    inclusive_prefixes: list[str] | None = None,
) -> None:
    """Stream the canonical form of ``tree`` minus ``signature`` (no comments: a
    ``URI=""`` reference excludes them) into ``write``."""
    with detached(signature):
        tree.write_c14n(
            _Sink(write),
            exclusive=exclusive,
            with_comments=False,
            inclusive_ns_prefixes=inclusive_prefixes,
        )


def canonical(
    element: Any,
    *,
    exclusive: bool,
    with_comments: bool,
    inclusive_prefixes: list[str] | None = None,
) -> bytes:
    """The canonical form of ``element`` in its document context (``SignedInfo``)."""
    data: bytes = etree.tostring(
        element,
        method="c14n",
        exclusive=exclusive,
        with_comments=with_comments,
        inclusive_ns_prefixes=inclusive_prefixes,
    )
    return data
