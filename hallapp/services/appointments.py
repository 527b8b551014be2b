"""Appointments: slots with a capacity per service and hall, bookings by staff or imported
from an online platform's CSV, check-in at the desk, and no-shows once a slot has passed.

A slot is never overbooked: a booking takes a place with one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity`), which both SQLite and PostgreSQL apply
atomically, and a CHECK constraint backs it up."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hallapp.extensions import db
from hallapp.models import Appointment, AppointmentSlot, Hall, Service, Staff
from hallapp.services import audit, calendar, guidance
from hallapp.services.errors import HallError, InvalidValue, NotFound

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


def find_booking(hall: Hall, code: str) -> Appointment:
    value = (code or "").strip().upper()
    appointment = db.session.scalar(select(Appointment).where(Appointment.code == value))
    if appointment is None or appointment.slot.hall_id != hall.id:
        raise NotFound(_l("No booking has this code."))
    return appointment


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


def decode_upload(data: bytes) -> str:
    """Booking platforms export UTF-8 (often with a BOM) or GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidValue(
        _l("The file is neither UTF-8 nor GB18030 text. Export it again as CSV."), field="file"
    )


def _parse_header(row: list[str]) -> list[str] | None:
    names = [HEADER_ALIASES.get(cell.strip(), cell.strip().lower()) for cell in row]
    if sorted(names) != sorted(HEADER):
        return None
    return names


def import_bookings(hall: Hall, data: bytes, *, actor: Staff | None, now: datetime) -> ImportResult:
    """All rows or none: any bad row is reported with its line number and nothing is saved."""
    text = decode_upload(data)
    reader = csv.reader(io.StringIO(text))
    result = ImportResult()
    header = next(reader, None)
    names = _parse_header(header or [])
    if names is None:
        expected = ", ".join(HEADER)
        result.errors.append(
            (1, str(_l("The header must be exactly: %(expected)s.", expected=expected)))
        )
        return result
    services = {s.code: s for s in hall.services}
    tz = _tz(hall)
    seen_codes: set[str] = set()
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            result.errors.append(
                (line, str(_l("Expected %(n)d columns, found %(m)d.", n=len(names), m=len(row))))
            )
            continue
        values = {name: cell.strip() for name, cell in zip(names, row, strict=True)}
        error = _import_row(hall, values, services, tz, seen_codes, actor, now)
        if error:
            result.errors.append((line, str(error)))
        else:
            result.imported += 1
    if result.errors:
        db.session.rollback()
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


def _import_row(hall, values, services, tz, seen_codes, actor, now):
    code = values["booking_code"].upper()
    if not code or len(code) > 16:
        return _l("The booking code is missing or longer than 16 characters.")
    if code in seen_codes:
        return _l("The booking code %(code)s appears twice in the file.", code=code)
    seen_codes.add(code)
    if db.session.scalar(select(Appointment.id).where(Appointment.code == code)):
        return _l("The booking code %(code)s was already imported.", code=code)
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
    starts_at = datetime.combine(day, at, tzinfo=tz)
    slot = db.session.scalar(
        select(AppointmentSlot).where(
            AppointmentSlot.service_id == service.id, AppointmentSlot.starts_at == starts_at
        )
    )
    if slot is None:
        return _l(
            "There is no %(service)s slot at %(day)s %(time)s.",
            service=service.code,
            day=day.isoformat(),
            time=at.strftime("%H:%M"),
        )
    try:
        with db.session.begin_nested():
            _add_appointment(
                slot.id,
                hall=hall,
                citizen_name=values["name"],
                document_number=values["document_number"],
                phone=values["phone"],
                source="import",
                actor=actor,
                now=now,
                code=code,
            )
    except HallError as error:
        return error.message
    return None
