"""The registration services given at the enterprise room's exclusive counters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.i18n import service_day
from hallapp.models import (
    SERVICE_MODES,
    SERVICE_OUTCOMES,
    Counter,
    Enterprise,
    EnterpriseAppointment,
    EnterpriseTicket,
    Hall,
    RegistrationService,
    Staff,
    Ticket,
    utcnow,
)
from hallapp.services import queue
from hallapp.services.enterprise.people import members_of
from hallapp.services.enterprise.register import log_change
from hallapp.services.errors import HallError, InvalidValue


class WrongCounter(HallError):
    message = _l("Enterprise registrations are recorded at an exclusive enterprise-room counter.")
    field = "counter"


def exclusive_counters(hall: Hall) -> list[Counter]:
    """The enterprise room's counters, where registrations are recorded."""
    return list(
        db.session.scalars(
            select(Counter)
            .where(Counter.hall_id == hall.id, Counter.room == "enterprise")
            .order_by(Counter.number)
        )
    )


def record_service(
    enterprise: Enterprise,
    *,
    member_ids: Iterable[int],
    mode: str,
    counter: Counter,
    clerk: Staff,
    outcome: str = "completed",
    documents_checked: str = "",
    note: str = "",
    appointment: EnterpriseAppointment | None = None,
    now: datetime | None = None,
    ticket: Ticket | None = None,
    commit: bool = True,
) -> RegistrationService:
    """Record one registration service at an exclusive counter: who was served, how, by whom.
    A service started from an appointment counts as "by appointment" and closes the booking.
    Serving a ticket records it uncommitted, for the ticket's last step to commit with it."""
    now = now or utcnow()
    if enterprise.status == "merged":
        raise InvalidValue(_l("This record was merged into another; serve that one instead."))
    if mode not in SERVICE_MODES:
        raise InvalidValue(_l("Choose by appointment or on the spot."), field="mode")
    if outcome not in SERVICE_OUTCOMES:
        raise InvalidValue(_l("Choose the outcome."), field="outcome")
    if counter.hall_id != enterprise.hall_id or counter.room != "enterprise":
        raise WrongCounter()
    if appointment is not None:
        if appointment.enterprise_id != enterprise.id:
            raise InvalidValue(_l("This appointment belongs to another enterprise."))
        if appointment.status in ("served", "cancelled"):
            raise InvalidValue(_l("This appointment is already closed."))
        mode = "appointment"
        appointment.status = "served"
    members = members_of(enterprise, member_ids)
    service = RegistrationService(
        hall_id=enterprise.hall_id,
        enterprise_id=enterprise.id,
        mode=mode,
        counter_id=counter.id,
        clerk_id=clerk.id,
        appointment_id=appointment.id if appointment else None,
        ticket_id=ticket.id if ticket else None,
        served_at=now,
        service_day=service_day(now),
        outcome=outcome,
        documents_checked=(documents_checked or "").strip(),
        note=(note or "").strip(),
        members=members,
    )
    db.session.add(service)
    db.session.flush()
    log_change(
        "enterprise.service.record",
        enterprise.id,
        f"service:{service.id} {mode} counter {counter.number}, {len(members)} people",
        actor=clerk,
        hall_id=enterprise.hall_id,
        now=now,
    )
    if commit:
        db.session.commit()
    return service


class NotAnEnterpriseTicket(HallError):
    message = _l("This ticket is not for the enterprise room.")


class TicketNotHere(HallError):
    message = _l("This ticket is not at your counter now; call it first.")


def ticket_link(ticket: Ticket) -> EnterpriseTicket | None:
    return db.session.get(EnterpriseTicket, ticket.id)


def current_ticket_and_link(counter: Counter) -> tuple[Ticket | None, EnterpriseTicket | None]:
    """The ticket at this counter and its link to an enterprise, in one read: the console
    asks for both on every step, within the same budget as a main-hall counter."""
    row = db.session.execute(
        queue.current_ticket_query(counter)
        .add_columns(EnterpriseTicket)
        .outerjoin(EnterpriseTicket, EnterpriseTicket.ticket_id == Ticket.id)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def link_ticket(
    ticket: Ticket, enterprise: Enterprise, *, actor: Staff, now: datetime | None = None
) -> EnterpriseTicket:
    """Say which enterprise the visitor holding this enterprise-room ticket comes for."""
    now = now or utcnow()
    if ticket.service.room != "enterprise":
        raise NotAnEnterpriseTicket()
    if enterprise.hall_id != ticket.hall_id or enterprise.status == "merged":
        raise InvalidValue(_l("Choose an enterprise of this hall that was not merged away."))
    link = ticket_link(ticket)
    if link is None:
        link = EnterpriseTicket(ticket_id=ticket.id)
        db.session.add(link)
    link.enterprise_id = enterprise.id
    link.linked_by_id = actor.id
    link.linked_at = now
    log_change(
        "enterprise.ticket.link",
        enterprise.id,
        f"ticket {ticket.label}",
        actor=actor,
        hall_id=ticket.hall_id,
        now=now,
    )
    db.session.commit()
    return link


def serve_ticket(
    ticket: Ticket,
    *,
    counter: Counter,
    clerk: Staff,
    member_ids: Iterable[int],
    outcome: str = "completed",
    documents_checked: str = "",
    note: str = "",
    now: datetime | None = None,
) -> RegistrationService:
    """Record the service given to the enterprise of the ticket at this counter, and finish
    the ticket: the registration and the ticket's last step are one transaction. A ticket
    from an appointment's check-in counts as by appointment, any other as on the spot."""
    now = now or utcnow()
    if ticket.counter_id != counter.id or ticket.status not in ("called", "serving"):
        raise TicketNotHere()
    link = ticket_link(ticket)
    if link is None:
        raise InvalidValue(
            _l("Link the ticket to an enterprise before recording the service."),
            field="enterprise",
        )
    enterprise = link.enterprise
    appointment = link.appointment
    if appointment is not None and appointment.status not in ("booked", "checked_in"):
        appointment = None
    mode = "appointment" if appointment is not None or ticket.source == "appointment" else None
    # Check everything the registration needs before the queue moves the ticket on.
    members_of(enterprise, member_ids)
    if outcome not in SERVICE_OUTCOMES:
        raise InvalidValue(_l("Choose the outcome."), field="outcome")
    ticket_id = ticket.id
    if ticket.status == "called":
        queue.start(ticket, now=now, actor=clerk, counter=counter)
    ticket = db.session.get_one(Ticket, ticket_id)
    service = record_service(
        enterprise,
        member_ids=member_ids,
        mode=mode or "on_the_spot",
        counter=counter,
        clerk=clerk,
        outcome=outcome,
        documents_checked=documents_checked,
        note=note,
        appointment=appointment,
        now=now,
        ticket=ticket,
        commit=False,
    )
    # finish() commits the registration with the ticket's step, or rolls both back.
    queue.finish(ticket, now=now, actor=clerk, counter=counter)
    return service


def services_of(enterprise: Enterprise, limit: int = 50) -> list[RegistrationService]:
    return list(
        db.session.scalars(
            select(RegistrationService)
            .where(RegistrationService.enterprise_id == enterprise.id)
            .order_by(RegistrationService.served_at.desc())
            .limit(limit)
        )
    )
