"""Every CSV and Excel export writes its cells through here, so none carries a live formula.

A cell starting with = + - @ (or a tab or carriage return, which some spreadsheet programs
skip before reading one of those) is run as a formula when the file is opened: a staff
name like =HYPERLINK(...) would become a link in a supervisor's Excel. CSV cells get a
leading apostrophe (OWASP's advice); .xlsx cells are stored as text, never as formulas.
"""

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """The cell as written to a CSV: text that a spreadsheet would run gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """CSV with a byte-order mark so Excel on Chinese Windows opens it in UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return "\ufeff" + out.getvalue()


def append_row(sheet, row: Iterable[object]) -> None:
    """sheet.append, with every text cell kept as text (openpyxl makes "=..." a formula)."""
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
