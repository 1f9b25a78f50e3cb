"""Distinguished names compared once per encoding (signing._asn1_names): the same
answers as asn1crypto's own RFC 5280 comparison, for the names path building meets."""

from __future__ import annotations

import itertools

import asn1crypto
import pytest
from asn1crypto import x509

import signing
from signing import _asn1_names
from signing._asn1_names import PATCHED_VERSION


def _rdn(*pairs: tuple[str, str]) -> x509.RelativeDistinguishedName:
    return x509.RelativeDistinguishedName(
        [
            x509.NameTypeAndValue(
                {"type": kind, "value": x509.DirectoryString(name="utf8_string", value=value)}
            )
            for kind, value in pairs
        ]
    )


def _name(*rdns: x509.RelativeDistinguishedName) -> x509.Name:
    # parsed back from DER, as names in certificates and CRLs are
    return x509.Name.load(x509.Name(name="", value=x509.RDNSequence(list(rdns))).dump())


NAMES = {
    "agency": _name(_rdn(("country_name", "VN")), _rdn(("common_name", "Sở Tài chính"))),
    # RFC 5280 7.1: case and inner spaces do not count
    "agency, other case and spaces": _name(
        _rdn(("country_name", "vn")), _rdn(("common_name", "  sở   TÀI chính "))
    ),
    "agency, RDNs the other way round": _name(
        _rdn(("common_name", "Sở Tài chính")), _rdn(("country_name", "VN"))
    ),
    "other agency": _name(_rdn(("country_name", "VN")), _rdn(("common_name", "Sở Tư pháp"))),
    "agency, one RDN more": _name(
        _rdn(("country_name", "VN")),
        _rdn(("common_name", "Sở Tài chính")),
        _rdn(("organizational_unit_name", "Văn phòng")),
    ),
    "multi-valued RDN": _name(
        _rdn(("common_name", "Sở Tài chính"), ("organization_name", "UBND tỉnh"))
    ),
    "multi-valued RDN, other order": _name(
        _rdn(("organization_name", "UBND tỉnh"), ("common_name", "Sở Tài chính"))
    ),
    # asn1crypto keeps the last value of a type repeated in one RDN
    "repeated type x, y": _name(
        _rdn(("organizational_unit_name", "x"), ("organizational_unit_name", "y"))
    ),
    "repeated type z, y": _name(
        _rdn(("organizational_unit_name", "z"), ("organizational_unit_name", "y"))
    ),
    "single y": _name(_rdn(("organizational_unit_name", "y"))),
    "empty": _name(),
}


def _as_asn1crypto(a: x509.Name, b: x509.Name) -> tuple[bool, str, str]:
    """asn1crypto 1.5.1's own answers, on fresh copies (nothing remembered)."""
    a, b = x509.Name.load(a.dump()), x509.Name.load(b.dump())
    original = _asn1_names._ORIGINAL_EQ(a, b)
    return original, _asn1_names._ORIGINAL_HASHABLE(a), _asn1_names._ORIGINAL_HASHABLE(b)


@pytest.mark.parametrize("left,right", list(itertools.product(NAMES, repeat=2)))
def test_names_compare_as_asn1crypto_compares_them(left: str, right: str) -> None:
    signing.preload()
    a, b = NAMES[left], NAMES[right]
    equal, hashable_a, hashable_b = _as_asn1crypto(a, b)
    assert (a == b) is equal
    assert (a != b) is (not equal)
    assert a.hashable == hashable_a and b.hashable == hashable_b
    # asked twice (the second answer comes from the table): the same
    assert (a == b) is equal and a.hashable == hashable_a


def test_the_expected_names_are_equal_and_the_others_not() -> None:
    """Not only "as asn1crypto says": the answers RFC 5280 asks for."""
    signing.preload()
    assert NAMES["agency"] == NAMES["agency, other case and spaces"]
    assert NAMES["multi-valued RDN"] == NAMES["multi-valued RDN, other order"]
    assert NAMES["agency"] != NAMES["agency, RDNs the other way round"]
    assert NAMES["agency"] != NAMES["other agency"]
    assert NAMES["agency"] != NAMES["agency, one RDN more"]
    assert NAMES["agency"] != "CN=Sở Tài chính, C=VN"


def test_a_name_changed_in_place_and_dumped_again_is_compared_by_its_new_value() -> None:
    signing.preload()
    name = x509.Name.load(NAMES["agency"].dump())
    assert name == NAMES["agency"]
    name.chosen[1] = _rdn(("common_name", "Sở Tư pháp"))
    name.dump(force=True)
    assert name == NAMES["other agency"]
    assert name != NAMES["agency"]
    assert name.hashable == NAMES["other agency"].hashable


def test_the_table_stays_bounded() -> None:
    signing.preload()
    for n in range(_asn1_names.TABLE_SIZE + 10):
        assert _name(_rdn(("common_name", f"CA {n}"))) != NAMES["agency"]
    assert len(_asn1_names._KEYS) <= _asn1_names.TABLE_SIZE


def test_the_comparison_is_in_place_for_the_asn1crypto_it_mirrors() -> None:
    """A new asn1crypto keeps its own comparison: check whether its Name, RDNSequence
    and RelativeDistinguishedName equality changed, then update signing._asn1_names."""
    signing.preload()
    assert asn1crypto.__version__ == PATCHED_VERSION
    assert _asn1_names.installed()


def test_a_name_string_preparation_refuses_is_compared_as_asn1crypto_compares_it() -> None:
    """A hostile certificate's name with U+FFFD: asn1crypto answers "not equal" when the
    RDN counts differ (it never prepares that value) and raises when it must prepare it;
    remembering changes neither answer."""
    signing.preload()
    hostile = _name(_rdn(("country_name", "VN")), _rdn(("common_name", "Sở Tài chính\ufffd")))
    assert (hostile == NAMES["agency, one RDN more"]) is False
    assert (hostile == NAMES["empty"]) is False
    with pytest.raises(ValueError, match="replacement character"):
        _asn1_names._ORIGINAL_EQ(hostile, NAMES["agency"])
    with pytest.raises(ValueError, match="replacement character"):
        assert hostile == NAMES["agency"]
    with pytest.raises(ValueError, match="replacement character"):
        assert hostile.hashable
