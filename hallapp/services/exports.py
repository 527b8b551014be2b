"""CSV and Excel files of report tables, safe to open in a spreadsheet.

A text cell starting with = + - @, a tab or a carriage return would be read as a formula
(formula injection); such cells get a leading apostrophe and are written as text."""

import csv
import io
from collections.abc import Iterable

from hallapp.services.reports import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Numbers stay numbers; text that a spreadsheet would run is made plain text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, (int, float)):
        return value
    return str(value)


def _lines(heading: str, tables: Iterable[Table]) -> list[list[object]]:
    lines: list[list[object]] = [[heading]]
    for table in tables:
        lines.append([])
        lines.append([str(table.title)])
        lines.append([str(column) for column in table.columns])
        lines.extend(table.rows)
    return lines


def to_csv(heading: str, tables: Iterable[Table]) -> str:
    """UTF-8 with a byte-order mark, so Excel on Chinese Windows reads it right."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in _lines(heading, tables):
        writer.writerow([neutralise(cell) for cell in line])
    return "\ufeff" + out.getvalue()


def to_xlsx(heading: str, tables: Iterable[Table]) -> bytes:
    """One sheet per table, header in bold; the same numbers as the page."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.key[:31])
        sheet.append([neutralise(heading)])
        sheet.append([neutralise(str(table.title))])
        sheet.append([neutralise(str(column)) for column in table.columns])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([neutralise(cell) for cell in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        sheet.column_dimensions["A"].width = 28
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
