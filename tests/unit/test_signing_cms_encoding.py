"""The CMS docflow's signers hand to pyHanko dumps the DER it was built as, without
asn1crypto re-encoding it (no services, no timing).

asn1crypto takes a cached header ending in 0x80 (a length such as 0x1780) for an
indefinite length and re-encodes the whole parsed tree on every ``dump()``: 15-50 s per
external-signature preparation for signers whose CMS had such a length.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from asn1crypto import cms, core

from signing.signers.cms import FastExternalSigner, _EncodedContentInfo, _pinned
from signing.signers.sources import new_store
from tests.pki import cert


async def _cms_with_length_ending_in_0x80() -> cms.ContentInfo:
    """A detached CMS from ``FastExternalSigner`` whose outer DER header ends in 0x80
    (the signature value's length is varied until the total length does)."""
    signer_cert = cert("stttt-seal-p256")
    digest = hashlib.sha256(b"docflow").digest()

    async def build(n: int) -> cms.ContentInfo:
        signer = FastExternalSigner(
            signer_cert, new_store([cert("ca-stttt")]), signature_value=bytes(n)
        )
        return await signer.async_sign(digest, "sha256", use_pades=True)

    first = await build(64)
    guess = 64 + (0x80 - len(first.contents)) % 256  # one more byte, one more length
    for n in sorted(range(64, 64 + 300), key=lambda n: abs(n - guess)):
        built = await build(n)
        if built._header[-1:] == b"\x80":
            return built
    raise AssertionError("no signature length gives a CMS length ending in 0x80")


@pytest.fixture
def re_encodings(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every re-encoding of a SEQUENCE's contents asn1crypto does (its ``force``)."""
    calls: list[bool] = []
    original = core.Sequence._set_contents

    def counting(self: Any, force: bool = False) -> None:
        calls.append(force)
        original(self, force=force)

    monkeypatch.setattr(core.Sequence, "_set_contents", counting)
    return calls


async def test_cms_with_0x80_length_dumps_without_re_encoding(re_encodings: list[bool]) -> None:
    built = await _cms_with_length_ending_in_0x80()
    der = bytes(built._header + built.contents)
    re_encodings.clear()
    assert built.dump() == der  # what pyHanko measures and embeds
    assert built.dump() == der
    assert re_encodings == []
    # The same bytes in meaning: a plain parse reads the same SignedData.
    reread = cms.ContentInfo.load(der)
    assert reread["content_type"].native == "signed_data"
    signer_info = reread["content"]["signer_infos"][0]
    assert signer_info["signature"].native == bytes(len(signer_info["signature"].native))
    assert reread["content"]["certificates"][0].chosen.dump() == cert("stttt-seal-p256").dump()


async def test_cms_dump_force_still_re_encodes(re_encodings: list[bool]) -> None:
    """``force`` (asked for explicitly) keeps asn1crypto's meaning: a fresh DER encoding
    (of a CMS whose length does not end in 0x80: cheap)."""
    signer = FastExternalSigner(
        cert("stttt-seal-p256"), new_store([cert("ca-stttt")]), signature_value=bytes(64)
    )
    built = await signer.async_sign(hashlib.sha256(b"x").digest(), "sha256", use_pades=True)
    if built._header[-1:] == b"\x80":
        pytest.skip("this length ends in 0x80")
    der = built.dump()
    re_encodings.clear()
    assert built.dump(force=True) == der
    assert re_encodings  # it did re-encode


async def test_parsed_token_with_0x80_length_is_pinned(re_encodings: list[bool]) -> None:
    """Timestamp tokens (parsed from the TSA's answer) go into the SignedData pinned to
    their DER, so encoding the SignedData does not re-encode them."""
    built = await _cms_with_length_ending_in_0x80()
    der = bytes(built._header + built.contents)
    token = cms.ContentInfo.load(der)  # stands for a token whose length ends in 0x80
    pinned = _pinned(token)
    assert isinstance(pinned, _EncodedContentInfo)
    attr = cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [pinned]})
    re_encodings.clear()
    encoded = attr.dump()
    assert re_encodings.count(True) == 0
    assert encoded.endswith(der)
    assert _pinned(pinned) is pinned
    assert _pinned(b"x") == b"x"


async def test_signer_info_with_0x80_length_is_encoded_once(
    re_encodings: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signer info whose own length ends in 0x80 is not re-encoded while pyHanko
    builds the SignedData around it (every certificate of the dev CA of STC gave its
    leaders' signer infos the length 0x0A80: 5 s of CPU per prepared signature), and the
    CMS is still the DER of what pyHanko built, timestamp token included."""
    from docflow.devpki import dev_timestamper

    forced: list[str] = []
    original = cms.SignerInfo._set_contents

    def watching(self: Any, force: bool = False) -> None:
        if force:
            forced.append(bytes(self._header or b"").hex())
        original(self, force=force)

    monkeypatch.setattr(cms.SignerInfo, "_set_contents", watching)
    digest = hashlib.sha256(b"docflow").digest()
    stamper = dev_timestamper()

    async def build(n: int) -> cms.ContentInfo:
        signer = FastExternalSigner(
            cert("stttt-seal-p256"), new_store([cert("ca-stttt")]), signature_value=bytes(n)
        )
        return await signer.async_sign(digest, "sha256", use_pades=True, timestamper=stamper)

    def info_header(built: cms.ContentInfo) -> bytes:
        return bytes(built["content"]["signer_infos"][0]._header)

    first = info_header(await build(64))
    guess = 64 + (0x80 - first[-1]) % 256
    for n in sorted(range(64, 64 + 300), key=lambda n: abs(n - guess)):
        forced.clear()
        built = await build(n)
        if info_header(built)[-1:] == b"\x80":
            break
    else:
        raise AssertionError("no signature length gives a signer info length ending in 0x80")

    assert forced == []  # pyHanko's own code re-encoded it 3 times, each exponentially
    der = built.dump()
    # What a validator reads is what pyHanko built: the same SignedData, its signature
    # value, and the timestamp token among the unsigned attributes.
    reread = cms.ContentInfo.load(der, strict=True)
    info = reread["content"]["signer_infos"][0]
    made = built["content"]["signer_infos"][0]
    assert info["signed_attrs"].contents == made["signed_attrs"].contents
    assert info["sid"].chosen["serial_number"].native == cert("stttt-seal-p256").serial_number
    assert info["signature"].native == bytes(n)
    types = [a["type"].native for a in info["unsigned_attrs"]]
    assert types == ["signature_time_stamp_token"]
