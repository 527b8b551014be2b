"""Exports carry no live formula (issue 14, item 6)."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from hallapp import spreadsheets
from hallapp.services import enterprise as rooms
from hallapp.services.enterprise.figures import FigureRow, Figures

NAMES = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("name", NAMES)
def test_a_cell_a_spreadsheet_would_run_is_neutralised(name):
    assert spreadsheets.neutralise(name) == "'" + name
    assert spreadsheets.neutralise("Wang Fang") == "Wang Fang"
    assert spreadsheets.neutralise(-3) == -3  # numbers stay numbers


def _figures(clerk_name: str) -> Figures:
    row = FigureRow(key="1", label=clerk_name, services=2, enterprises=1, people=2)
    total = FigureRow(key="total", label="Total", services=2, enterprises=1, people=2)
    return Figures(
        start=date(2026, 12, 1),
        end=date(2026, 12, 1),
        total=total,
        by_mode=[],
        by_place=[],
        by_clerk=[row],
    )


def test_a_staff_name_like_a_formula_is_text_in_both_exports(app):
    name = NAMES[0]
    text = rooms.figures_csv(_figures(name))
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert "'" + name in cells
    assert name not in cells

    sheet = load_workbook(io.BytesIO(rooms.figures_xlsx(_figures(name)))).active
    written = [cell for row in sheet.iter_rows() for cell in row if cell.value == name]
    assert written and all(cell.data_type == "s" for cell in written)
