"""The axis rules: each broken rule a coded problem a clerk can read, in both languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from docflow.exchange.edxml import (
    Business,
    Code,
    DocumentPackage,
    Organization,
    OtherInfo,
    PackageInvalid,
    Problem,
    ResponseFor,
    Severity,
    TraceHeaderList,
    build_package,
    check_package,
    errors_in,
    parse_package,
)
from docflow.exchange.edxml.messages import known_codes
from tests.edxml_support import RECIPIENTS, document_package, status_package


def codes(problems: tuple[Problem, ...]) -> list[str]:
    return [p.code for p in problems]


def test_a_complete_package_breaks_no_rule() -> None:
    assert check_package(document_package()) == ()
    assert check_package(status_package()) == ()


def test_a_subject_over_500_characters_is_refused() -> None:
    found = check_package(document_package(subject="Về việc " + "x" * 493))
    assert codes(found) == ["subject_too_long"]
    assert found[0].where == "MessageHeader/Subject"
    assert "501" in found[0].en and "501" in found[0].vi and "500" in found[0].vi
    assert check_package(document_package(subject="y" * 500)) == ()


def test_a_repeated_recipient_is_refused() -> None:
    found = check_package(document_package(recipients=(*RECIPIENTS, RECIPIENTS[0])))
    assert codes(found) == ["duplicate_recipient"]
    assert RECIPIENTS[0].organ_id in found[0].en


@pytest.mark.parametrize("bad", ["H30", "000.00.00.h30", "000-00-00-H30", "000.00.00.H3O"])
def test_an_organ_id_of_the_wrong_shape_is_refused_where_it_is(bad: str) -> None:
    recipients = (RECIPIENTS[0], Organization(organ_id=bad, name="X"))
    found = check_package(document_package(recipients=recipients))
    assert codes(found) == ["organ_id_malformed"]
    assert found[0].where == "MessageHeader/To[2]/OrganId"
    assert bad in found[0].vi


def test_missing_required_elements_are_each_named() -> None:
    bare = DocumentPackage(sender=Organization(organ_id=""), recipients=())
    found = check_package(bare)
    missing = {p.where for p in found if p.code == "missing_element"}
    assert missing >= {
        "MessageHeader/From/OrganId",
        "MessageHeader/From/OrganName",
        "MessageHeader/To",
        "MessageHeader/DocumentId",
        "MessageHeader/Code/CodeNotation",
        "MessageHeader/PromulgationInfo/PromulgationDate",
        "MessageHeader/DocumentType",
        "MessageHeader/Subject",
        "MessageHeader/SignerInfo/FullName",
    }
    assert "attachment_missing" in codes(found)


def test_a_recall_needs_no_attachment() -> None:
    recall = document_package(
        attachments=(), trace=TraceHeaderList(business=Business(doc_type=1, reason="Sai sót"))
    )
    assert check_package(recall) == ()


@pytest.mark.parametrize(
    ("document_id", "code"),
    [
        ("000.00.12.H30,14/03/2025,245/STTTT-VP", "document_id_malformed"),
        ("000.00.12.H30;2025/03/14;245", "document_id_malformed"),
        ("000.00.12.H30,2025/03/14,", "document_id_malformed"),
        ("000.00.99.H30,2025/03/14,245/STTTT-VP", "document_id_other_sender"),
    ],
)
def test_document_ids_have_the_axis_shape(document_id: str, code: str) -> None:
    found = check_package(document_package(document_id=document_id))
    assert codes(found) == [code]


def test_a_document_id_naming_another_issuer_is_only_a_warning() -> None:
    found = check_package(document_package(document_id="000.00.99.H30,2025/03/14,1/X"))
    assert [p.severity for p in found] == [Severity.WARNING]
    assert errors_in(found) == ()


def test_status_codes_outside_the_list_are_refused() -> None:
    found = check_package(status_package(status_code="07"))
    assert codes(found) == ["status_code_unknown"]
    assert "01, 02, 03, 04, 05, 06, 13, 15, 16" in found[0].en
    for code in ("01", "02", "03", "04", "05", "06", "13", "15", "16"):
        assert check_package(status_package(status_code=code)) == ()


def test_priorities_and_business_types_stay_in_their_ranges() -> None:
    found = check_package(
        document_package(
            other_info=OtherInfo(priority=5),
            trace=TraceHeaderList(business=Business(doc_type=4)),
        )
    )
    assert codes(found) == ["priority_out_of_range", "business_type_out_of_range"]


def test_a_time_without_a_zone_is_refused_rather_than_guessed() -> None:
    found = check_package(status_package(timestamp=datetime(2025, 3, 15, 14, 2, 40)))
    assert codes(found) == ["timestamp_without_zone"]


def test_attachments_must_be_what_they_claim_and_unique() -> None:
    main, annex = document_package().attachments
    found = check_package(
        document_package(attachments=(main, replace(annex, content_id="cid:main")))
    )
    assert codes(found) == ["attachment_duplicate_id"]
    not_pdf = replace(main, content=type(main.content).from_bytes(b"<html>not a pdf</html>"))
    found = check_package(document_package(attachments=(not_pdf,)))
    assert codes(found) == ["attachment_type_mismatch"]
    assert found[0].severity is Severity.WARNING


def test_building_refuses_a_package_that_breaks_the_rules_listing_every_problem() -> None:
    broken = document_package(
        subject="s" * 501, recipients=(RECIPIENTS[0], RECIPIENTS[0]), code=Code(number="1")
    )
    with pytest.raises(PackageInvalid) as refused:
        build_package(broken)
    assert set(codes(refused.value.problems)) == {
        "duplicate_recipient",
        "missing_element",
        "subject_too_long",
    }


def test_dates_that_cannot_be_read_are_reported_with_their_element() -> None:
    text = build_package(document_package()).decode("utf-8")
    text = text.replace(
        "<edXML:DueDate>2025/03/31</edXML:DueDate>", "<edXML:DueDate>31/03/2025</edXML:DueDate>"
    )
    text = text.replace(
        "<edXML:Priority>2</edXML:Priority>", "<edXML:Priority>cao</edXML:Priority>"
    )
    parsed = parse_package(text.encode("utf-8"))
    assert parsed.document.due_date is None
    found = check_package(parsed)
    assert codes(found) == ["date_unparseable", "number_unparseable"]
    assert found[0].where == "MessageHeader/DueDate" and "31/03/2025" in found[0].vi


def test_a_status_must_name_the_document_it_answers() -> None:
    found = check_package(status_package(response_for=ResponseFor()))
    assert {p.where for p in found} == {
        "MessageHeader/ResponseFor/OrganId",
        "MessageHeader/ResponseFor/DocumentId",
    }


def test_every_code_has_both_languages() -> None:
    from docflow.exchange.edxml.messages import problem

    samples = {"limit": 1, "limit_mb": 1, "detail": "d", "index": 1, "root": "r", "length": 1}
    samples |= {"organ_id": "o", "value": "v", "known": "k", "named": "n", "sender": "s"}
    samples |= {"content_id": "c", "declared": "d", "count": 2, "what": "w", "uri": "u"}
    samples |= {"name": "n", "key": "k", "bits": 1, "minimum": 2, "subject": "s"}
    samples |= {"moment": "m", "not_before": "a", "not_after": "b", "method": "m"}
    for code in known_codes():
        found = problem(code, where="X", **samples)
        assert found.en and found.vi and found.en != found.vi, code


def test_text_xml_cannot_carry_is_refused_where_it_is() -> None:
    with pytest.raises(PackageInvalid) as refused:
        build_package(document_package(subject="Về việc \x01 lạ"), check=False)
    assert refused.value.code == "text_not_xml"
    assert refused.value.problems[0].where == "MessageHeader/Subject"
    naive = status_package(timestamp=datetime(2025, 3, 15, 14, 2, 40))
    with pytest.raises(PackageInvalid) as unzoned:
        build_package(naive, check=False)
    assert unzoned.value.code == "timestamp_without_zone"
