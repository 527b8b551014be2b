"""What the office reports: enterprises and people served, and how they came."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from hallapp import spreadsheets
from hallapp.extensions import db
from hallapp.models import (
    PLACES,
    SERVICE_MODES,
    Enterprise,
    EnterpriseMember,
    Hall,
    RegistrationService,
    Staff,
)
from hallapp.models.enterprise import service_member
from hallapp.services.errors import InvalidValue


@dataclass
class FigureRow:
    key: str
    label: object  # a lazy string for codes, translated when drawn; a clerk's name as it is
    services: int = 0
    enterprises: int = 0
    people: int = 0


@dataclass
class Figures:
    start: date
    end: date
    total: FigureRow
    by_mode: list[FigureRow]
    by_place: list[FigureRow]
    by_clerk: list[FigureRow]


PLACE_LABELS = {"hong_kong": _l("Hong Kong"), "macau": _l("Macau")}
MODE_LABELS = {"appointment": _l("By appointment"), "on_the_spot": _l("On the spot")}


def figures(hall: Hall, start: date, end: date) -> Figures:
    """Enterprises and people served between two service days, both included.

    A person is the holder of one document (the keyed hash), so someone served twice, or
    for two enterprises, counts once in each line and once in the total. An enterprise
    merged into another counts as the one it was merged into. A line's people and
    enterprises are counted within that line, so the lines of one split can add up to
    more than the total when someone was served both ways."""
    if end < start:
        raise InvalidValue(_l("The end date is before the start date."), field="end")
    rows = db.session.execute(
        select(
            RegistrationService.id,
            RegistrationService.enterprise_id,
            RegistrationService.mode,
            RegistrationService.clerk_id,
            Enterprise.place,
            EnterpriseMember.document_hash,
        )
        .join(Enterprise, Enterprise.id == RegistrationService.enterprise_id)
        .outerjoin(service_member, service_member.c.service_id == RegistrationService.id)
        .outerjoin(EnterpriseMember, EnterpriseMember.id == service_member.c.member_id)
        .where(
            RegistrationService.hall_id == hall.id,
            RegistrationService.service_day >= start,
            RegistrationService.service_day <= end,
        )
    ).all()
    buckets: dict[tuple[str, object], tuple[set, set, set]] = {}

    def add(split: str, key: object, row) -> None:
        services, enterprises, people = buckets.setdefault((split, key), (set(), set(), set()))
        services.add(row.id)
        enterprises.add(row.enterprise_id)
        if row.document_hash:
            people.add(row.document_hash)

    for row in rows:
        add("total", None, row)
        add("mode", row.mode, row)
        add("place", row.place, row)
        add("clerk", row.clerk_id, row)

    def line(split: str, key: object, label: object) -> FigureRow:
        services, enterprises, people = buckets.get((split, key), (set(), set(), set()))
        return FigureRow(str(key or ""), label, len(services), len(enterprises), len(people))

    clerk_ids = [key for split, key in buckets if split == "clerk"]
    names = {
        staff.id: staff.full_name
        for staff in db.session.scalars(
            select(Staff).where(Staff.id.in_([i for i in clerk_ids if isinstance(i, int)]))
        )
    }
    by_clerk = [
        line(
            "clerk",
            clerk_id,
            (names.get(clerk_id) if isinstance(clerk_id, int) else None)
            or _l("(no clerk recorded)"),
        )
        for clerk_id in clerk_ids
    ]
    by_clerk.sort(key=lambda row: (-row.people, str(row.label)))
    return Figures(
        start=start,
        end=end,
        total=line("total", None, _l("All services")),
        by_mode=[line("mode", mode, MODE_LABELS[mode]) for mode in SERVICE_MODES],
        by_place=[line("place", place, PLACE_LABELS[place]) for place in PLACES],
        by_clerk=by_clerk,
    )


def figure_table(result: Figures) -> list[list[object]]:
    """The figures as a table, header first: what both exports write."""
    table: list[list[object]] = [
        [
            _("Split"),
            pgettext("line of business", "Line"),
            _("Services"),
            _("Enterprises"),
            _("People"),
        ]
    ]
    sections = [
        (_("Total"), [result.total]),
        (_("How they came"), result.by_mode),
        (_("Place of incorporation"), result.by_place),
        (_("Clerk"), result.by_clerk),
    ]
    for title, lines in sections:
        for row in lines:
            table.append([title, str(row.label), row.services, row.enterprises, row.people])
    return table


def _range_line(result: Figures) -> str:
    return _(
        "Enterprise room, %(start)s to %(end)s",
        start=result.start.isoformat(),
        end=result.end.isoformat(),
    )


def figures_csv(result: Figures) -> str:
    """The figures' CSV; spreadsheets.csv_text neutralises any cell that looks like a formula."""
    return spreadsheets.csv_text(
        [[_range_line(result)], *figure_table(result), [], [counting_rule()]]
    )


def figures_xlsx(result: Figures) -> bytes:
    """An Excel workbook with the same table as the page and the CSV."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Figures"
    spreadsheets.append_row(sheet, [_range_line(result)])
    sheet["A1"].font = Font(bold=True)
    for index, row in enumerate(figure_table(result)):
        spreadsheets.append_row(sheet, row)
        if index == 0:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    sheet.append([])
    spreadsheets.append_row(sheet, [counting_rule()])
    for column, width in zip("ABCDE", (22, 28, 12, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def counting_rule() -> str:
    return _(
        "How we count: a person is one identity document, counted once however many times "
        "they were served in the period; an enterprise is counted once however many visits. "
        "Each line counts within itself, so a person served both by appointment and on the "
        "spot appears in both lines but once in the total."
    )
