"""Folding for the search index: diacritics, đ, case and punctuation, and symbols."""

from __future__ import annotations

from docflow.search.fold import MAX_TERMS, fold, match_fts5, match_tsquery, symbol_words, terms


def test_fold_drops_diacritics_case_and_punctuation() -> None:
    assert fold("Nguyễn Thị Hồng Nhung") == "nguyen thi hong nhung"
    assert fold("ĐỀ NGHỊ, đường") == "de nghi duong"
    assert fold("01/QĐ-UBND") == "01 qd ubnd"
    assert fold("  __ ") == "" and fold(None) == ""
    # Composed and decomposed input fold alike.
    assert fold("Nguye\u0302\u0303n") == fold("Nguyễn") == "nguyen"


def test_symbols_are_one_word_as_well() -> None:
    assert symbol_words("theo 07/QĐ-UBND và 125/UBND-VP") == "07qdubnd qdubnd 125ubndvp ubndvp"
    assert terms("01/QĐ-UBND") == ["01qdubnd"]
    assert terms("qđ-ubnd Nguyễn") == ["qdubnd", "nguyen"]
    assert terms("01 qd") == ["01", "qd"]


def test_terms_are_bounded_and_safe_in_both_query_languages() -> None:
    words = terms(" ".join(f"w{n}" for n in range(40)) + " \"' & | ! ( ) : * NEAR")
    assert len(words) == MAX_TERMS
    hostile = terms("a\" OR b:* & !c")
    assert hostile == ["a", "or", "b", "c"]
    assert match_tsquery(hostile) == "a:* & or:* & b:* & c:*"
    assert match_fts5(hostile) == '"a"* "or"* "b"* "c"*'
