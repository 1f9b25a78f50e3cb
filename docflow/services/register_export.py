"""Register tables as files for printing: CSV (UTF-8 with BOM) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["table_to_csv", "table_to_xlsx"]

Cells = Sequence[object]


def table_to_csv(headers: Sequence[str], rows: Iterable[Cells]) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs read the diacritics right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
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
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
