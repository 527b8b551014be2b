"""Bookings of the enterprise room and their check-in to the queue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.i18n import service_day
from hallapp.models import (
    Enterprise,
    EnterpriseAppointment,
    EnterpriseTicket,
    Hall,
    Service,
    Staff,
    Ticket,
    utcnow,
)
from hallapp.services import queue
from hallapp.services.enterprise.people import members_of
from hallapp.services.enterprise.register import log_change
from hallapp.services.errors import HallError, InvalidValue


def book_appointment(
    enterprise: Enterprise,
    *,
    starts_at: datetime,
    member_ids: Iterable[int],
    note: str = "",
    actor: Staff,
    now: datetime | None = None,
) -> EnterpriseAppointment:
    """Book a time for an enterprise and the people it will send."""
    now = now or utcnow()
    if enterprise.status != "active":
        raise InvalidValue(_l("Only an active enterprise can be booked."))
    if starts_at < now:
        raise InvalidValue(_l("Choose a time that has not passed."), field="starts_at")
    members = members_of(enterprise, member_ids)
    appointment = EnterpriseAppointment(
        hall_id=enterprise.hall_id,
        enterprise_id=enterprise.id,
        starts_at=starts_at,
        note=(note or "").strip()[:300],
        created_by_id=actor.id,
        created_at=now,
        members=members,
    )
    db.session.add(appointment)
    db.session.flush()
    log_change(
        "enterprise.appointment.book",
        enterprise.id,
        f"appointment:{appointment.id} {starts_at.isoformat()} {len(members)} people",
        actor=actor,
        hall_id=enterprise.hall_id,
        now=now,
    )
    db.session.commit()
    return appointment


def cancel_appointment(
    appointment: EnterpriseAppointment, *, actor: Staff, now: datetime | None = None
) -> EnterpriseAppointment:
    """A booking not yet checked in can be cancelled."""
    if appointment.status != "booked":
        raise InvalidValue(_l("Only a booked appointment can be cancelled."))
    appointment.status = "cancelled"
    log_change(
        "enterprise.appointment.cancel",
        appointment.enterprise_id,
        f"appointment:{appointment.id}",
        actor=actor,
        hall_id=appointment.hall_id,
        now=now,
    )
    db.session.commit()
    return appointment


def appointments_on(hall: Hall, day: date) -> list[EnterpriseAppointment]:
    """The enterprise room's bookings for one service day, earliest first."""
    rows = db.session.scalars(
        select(EnterpriseAppointment)
        .where(EnterpriseAppointment.hall_id == hall.id)
        .order_by(EnterpriseAppointment.starts_at)
    )
    return [row for row in rows if service_day(row.starts_at) == day]


def upcoming_appointments(enterprise: Enterprise) -> list[EnterpriseAppointment]:
    return list(
        db.session.scalars(
            select(EnterpriseAppointment)
            .where(EnterpriseAppointment.enterprise_id == enterprise.id)
            .order_by(EnterpriseAppointment.starts_at.desc())
            .limit(20)
        )
    )


class NoEnterpriseService(HallError):
    message = _l("This hall has no active enterprise-room service to issue tickets for.")


def enterprise_service(hall: Hall) -> Service:
    """The service whose tickets queue for the enterprise room (E in the standard hall)."""
    service = db.session.scalar(
        select(Service)
        .where(Service.hall_id == hall.id, Service.room == "enterprise", Service.active)
        .order_by(Service.code)
        .limit(1)
    )
    if service is None:
        raise NoEnterpriseService()
    return service


def check_in_appointment(
    appointment: EnterpriseAppointment, *, actor: Staff, now: datetime | None = None
) -> Ticket:
    """The enterprise's people have arrived for their booking: they get an appointment-class
    ticket of the enterprise service, linked to the enterprise, through the queue's rules."""
    now = now or utcnow()
    if appointment.status != "booked":
        raise InvalidValue(_l("Only a booked appointment can be checked in."))
    hall = db.session.get_one(Hall, appointment.hall_id)
    service = enterprise_service(hall)
    appointment_id, enterprise_id = appointment.id, appointment.enterprise_id
    # Set before the queue commits, so a refused ticket leaves the booking as it was.
    appointment.status = "checked_in"
    appointment.checked_in_at = now
    ticket = queue.issue_ticket(
        hall,
        service.code,
        source="appointment",
        priority_class="appointment",
        now=now,
        actor=actor,
    )
    appointment = db.session.get_one(EnterpriseAppointment, appointment_id)
    appointment.ticket_id = ticket.id
    db.session.add(
        EnterpriseTicket(
            ticket_id=ticket.id,
            enterprise_id=enterprise_id,
            appointment_id=appointment_id,
            linked_by_id=actor.id,
            linked_at=now,
        )
    )
    log_change(
        "enterprise.appointment.check_in",
        enterprise_id,
        f"appointment:{appointment_id} ticket {ticket.label}",
        actor=actor,
        hall_id=hall.id,
        now=now,
    )
    db.session.commit()
    return ticket
