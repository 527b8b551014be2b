"""Bookings imported from an online platform's CSV: all rows or none.

At most APPOINTMENT_IMPORT_MAX_ROWS rows. Every row is parsed and checked first, with
two reads for the whole file (codes already imported, the slots named); only a file
with no error is written, in one short transaction, so SQLite's single writer is held
for the writing alone and the board, the API and /healthz keep answering meanwhile.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hallapp.extensions import db
from hallapp.models import Appointment, AppointmentSlot, Hall, Service, Staff
from hallapp.services import audit
from hallapp.services.appointments import add_appointment, normalize_code
from hallapp.services.errors import HallError
from hallapp.services.textfiles import decode_csv

HEADER = ("booking_code", "service", "date", "time", "name", "document_number", "phone")
HEADER_ALIASES = {
    "预约号": "booking_code",
    "预约编号": "booking_code",
    "业务": "service",
    "业务代码": "service",
    "日期": "date",
    "时间": "time",
    "时段": "time",
    "姓名": "name",
    "证件号码": "document_number",
    "证件号": "document_number",
    "电话": "phone",
    "手机": "phone",
    "手机号": "phone",
}


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_header(row: list[str]) -> list[str] | None:
    names = [HEADER_ALIASES.get(cell.strip(), cell.strip().lower()) for cell in row]
    if sorted(names) != sorted(HEADER):
        return None
    return names


MAX_CELL_CHARS = 500


def _max_rows() -> int:
    return int(current_app.config["APPOINTMENT_IMPORT_MAX_ROWS"])


@dataclass(frozen=True)
class _Row:
    """A line that passed the checks needing no database."""

    line: int
    values: dict[str, str]
    code: str
    service: Service
    starts_at: datetime


def import_bookings(hall: Hall, data: bytes, *, actor: Staff | None, now: datetime) -> ImportResult:
    """All rows or none: any bad row is reported with its line number and nothing is saved."""
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text))
    result = ImportResult()
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    names = _parse_header(header or [])
    if names is None:
        expected = ", ".join(HEADER)
        result.errors.append(
            (1, str(_l("The header must be exactly: %(expected)s.", expected=expected)))
        )
        return result
    services = {s.code: s for s in hall.services}
    tz = ZoneInfo(hall.timezone)
    limit = _max_rows()
    rows: list[_Row] = []
    seen_codes: set[str] = set()
    lines = iter(reader)
    while True:
        try:
            row = next(lines)
        except StopIteration:
            break
        except csv.Error:  # a field beyond the csv module's 128 KiB, a NUL byte
            result.errors.append((reader.line_num, str(_l("This line could not be read."))))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(rows) + len(result.errors) >= limit:  # one more row than allowed
            too_many = _l(
                "A file may hold at most %(n)s bookings; split it and import each part.", n=limit
            )
            result.errors.append((line, str(too_many)))
            break
        if any(len(cell) > MAX_CELL_CHARS for cell in row):
            result.errors.append(
                (line, str(_l("A cell holds more than %(n)d characters.", n=MAX_CELL_CHARS)))
            )
            continue
        if len(row) != len(names):
            result.errors.append(
                (line, str(_l("Expected %(n)d columns, found %(m)d.", n=len(names), m=len(row))))
            )
            continue
        values = {name: cell.strip() for name, cell in zip(names, row, strict=True)}
        parsed = _parse_row(line, values, services, tz, seen_codes)
        if isinstance(parsed, _Row):
            rows.append(parsed)
        else:
            result.errors.append((line, str(parsed)))
    if len(rows) + len(result.errors) > limit:
        db.session.rollback()
        return result
    refused = _check_against_database(rows, result)
    slots = _slots_for(rows)
    for parsed in rows:
        if parsed.line in refused:
            continue
        error = _write_row(hall, parsed, slots, actor, now)
        if error:
            result.errors.append((parsed.line, str(error)))
        else:
            result.imported += 1
    if result.errors:
        db.session.rollback()
        result.errors.sort(key=lambda item: item[0])
        result.imported = 0
        return result
    audit.record(
        "guidance.appointment.import",
        actor=actor,
        summary=f"{result.imported} bookings",
        hall_id=hall.id,
        now=now,
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        result.errors.append(
            (0, str(_l("Another import or booking changed these slots; try again.")))
        )
        result.imported = 0
    return result


def _parse_row(line: int, values: dict[str, str], services, tz, seen_codes: set[str]) -> _Row | str:
    """Checks that need no database: code, service, date and time; the message of the first
    that fails."""
    code = normalize_code(values["booking_code"])
    if not code or len(code) > 16:
        return _l("The booking code is missing or longer than 16 characters.")
    if code in seen_codes:
        return _l("The booking code %(code)s appears twice in the file.", code=code)
    seen_codes.add(code)
    service = services.get(values["service"].upper())
    if service is None:
        return _l("Unknown service %(service)s.", service=values["service"])
    try:
        day = date.fromisoformat(values["date"].replace("/", "-"))
    except ValueError:
        return _l("The date %(value)s is not a date like 2026-11-30.", value=values["date"])
    try:
        at = time.fromisoformat(values["time"][:5].zfill(5))
    except ValueError:
        return _l("The time %(value)s is not a time like 09:30.", value=values["time"])
    return _Row(line, values, code, service, datetime.combine(day, at, tzinfo=tz))


def _check_against_database(rows: list[_Row], result: ImportResult) -> set[int]:
    """Codes already imported and slots that do not exist, in two reads for the file;
    returns the lines refused."""
    codes = [row.code for row in rows]
    taken: set[str] = set()
    for start in range(0, len(codes), 500):
        taken |= set(
            db.session.scalars(
                select(Appointment.code).where(Appointment.code.in_(codes[start : start + 500]))
            )
        )
    slots = _slots_for(rows)
    refused: set[int] = set()
    for row in rows:
        if row.code in taken or (row.service.id, row.starts_at) not in slots:
            refused.add(row.line)
        if row.code in taken:
            result.errors.append(
                (
                    row.line,
                    str(_l("The booking code %(code)s was already imported.", code=row.code)),
                )
            )
        elif (row.service.id, row.starts_at) not in slots:
            local = row.starts_at
            result.errors.append(
                (
                    row.line,
                    str(
                        _l(
                            "There is no %(service)s slot at %(day)s %(time)s.",
                            service=row.service.code,
                            day=local.date().isoformat(),
                            time=local.strftime("%H:%M"),
                        )
                    ),
                )
            )
    return refused


def _slots_for(rows: list[_Row]) -> dict:
    """(service id, start) -> slot id for the slots the rows name."""
    if not rows:
        return {}
    service_ids = {row.service.id for row in rows}
    first = min(row.starts_at for row in rows)
    last = max(row.starts_at for row in rows)
    found = db.session.execute(
        select(AppointmentSlot.id, AppointmentSlot.service_id, AppointmentSlot.starts_at).where(
            AppointmentSlot.service_id.in_(service_ids),
            AppointmentSlot.starts_at >= first,
            AppointmentSlot.starts_at <= last,
        )
    ).all()
    return {(service_id, starts_at): slot_id for slot_id, service_id, starts_at in found}


def _write_row(hall, parsed: _Row, slots: dict, actor, now):
    values = parsed.values
    try:
        with db.session.begin_nested():
            add_appointment(
                slots[(parsed.service.id, parsed.starts_at)],
                hall=hall,
                citizen_name=values["name"],
                document_number=values["document_number"],
                phone=values["phone"],
                source="import",
                actor=actor,
                now=now,
                code=parsed.code,
            )
    except HallError as error:
        return error.message
    return None
