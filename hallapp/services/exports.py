"""CSV and Excel files of report tables, the same numbers as the page.

Cells go through hallapp.spreadsheets, so none carries a live formula."""

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

from hallapp import spreadsheets
from hallapp.services.reports.tables import Table


def _plain(value: object) -> object:
    """Numbers stay numbers, a missing figure is an empty cell, a lazy translation becomes
    its text in the current language."""
    if value is None:
        return ""
    return value if isinstance(value, (int, float)) else str(value)


def _cell(value: object) -> object:
    return spreadsheets.neutralise(_plain(value))


def _lines(heading: str, tables: Iterable[Table]) -> list[list[object]]:
    lines: list[list[object]] = [[heading]]
    for table in tables:
        lines.append([])
        lines.append([table.title])
        lines.append(list(table.columns))
        lines.extend(table.rows)
    return lines


def to_csv(heading: str, tables: Iterable[Table]) -> str:
    """UTF-8 with a byte-order mark, so Excel on Chinese Windows reads it right."""
    return spreadsheets.csv_text(
        [_plain(value) for value in line] for line in _lines(heading, tables)
    )


def to_xlsx(heading: str, tables: Iterable[Table]) -> bytes:
    """One sheet per table, header in bold; text that looks like a formula gets the CSV's
    leading apostrophe and is stored as text."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.key[:31])
        spreadsheets.append_row(sheet, [_cell(heading)])
        spreadsheets.append_row(sheet, [_cell(table.title)])
        spreadsheets.append_row(sheet, [_cell(column) for column in table.columns])
        for header in sheet[3]:
            header.font = Font(bold=True)
        for row in table.rows:
            spreadsheets.append_row(sheet, [_cell(value) for value in row])
        sheet.column_dimensions["A"].width = 28
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
