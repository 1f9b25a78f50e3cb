"""How an issued document's number and symbol become the edXML ``Code`` and the file
name of its package (``docflow.exchange.export``), without a database."""

from __future__ import annotations

from docflow.exchange.edxml import Code
from docflow.exchange.export_names import ascii_filename, code_of, package_filename


def test_the_symbol_splits_into_number_and_notation() -> None:
    assert code_of("01/QĐ-STTTT") == Code(number="01", notation="QĐ-STTTT")
    assert code_of("125/UBND-VP") == Code(number="125", notation="UBND-VP")
    assert code_of("UBND") == Code(number=None, notation="UBND")


def test_the_file_name_keeps_the_symbol_without_slashes() -> None:
    assert package_filename("01/QĐ-STTTT", 7) == "01-QĐ-STTTT.edxml"
    assert package_filename(None, 7) == "document-7.edxml"
    assert package_filename('1/a"b\\c', 7) == "1-a_b_c.edxml"


def test_the_plain_file_name_is_ascii() -> None:
    assert ascii_filename("01-QĐ-STTTT.edxml") == "01-QD-STTTT.edxml"
    assert ascii_filename("01-Tờ trình.edxml") == "01-Totrinh.edxml"
    assert ascii_filename("ĐĐ") == "DD"
    assert ascii_filename("***") == "package.edxml"
