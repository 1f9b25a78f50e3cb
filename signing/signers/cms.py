"""Work-arounds for asn1crypto's encoding costs when pyHanko assembles a CMS.

asn1crypto never clears a constructed structure's "mutated" flag, so dumping a parent
re-encodes it again, and it mistakes a cached DER header ending in 0x80 (a length such
as 0x0E80) for an indefinite length and re-encodes the whole subtree with ``force``,
which for freshly built structures is exponential in their depth: ~40 ms per
signature, for about one ECDSA signature in three (their length varies). A parsed
CMS whose own length ends in 0x80 suffers the same on every ``dump()``: 15-50 s per
dump (all its parsed children come back "mutated"), which pyHanko does when it sizes
the signature container and when it embeds the signature.
"""

from __future__ import annotations

import threading
from typing import Any

from asn1crypto import cms
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.signers.pdf_cms import ExternalSigner

__all__ = ["FastCmsMixin", "FastExternalSigner"]


class _Reparsed(CMSAttributeProvider):
    """A signed-attribute provider handing out parsed copies of what pyHanko builds.

    asn1crypto never clears a constructed structure's "mutated" flag, so every dump of
    a parent re-encodes it, twice per nesting level: the signing-certificate-v2
    attribute (built as ``tsp`` classes, rebuilt as ``cms`` ones) was re-encoded up to
    ~6000 times per signature (~40 ms). A parsed copy encodes from its cache. The
    signing-certificate-v2 attribute is constant per certificate and cached.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.attribute_type = inner.attribute_type

    async def build_attr_value(self, dry_run: bool = False) -> Any:
        return await self.inner.build_attr_value(dry_run=dry_run)

    async def get_attribute(self, dry_run: bool = False) -> cms.CMSAttribute | None:
        inner = self.inner
        key = None
        if isinstance(inner, SigningCertificateV2Provider):
            key = inner.signing_cert.dump()
            cached = _ATTR_CACHE.get(key)
            if cached is not None:
                return cached
        attr = await inner.get_attribute(dry_run=dry_run)
        if attr is None:
            return None
        parsed = cms.CMSAttribute.load(attr.dump())
        if key is not None:
            _ATTR_CACHE[key] = parsed
        return parsed


_ATTR_CACHE: dict[bytes, cms.CMSAttribute] = {}


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


class _EncodedContentInfo(cms.ContentInfo):  # type: ignore[misc]  # untyped asn1crypto
    """A parsed CMS ``ContentInfo`` that dumps the DER it was loaded from.

    asn1crypto's ``dump()`` takes a header ending in 0x80 for an indefinite length and
    re-encodes the whole tree with ``force``: for a CMS of length 0x1780, say, that is
    15-50 s (every parsed child comes back "mutated" and is re-encoded over and over),
    and the length of a given signer's CMS barely varies, so the same signer hit it on
    nearly every signature. Its DER (definite lengths, made by :meth:`FastCmsMixin.
    async_sign_prescribed_attributes`) is what ``force`` would produce: kept as is,
    unless something changed the structure since it was loaded.
    """

    def dump(self, force: bool = False) -> bytes:
        if force or self._header is None or self._trailer or self._is_mutated():
            return bytes(super().dump(force=force))
        return bytes(self._header + self._contents)


def _pinned(value: Any) -> Any:
    """``value`` as an :class:`_EncodedContentInfo` if it is a parsed, DER (definite
    length) CMS ``ContentInfo``, such as a TSA's timestamp token; else ``value``."""
    if (
        not isinstance(value, cms.ContentInfo)
        or isinstance(value, _EncodedContentInfo)
        or value._header is None
        or value._trailer
        or value._is_mutated()
    ):
        return value
    return _EncodedContentInfo.load(bytes(value._header + value.contents))


class _EncodedSignerInfo(cms.SignerInfo):  # type: ignore[misc]  # untyped asn1crypto
    """A parsed ``SignerInfo`` that dumps the DER it was loaded from.

    pyHanko puts the signer info into a ``SET OF`` whose contents asn1crypto encodes
    (and, to sort them, dumps each member) several times while it builds the
    ``SignedData``. A signer info whose length ends in 0x80 (0x0A80, say) is then
    re-encoded with ``force`` each time, exponentially in its depth: 5 s of CPU for each
    prepared signature. Its length depends on the signer's certificate, so one agency's
    leaders (every certificate its CA issues) paid it on every signature.
    """

    def dump(self, force: bool = False) -> bytes:
        if force or self._header is None or self._trailer or self._is_mutated():
            return bytes(super().dump(force=force))
        return bytes(self._header + self._contents)


#: The unsigned attributes of the signature this thread is packaging.
_packaging = threading.local()


class FastCmsMixin:
    """Mix into a pyHanko ``Signer``: parsed signed attributes, signer info and CMS
    encoded once."""

    def _package_signature(self, *, unsigned_attrs: Any, **kwargs: Any) -> Any:
        # pyHanko adds the unsigned attributes to the signer info after making it: they
        # go in through ``signer_info`` instead, so it is encoded once, complete. Kept
        # per thread, not on the signer: signers are cached and shared, and this call
        # runs start to end without yielding (pyHanko's method is synchronous).
        parent: Any = super()
        _packaging.unsigned = unsigned_attrs
        try:
            return parent._package_signature(unsigned_attrs=None, **kwargs)
        finally:
            _packaging.unsigned = None

    def signer_info(self, digest_algorithm: str, signed_attrs: Any, signature: bytes) -> Any:
        """pyHanko's signer info (with the unsigned attributes of the signature being
        packaged), encoded once and handed over as :class:`_EncodedSignerInfo`."""
        parent: Any = super()
        info = parent.signer_info(digest_algorithm, signed_attrs, signature)
        unsigned = getattr(_packaging, "unsigned", None)
        if unsigned is not None:
            info["unsigned_attrs"] = unsigned
        return _EncodedSignerInfo.load(info.dump())

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Any:
        parent: Any = super()
        inner = parent._signed_attr_providers(*args, **kwargs)
        return [_Reparsed(p) for p in inner]

    async def unsigned_attrs(self, *args: Any, **kwargs: Any) -> Any:
        """pyHanko's unsigned attributes, timestamp tokens as :class:`_EncodedContentInfo`.

        A token whose length ends in 0x80 (0x0880, say) would otherwise be re-encoded
        whole each time the SignedData around it is encoded (~0.3 s each, many times).
        """
        parent: Any = super()
        attrs = await parent.unsigned_attrs(*args, **kwargs)
        if attrs is None:
            return None
        return cms.CMSAttributes(
            [
                cms.CMSAttribute(
                    {"type": a["type"], "values": [_pinned(v) for v in a["values"]]}
                )
                for a in attrs
            ]
        )

    async def async_sign_prescribed_attributes(self, *args: Any, **kwargs: Any) -> Any:
        """The CMS, encoded once and handed over parsed.

        asn1crypto mistakes a cached DER header whose last byte is 0x80 (a length such
        as 0x0E80) for an indefinite length and re-encodes the whole subtree, which
        for freshly built structures is exponential in their depth (~40 ms). ECDSA
        signatures vary in length, so the SignedData hit such a length about one
        signature in three. Encoding the SignedData once, by itself, avoids it; the
        result is loaded as :class:`_EncodedContentInfo`, whose own length may end in
        0x80 too.
        """
        parent: Any = super()
        built = await parent.async_sign_prescribed_attributes(*args, **kwargs)
        body = built["content_type"].dump() + built["content"].dump()
        return _EncodedContentInfo.load(b"\x30" + _der_length(len(body)) + body)


class FastExternalSigner(FastCmsMixin, ExternalSigner):
    """pyHanko's ``ExternalSigner`` (fixed signature value) with :class:`FastCmsMixin`."""
