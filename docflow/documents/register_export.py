"""Register tables as files for printing: CSV (UTF-8 with BOM) and XLSX.

Text a person typed (a subject, a name) may start with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return, which spreadsheet programs read as the start of a formula
(``=HYPERLINK(...)`` becomes a live link). Such cells are written as plain text: in
CSV with a leading apostrophe (OWASP's advice: programs show it as text), in XLSX as a
string cell with Excel's own "quote prefix", so it shows exactly as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_PREFIXES", "neutralise", "table_to_csv", "table_to_xlsx"]

Cells = Sequence[object]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise(value: object) -> object:
    """``value`` as CSV must carry it: text that a spreadsheet would run gets an apostrophe."""
    return f"'{value}" if _formula_like(value) else value


def table_to_csv(headers: Sequence[str], rows: Iterable[Cells]) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs read the diacritics right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_to_xlsx(
    headers: Sequence[str],
    rows: Iterable[Cells],
    *,
    title: str,
    sheet_title: str,
    widths: Sequence[int],
) -> bytes:
    """One sheet: a bold title line, bold wrapped headers, then the rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if _formula_like(cell.value) or cell.data_type == "f":
                cell.data_type = "s"  # openpyxl made it a formula: keep it text
                cell.quotePrefix = True
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
