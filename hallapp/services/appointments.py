"""Appointments: slots with a capacity per service and hall, bookings by staff or imported
from an online platform's CSV, check-in at the desk, and no-shows once a slot has passed.

A slot is never overbooked: a booking takes a place with one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity`), which both SQLite and PostgreSQL apply
atomically, and a CHECK constraint backs it up."""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hallapp.extensions import db
from hallapp.models import Appointment, AppointmentSlot, Hall, Service, Staff
from hallapp.services import audit, calendar, guidance, identity
from hallapp.services.errors import HallError, InvalidValue, NotFound
from hallapp.services.textfiles import decode_csv

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


class SlotFull(HallError):
    message = _l("This slot is full. Choose another time.")
    field = "slot"


class SlotPast(HallError):
    message = _l("This slot has already begun. Choose a later time.")
    field = "slot"


class NotBookable(HallError):
    message = _l("This booking cannot be checked in.")


def _tz(hall: Hall) -> ZoneInfo:
    return ZoneInfo(hall.timezone)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def create_slots(
    hall: Hall,
    service: Service,
    *,
    first_day: date,
    last_day: date,
    minutes: int,
    capacity: int,
    actor: Staff | None,
    now: datetime,
) -> int:
    """Slots over the hall's opening hours on its open days; existing slots are kept."""
    if minutes < 5 or minutes > 240:
        raise InvalidValue(_l("A slot lasts 5 to 240 minutes."), field="minutes")
    if capacity < 1:
        raise InvalidValue(_l("A slot holds at least one citizen."), field="capacity")
    if last_day < first_day or (last_day - first_day).days > 92:
        raise InvalidValue(
            _l("Choose a last day on or after the first, at most three months on."),
            field="last_day",
        )
    tz = _tz(hall)
    existing = set(
        db.session.scalars(
            select(AppointmentSlot.starts_at).where(AppointmentSlot.service_id == service.id)
        )
    )
    made = 0
    day = first_day
    while day <= last_day:
        if calendar.is_open_day(hall, day):
            start = datetime.combine(day, hall.opens_at, tzinfo=tz)
            close = datetime.combine(day, hall.closes_at, tzinfo=tz)
            while start + timedelta(minutes=minutes) <= close:
                end = start + timedelta(minutes=minutes)
                if start not in existing:
                    db.session.add(
                        AppointmentSlot(
                            hall_id=hall.id,
                            service_id=service.id,
                            starts_at=start,
                            ends_at=end,
                            capacity=capacity,
                        )
                    )
                    made += 1
                start = end
        day += timedelta(days=1)
    audit.record(
        "guidance.slots.create",
        actor=actor,
        target=f"service:{service.id}",
        summary=f"{first_day}..{last_day} every {minutes} min x{capacity}: {made}",
        hall_id=hall.id,
        now=now,
    )
    db.session.commit()
    return made


def slots_on(hall: Hall, day: date, service: Service | None = None) -> list[AppointmentSlot]:
    tz = _tz(hall)
    start = datetime.combine(day, time(0), tzinfo=tz)
    query = select(AppointmentSlot).where(
        AppointmentSlot.hall_id == hall.id,
        AppointmentSlot.starts_at >= start,
        AppointmentSlot.starts_at < start + timedelta(days=1),
    )
    if service is not None:
        query = query.where(AppointmentSlot.service_id == service.id)
    return list(db.session.scalars(query.order_by(AppointmentSlot.starts_at, AppointmentSlot.id)))


def _take_place(slot_id: int, now: datetime) -> None:
    """One atomic conditional update: a place is taken only while one is free."""
    taken = db.session.execute(
        update(AppointmentSlot)
        .where(
            AppointmentSlot.id == slot_id,
            AppointmentSlot.booked < AppointmentSlot.capacity,
            AppointmentSlot.starts_at > now,
        )
        .values(booked=AppointmentSlot.booked + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        slot = db.session.get(AppointmentSlot, slot_id)
        if slot is None:
            raise NotFound(_l("This slot does not exist."))
        db.session.refresh(slot)
        if slot.starts_at <= now:
            raise SlotPast()
        raise SlotFull()


def _add_appointment(
    slot_id: int,
    *,
    hall: Hall,
    citizen_name: str,
    document_number: str,
    phone: str,
    source: str,
    actor: Staff | None,
    now: datetime,
    code: str | None = None,
) -> Appointment:
    ident = guidance.new_identity(hall, number=document_number, phone=phone, now=now)
    _take_place(slot_id, now)
    appointment = Appointment(
        slot_id=slot_id,
        code=code or new_code(),
        citizen_name=citizen_name.strip()[:60] or None,
        identity=ident,
        source=source,
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(appointment)
    return appointment


def book(
    hall: Hall,
    slot_id: int,
    *,
    citizen_name: str = "",
    document_number: str = "",
    phone: str = "",
    actor: Staff | None,
    now: datetime,
) -> Appointment:
    """Book a place for a citizen (e.g. after a hotline call); never past or over capacity."""
    try:
        appointment = add_booking(
            hall,
            slot_id,
            citizen_name=citizen_name,
            document_number=document_number,
            phone=phone,
            actor=actor,
            now=now,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return appointment


def add_booking(
    hall: Hall,
    slot_id: int,
    *,
    citizen_name: str = "",
    document_number: str = "",
    phone: str = "",
    actor: Staff | None,
    now: datetime,
) -> Appointment:
    """A staff booking added to the caller's transaction (the hotline texts its code too)."""
    slot = db.session.get(AppointmentSlot, slot_id)
    if slot is None or slot.hall_id != hall.id:
        raise NotFound(_l("This slot does not exist."))
    if not document_number.strip() and not phone.strip():
        raise InvalidValue(
            _l("Give the document number or a phone number, so the booking can be found."),
            field="document_number",
        )
    appointment = _add_appointment(
        slot_id,
        hall=hall,
        citizen_name=citizen_name,
        document_number=document_number,
        phone=phone,
        source="staff",
        actor=actor,
        now=now,
    )
    db.session.flush()
    audit.record(
        "guidance.appointment.book",
        actor=actor,
        target=f"appointment:{appointment.id}",
        summary=appointment.code,
        hall_id=hall.id,
        now=now,
    )
    return appointment


def bookable_slots(hall: Hall, day: date, *, now: datetime, service: Service | None = None):
    """Slots of the day a citizen can still be booked into: not begun, not full."""
    return [
        slot
        for slot in slots_on(hall, day, service)
        if slot.free > 0 and slot.starts_at.astimezone(_tz(hall)) > now
    ]


def normalize_code(code: str) -> str:
    """Booking codes as people read them out or platforms print them: any case, with
    spaces or dashes (wx-100002, WX 100002)."""
    return re.sub(r"[\s\-_.]", "", code or "").upper()


def _code_match(hall: Hall, value: str) -> Appointment | None:
    candidates = {normalize_code(value), (value or "").strip().upper()} - {""}
    if not candidates:
        return None
    appointment = db.session.scalar(
        select(Appointment).where(Appointment.code.in_(candidates)).limit(1)
    )
    if appointment is None or appointment.slot.hall_id != hall.id:
        return None
    return appointment


def find_booking(hall: Hall, code: str) -> Appointment:
    appointment = _code_match(hall, code)
    if appointment is None:
        raise NotFound(_l("No booking has this code."))
    return appointment


def _day_bookings(hall: Hall, day: date) -> list[Appointment]:
    tz = _tz(hall)
    start = datetime.combine(day, time(0), tzinfo=tz)
    return list(
        db.session.scalars(
            select(Appointment)
            .join(AppointmentSlot, Appointment.slot_id == AppointmentSlot.id)
            .where(
                AppointmentSlot.hall_id == hall.id,
                AppointmentSlot.starts_at >= start,
                AppointmentSlot.starts_at < start + timedelta(days=1),
                Appointment.state == "booked",
            )
            .order_by(AppointmentSlot.starts_at, Appointment.id)
        )
    )


def bookings_for_phone(hall: Hall, phone: str, day: date) -> list[Appointment]:
    """Today's open bookings left with this phone (however it was written when booked)."""
    wanted = _phone_digits(phone)
    if not wanted:
        return []
    return [
        a
        for a in _day_bookings(hall, day)
        if a.identity is not None and _phone_digits(a.identity.phone or "") == wanted
    ]


def _phone_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    # +86 / 0086 in front of a mainland mobile number is the same phone.
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits if len(digits) >= 7 else ""


def find_bookings(hall: Hall, value: str, day: date) -> list[Appointment]:
    """What the desk typed or swiped: a booking code in any case and format, a phone number,
    or a document number; today's open bookings it finds (a code finds its booking on any
    day, so check-in can say why not)."""
    value = (value or "").strip()
    by_code = _code_match(hall, value)
    if by_code is not None:
        return [by_code]
    by_phone = bookings_for_phone(hall, value, day) if _looks_like_phone(value) else []
    if by_phone:
        return by_phone
    if identity.guess_type(value):
        return bookings_for_number(hall, value, day)
    return []


def _looks_like_phone(value: str) -> bool:
    return bool(re.fullmatch(r"\+?[\d\s()\-]{7,20}", value))


def bookings_for_number(hall: Hall, number: str, day: date) -> list[Appointment]:
    """Today's open bookings of the holder of this document, found by its keyed hash."""
    history = guidance.find_visitor(hall, number)
    return [
        a
        for a in history.appointments
        if a.state == "booked" and a.slot.starts_at.astimezone(_tz(hall)).date() == day
    ]


def check_in_allowed(appointment: Appointment, now: datetime) -> None:
    """A booking checks in on its own day, while still booked."""
    tz = _tz(appointment.slot.hall)
    if appointment.state != "booked":
        raise NotBookable(_l("This booking was already checked in, cancelled or missed."))
    if appointment.slot.starts_at.astimezone(tz).date() != now.astimezone(tz).date():
        raise NotBookable(_l("This booking is for another day."))


def mark_no_shows(hall: Hall, *, now: datetime, grace_minutes: int = 0) -> int:
    """Bookings whose slot has ended without a check-in become no-shows."""
    ended = select(AppointmentSlot.id).where(
        AppointmentSlot.hall_id == hall.id,
        AppointmentSlot.ends_at <= now - timedelta(minutes=grace_minutes),
    )
    count = db.session.execute(
        update(Appointment)
        .where(Appointment.state == "booked", Appointment.slot_id.in_(ended))
        .values(state="no_show")
        .execution_options(synchronize_session=False)
    ).rowcount
    if count:
        audit.record("guidance.appointment.no_show", summary=str(count), hall_id=hall.id, now=now)
    db.session.commit()
    return count


# CSV import


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
    from flask import current_app

    return int(current_app.config["APPOINTMENT_IMPORT_MAX_ROWS"])


@dataclass
class _Row:
    line: int
    values: dict
    code: str = ""
    service: Service | None = None
    starts_at: datetime | None = None


def import_bookings(hall: Hall, data: bytes, *, actor: Staff | None, now: datetime) -> ImportResult:
    """All rows or none: any bad row is reported with its line number and nothing is saved.

    At most APPOINTMENT_IMPORT_MAX_ROWS rows. Every row is parsed and checked first, with
    two reads for the whole file (codes already imported, the slots named); only a file
    with no error is written, in one short transaction, so SQLite's single writer is held
    for the writing alone and the board, the API and /healthz keep answering meanwhile.
    """
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
    tz = _tz(hall)
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
        parsed = _Row(line, {name: cell.strip() for name, cell in zip(names, row, strict=True)})
        error = _parse_row(parsed, services, tz, seen_codes)
        if error:
            result.errors.append((line, str(error)))
        else:
            rows.append(parsed)
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


def _parse_row(parsed: _Row, services, tz, seen_codes) -> str | None:
    """Checks that need no database: code, service, date and time."""
    values = parsed.values
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
    parsed.code, parsed.service = code, service
    parsed.starts_at = datetime.combine(day, at, tzinfo=tz)
    return None


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
            _add_appointment(
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
