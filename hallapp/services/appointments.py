"""Appointments: slots with a capacity per service and hall, bookings by staff (imported
from an online platform's CSV in `appointment_import`), check-in at the desk, and no-shows
once a slot has passed.

A slot is never overbooked: a booking takes a place with one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity`), which both SQLite and PostgreSQL apply
atomically, and a CHECK constraint backs it up."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from hallapp.extensions import db
from hallapp.models import Appointment, AppointmentSlot, Hall, Service, Staff, Ticket, Visit
from hallapp.services import audit, calendar, guidance, halls, identity, queue
from hallapp.services.bulk import rows_changed
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
    taken = rows_changed(
        update(AppointmentSlot)
        .where(
            AppointmentSlot.id == slot_id,
            AppointmentSlot.booked < AppointmentSlot.capacity,
            AppointmentSlot.starts_at > now,
        )
        .values(booked=AppointmentSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if taken != 1:
        slot = db.session.get(AppointmentSlot, slot_id)
        if slot is None:
            raise NotFound(_l("This slot does not exist."))
        db.session.refresh(slot)
        if slot.starts_at <= now:
            raise SlotPast()
        raise SlotFull()


def add_appointment(
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


def book(hall: Hall, slot_id: int, *, actor: Staff | None, now: datetime, **details: str):
    """Book a place for a citizen (e.g. after a hotline call); never past or over capacity.

    `details`: citizen_name, document_number, phone, as add_booking takes them."""
    appointment = add_booking(hall, slot_id, actor=actor, now=now, **details)
    db.session.commit()
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
    halls.get_in_hall(AppointmentSlot, slot_id, hall)
    if not document_number.strip() and not phone.strip():
        raise InvalidValue(
            _l("Give the document number or a phone number, so the booking can be found."),
            field="document_number",
        )
    appointment = add_appointment(
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


def check_in(hall: Hall, appointment: Appointment, *, actor: Staff | None, now: datetime) -> Ticket:
    """A booked citizen on their day gets an appointment-class ticket, once."""
    check_in_allowed(appointment, now)
    appointment.state = "checked_in"
    appointment.checked_in_at = now
    visit = Visit(hall_id=hall.id, arrived_at=now)
    db.session.add(visit)
    if appointment.identity is not None and appointment.identity.visit_id is None:
        appointment.identity.visit = visit
    audit.record(
        "guidance.appointment.check_in",
        actor=actor,
        target=f"appointment:{appointment.id}",
        summary=appointment.code,
        hall_id=hall.id,
        now=now,
    )
    ticket = queue.issue_ticket(
        hall,
        appointment.slot.service.code,
        source="appointment",
        priority_class="appointment",
        visit=visit,
        now=now,
        actor=actor,
    )
    appointment.ticket_id = ticket.id
    db.session.commit()
    return ticket


def mark_no_shows(hall: Hall, *, now: datetime, grace_minutes: int = 0) -> int:
    """Bookings whose slot has ended without a check-in become no-shows."""
    ended = select(AppointmentSlot.id).where(
        AppointmentSlot.hall_id == hall.id,
        AppointmentSlot.ends_at <= now - timedelta(minutes=grace_minutes),
    )
    count = rows_changed(
        update(Appointment)
        .where(Appointment.state == "booked", Appointment.slot_id.in_(ended))
        .values(state="no_show")
        .execution_options(synchronize_session=False)
    )
    if count:
        audit.record("guidance.appointment.no_show", summary=str(count), hall_id=hall.id, now=now)
    db.session.commit()
    return count
