"""asn1crypto took every definite length ending in 0x80 for an indefinite one and
re-encoded the whole value on each dump (5 s per prepared signature for one agency's
leaders); ``signing._asn1_lengths`` corrects the test. The bytes must not change, and
a value that really had an indefinite length must still come out as DER."""

from __future__ import annotations

from typing import Any

import asn1crypto
import pytest
from asn1crypto import cms, core

import signing
from signing import _asn1_lengths
from signing._asn1_lengths import PATCHED_VERSION, indefinite_length


class _Pair(core.Sequence):  # type: ignore[misc]
    _fields = [("a", core.OctetString), ("b", core.OctetString)]


@pytest.mark.parametrize(
    ("header", "indefinite"),
    [
        ("3080", True),  # SEQUENCE, indefinite
        ("3081 80", False),  # length 128
        ("3082 0a80", False),  # length 0x0A80
        ("3083 010080", False),
        ("30 7f", False),
        ("9f8100 80", True),  # high tag number, indefinite
        ("9f8100 8180", False),  # high tag number, length 128
        ("a082 0a84 3082 0a80", False),  # explicit [0] around a definite 0x0A80
        ("a080 3080", True),  # explicit [0] around an indefinite value
    ],
)
def test_the_length_form_is_read_from_the_length_octets(header: str, indefinite: bool) -> None:
    assert indefinite_length(bytes.fromhex(header.replace(" ", ""))) is indefinite


def _reencodings(value: Any) -> int:
    """How many times dumping ``value`` re-encodes a sequence's contents."""
    calls = 0
    original = core.Sequence._set_contents

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(self, *args, **kwargs)

    core.Sequence._set_contents = counting
    try:
        value.dump()
        value.dump()
    finally:
        core.Sequence._set_contents = original
    return calls


def test_a_definite_length_ending_in_0x80_is_dumped_as_loaded_without_re_encoding() -> None:
    signing.preload()
    der = _Pair({"a": b"x" * 300, "b": b"y" * 78}).dump(force=True)
    assert der[:4] == bytes.fromhex("30820180")  # 0x0180 bytes long
    loaded = _Pair.load(der)
    assert loaded["a"].native == b"x" * 300  # its children parsed, as pyHanko does
    assert _reencodings(loaded) == 0
    assert loaded.dump() == der


def test_a_signer_info_of_length_0a80_keeps_its_bytes() -> None:
    """The case found in production shape: a signer info whose length is 0x0A80."""
    signing.preload()
    info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier({"subject_key_identifier": b"k" * 20}),
            "digest_algorithm": {"algorithm": "sha256"},
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": b"",
        }
    )
    empty = len(info.dump(force=True)) - 2  # its contents, with "04 00" for the signature
    info["signature"] = b"s" * (0x0A80 - empty - 2)  # "04 82 xx xx" and the bytes
    der = info.dump(force=True)
    assert der[:4] == bytes.fromhex("30820a80"), der[:4].hex()
    loaded = cms.SignerInfo.load(der)
    assert loaded["sid"].native == b"k" * 20
    assert _reencodings(loaded) == 0
    assert loaded.dump() == der


def test_an_indefinite_length_is_still_re_encoded_as_der() -> None:
    signing.preload()
    ber = bytes.fromhex("3080" "040130" "040131" "0000")
    assert _Pair.load(ber).dump() == bytes.fromhex("3006" "040130" "040131")


def test_the_correction_is_in_place_for_the_asn1crypto_it_was_copied_from() -> None:
    """A new asn1crypto keeps its own dump(): look whether it fixed wbond/asn1crypto#249
    (then drop signing._asn1_lengths) or copy its methods again."""
    signing.preload()
    assert asn1crypto.__version__ == PATCHED_VERSION
    assert _asn1_lengths.installed()
    assert core.Sequence.dump is _asn1_lengths._sequence_dump
