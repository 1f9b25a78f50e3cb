"""Tampering with signed edXML packages: any change to an element, attribute or text
fails verification and is named; a signature over less than the whole package is
refused even when its value is right; garbage never escapes as an exception."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

from docflow.exchange.edxml import EdxmlError, check_package, parse_package, verify_package
from docflow.exchange.edxml.messages import known_codes
from tests.edxml_support import dev_trust
from tests.integration.edxml_signing_support import (
    DS,
    NS,
    bytes_of,
    resign,
    signed_document,
    tree_of,
)
from tests.pki import cert

# --------------------------------------------------------------------------- any change fails


@pytest.fixture(scope="module")
def signed_rsa() -> bytes:
    return signed_document("stttt-seal")


def _text(path: str, value: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        root.xpath(path, namespaces=NS)[0].text = value

    return change


def _attr(path: str, name: str, value: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        root.xpath(path, namespaces=NS)[0].set(name, value)

    return change


def _remove(path: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        element = root.xpath(path, namespaces=NS)[0]
        element.getparent().remove(element)

    return change


def _swap_recipients(root: Any) -> None:
    first, second = root.xpath("//e:MessageHeader/e:To", namespaces=NS)
    first.addprevious(copy.deepcopy(second))
    second.getparent().remove(second)


def _add_element(root: Any) -> None:
    message = root.xpath("//e:MessageHeader", namespaces=NS)[0]
    etree.SubElement(message, f"{{{NS['e']}}}Note").text = "thêm"


def _flip_attachment_char(root: Any) -> None:
    body = root.xpath("//e:ContentTransferEncoded", namespaces=NS)[0]
    text = body.text
    body.text = text[:100] + ("A" if text[100] != "A" else "B") + text[101:]


def _whitespace(root: Any) -> None:
    header = root.xpath("//e:edXMLHeader", namespaces=NS)[0]
    header.text = header.text + " "


def _rename(root: Any) -> None:
    root.xpath("//e:Subject", namespaces=NS)[0].tag = f"{{{NS['e']}}}Subjects"


def _other_certificate(root: Any) -> None:
    import base64

    element = root.xpath("//ds:X509Certificate", namespaces=NS)[0]
    element.text = base64.b64encode(cert("stc-seal").dump()).decode()


def _second_signature(root: Any) -> None:
    signature = root.xpath("//ds:Signature", namespaces=NS)[0]
    root.append(copy.deepcopy(signature))


TREE_MUTATIONS: dict[str, tuple[Callable[[Any], None], set[str]]] = {
    "subject": (_text("//e:Subject", "Về việc khác"), {"digest_mismatch"}),
    "sender": (_text("//e:From/e:OrganId", "000.00.13.H30"), {"digest_mismatch"}),
    "recipient removed": (_remove("//e:MessageHeader/e:To[2]"), {"digest_mismatch"}),
    "recipients reordered": (_swap_recipients, {"digest_mismatch"}),
    "element added": (_add_element, {"digest_mismatch"}),
    "element renamed": (_rename, {"digest_mismatch"}),
    "manifest version": (_attr("//e:edXMLManifest", "version", "1.1"), {"digest_mismatch"}),
    "attribute added": (_attr("//e:edXMLEnvelope", "id", "x"), {"digest_mismatch"}),
    "attachment byte": (_flip_attachment_char, {"digest_mismatch"}),
    "attachment removed": (_remove("//e:AttachmentEncoded/e:Attachment[2]"), {"digest_mismatch"}),
    "content type": (_text("//e:Attachment/e:ContentType", "text/plain"), {"digest_mismatch"}),
    "whitespace": (_whitespace, {"digest_mismatch"}),
    "document id": (
        _text("//e:MessageHeader/e:DocumentId", "x,2025/03/14,1/X"),
        {"digest_mismatch"},
    ),
    "promulgation date": (_text("//e:PromulgationDate", "2025/03/15"), {"digest_mismatch"}),
    "business type": (_text("//e:BussinessDocType", "1"), {"digest_mismatch"}),
    "trace time": (
        _text("//e:TraceHeader/e:Timestamp", "2025/03/14 09:15:03"),
        {"digest_mismatch"},
    ),
    "priority": (_text("//e:Priority", "3"), {"digest_mismatch"}),
    "digest value": (_text("//ds:DigestValue", "AAAA" * 10 + "AAA="), {"digest_mismatch"}),
    "signature value": (_text("//ds:SignatureValue", "AAAA" * 64), {"signature_invalid"}),
    "signature method": (
        _attr(
            "//ds:SignatureMethod", "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
        ),
        {"signature_invalid"},
    ),
    "certificate swapped": (_other_certificate, {"signature_invalid"}),
    "signature duplicated": (_second_signature, {"signature_multiple"}),
    "canonicalization": (
        _attr(
            "//ds:SignedInfo/ds:CanonicalizationMethod",
            "Algorithm",
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        ),
        {"signature_invalid"},
    ),
}

BYTE_MUTATIONS: dict[str, tuple[Callable[[bytes], bytes], set[str]]] = {
    "prefix renamed": (
        lambda d: d.replace(
            b"<edXML:Subject>", f'<ns2:Subject xmlns:ns2="{NS["e"]}">'.encode()
        ).replace(b"</edXML:Subject>", b"</ns2:Subject>"),
        {"digest_mismatch"},
    ),
    "default namespace": (
        lambda d: d.replace(f'<edXML xmlns="{NS["e"]}"'.encode(), b'<edXML xmlns="urn:other"', 1),
        {"digest_mismatch"},
    ),
    "diacritic": (lambda d: d.replace("Hồng".encode(), "Hông".encode()), {"digest_mismatch"}),
    "escaped text": (lambda d: d.replace(b"&lt;th", b"&gt;th", 1), {"digest_mismatch"}),
}


@pytest.mark.parametrize("name", sorted(TREE_MUTATIONS))
async def test_any_change_to_an_element_attribute_or_text_fails_verification(
    name: str, signed_rsa: bytes
) -> None:
    change, expected = TREE_MUTATIONS[name]
    root = tree_of(signed_rsa)
    change(root)
    result = verify_package(parse_package(bytes_of(root)), dev_trust())
    assert not result.valid
    assert expected <= {p.code for p in result.problems}, [p.code for p in result.problems]


@pytest.mark.parametrize("name", sorted(BYTE_MUTATIONS))
async def test_changes_in_the_bytes_fail_verification(name: str, signed_rsa: bytes) -> None:
    change, expected = BYTE_MUTATIONS[name]
    mutated = change(signed_rsa)
    assert mutated != signed_rsa
    result = verify_package(parse_package(mutated), dev_trust())
    assert not result.valid
    assert expected <= {p.code for p in result.problems}


async def test_the_unchanged_package_still_verifies_after_a_round_trip(signed_rsa: bytes) -> None:
    # the mutations above start from a re-serialised tree: it must verify untouched
    result = verify_package(parse_package(bytes_of(tree_of(signed_rsa))), dev_trust())
    assert result.valid


# --------------------------------------------------------------------------- what is signed


def _reference(root: Any) -> Any:
    return root.find(".//ds:SignedInfo/ds:Reference", NS)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda r: _reference(r).set("URI", "#edXMLHeader"), "reference_wrong"),
        (lambda r: _reference(r).attrib.pop("URI"), "reference_wrong"),
        (lambda r: _reference(r).addnext(copy.deepcopy(_reference(r))), "reference_extra"),
        (lambda r: _reference(r).getparent().remove(_reference(r)), "reference_missing"),
        (
            lambda r: (
                _reference(r)
                .find("ds:Transforms", NS)
                .remove(_reference(r).find("ds:Transforms/ds:Transform", NS))
            ),
            "reference_not_enveloped",
        ),
        (
            lambda r: etree.SubElement(
                _reference(r).find("ds:Transforms", NS),
                f"{{{DS}}}Transform",
                Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116",
            ),
            "transform_not_allowed",
        ),
    ],
    ids=["uri-fragment", "no-uri", "extra", "missing", "not-enveloped", "xpath"],
)
async def test_a_validly_signed_signature_over_less_than_the_package_is_refused(
    change: Callable[[Any], None], code: str, signed_rsa: bytes
) -> None:
    data = resign(signed_rsa, "stttt-seal", change)
    result = verify_package(parse_package(data), dev_trust())
    assert not result.valid
    assert [p.code for p in result.problems] == [code]


async def test_a_signature_elsewhere_still_verifies_but_is_reported(signed_rsa: bytes) -> None:
    root = tree_of(signed_rsa)
    signature = root.find(".//ds:Signature", NS)
    signature.getparent().remove(signature)
    root.find(".//e:edXMLHeader", NS).insert(0, signature)
    signature.tail = None
    result = verify_package(parse_package(bytes_of(root)), dev_trust())
    assert result.valid
    assert [p.code for p in result.problems] == ["signature_misplaced"]


# --------------------------------------------------------------------------- garbage

_INSERTS = [b"<", b">", b"&", b"<!--", b"<![CDATA[", b"]]>", b'"', b"<x>", b"</x>", b"&#0;"]
_INSERTS += [b"&amp;", b"xmlns:a='b'", b"\xff\xfe", b"<?pi?>", b"<!DOCTYPE x>", b"&e;"]


def _garble(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out))
        roll = rng.random()
        if roll < 0.4:
            out[at] = rng.randrange(256)
        elif roll < 0.7:
            del out[at : at + rng.randint(1, 40)]
        else:
            out[at:at] = rng.choice(_INSERTS)
    return bytes(out)


def test_garbled_packages_are_refused_by_code_or_verify_only_if_nothing_read_changed(
    signed_rsa: bytes,
) -> None:
    """Random damage never escapes as an exception; a damaged package passes only when
    the damage is not a change (CDATA around text, the XML declaration's spacing)."""
    original = parse_package(signed_rsa).package
    rng = random.Random(20250314)
    refused, failed = 0, 0
    for _ in range(400):
        garbled = _garble(signed_rsa, rng)
        try:
            parsed = parse_package(garbled)
        except EdxmlError as error:
            assert error.code in known_codes() and error.problems[0].vi
            refused += 1
            continue
        check_package(parsed)
        result = verify_package(parsed, dev_trust())
        if result.valid:
            assert parsed.package == original
        else:
            assert result.problems
            failed += 1
    assert refused > 0 and failed > 0


def test_comments_are_not_signed_and_change_nothing_that_is_read(signed_rsa: bytes) -> None:
    commented = signed_rsa.replace(
        "Về việc triển khai".encode(), "Về việc <!-- chèn -->triển khai".encode(), 1
    )
    parsed = parse_package(commented)
    assert parsed.package == parse_package(signed_rsa).package
    assert verify_package(parsed, dev_trust()).valid
    with_pi = signed_rsa.replace("Về việc".encode(), "Về việc<?x y?>".encode(), 1)
    assert {p.code for p in verify_package(parse_package(with_pi), dev_trust()).problems} == {
        "digest_mismatch"
    }
