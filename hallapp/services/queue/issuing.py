"""Issuing tickets: the service day's next number, during opening hours, within the daily limit."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import (
    PRIORITY_CLASSES,
    PRIORITY_NEEDS,
    TICKET_SOURCES,
    DeviceToken,
    Hall,
    Service,
    Staff,
    Ticket,
    Visit,
)
from hallapp.services import hall_now
from hallapp.services.errors import InvalidValue

from .common import commit, record_event, refuse
from .errors import (
    DailyLimitReached,
    HallClosedToday,
    OutsideOpeningHours,
    ServiceInactive,
    UnknownService,
    UnknownTicket,
)
from .steps import STEPS


def tracking_path(ticket: Ticket) -> str:
    """Where a citizen follows their ticket on their own phone."""
    return f"/t/{ticket.public_id}"


def get_ticket_by_public_id(public_id: str) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.public_id == public_id))
    if ticket is None:
        raise UnknownTicket()
    return ticket


def get_service(hall: Hall, service_code: str) -> Service:
    service = db.session.scalar(
        select(Service).where(Service.hall_id == hall.id, Service.code == service_code)
    )
    if service is None:
        raise UnknownService()
    return service


def _priority_for(priority_class: str, visit: Visit) -> str:
    if priority_class != "normal":
        return priority_class
    return next((need for need in PRIORITY_NEEDS if getattr(visit, need)), "normal")


def locked_service(hall_id: int, service_code: str) -> Service:
    """The service row, locked: numbers are taken from it one transaction at a time."""
    service = db.session.scalar(
        select(Service)
        .where(Service.hall_id == hall_id, Service.code == service_code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if service is None:
        refuse(UnknownService())
    return service


def numbered_ticket(
    hall: Hall, service: Service, visit: Visit, *, now: datetime, **fields
) -> Ticket:
    """A new ticket with the service day's next number; the caller holds the service row lock."""
    day = hall_now.service_day(hall, now)
    highest = db.session.scalar(
        select(func.max(Ticket.number)).where(
            Ticket.hall_id == hall.id, Ticket.service_id == service.id, Ticket.service_day == day
        )
    )
    ticket = Ticket(
        hall_id=hall.id,
        service=service,
        visit=visit,
        service_day=day,
        number=(highest or 0) + 1,
        status=STEPS["issue"].target,
        public_id=secrets.token_urlsafe(16),
        issued_at=now,
        **fields,
    )
    db.session.add(ticket)
    return ticket


def issue_ticket(
    hall: Hall,
    service_code: str,
    *,
    source: str,
    priority_class: str = "normal",
    visit: Visit | None = None,
    needs: dict[str, bool] | None = None,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    idempotency_key: str | None = None,
) -> Ticket:
    """Give a visitor the next number of a service today (A001, A002 ...), during opening hours.

    With an `idempotency_key` (the device's retry of a request whose answer was lost), a
    ticket already issued under that key is returned as it is, and nothing new is made.
    """
    if source not in TICKET_SOURCES:
        refuse(InvalidValue(_l("Unknown ticket source."), field="source"))
    if priority_class not in PRIORITY_CLASSES:
        refuse(InvalidValue(_l("Unknown priority class."), field="priority_class"))
    if priority_class == "appointment" and source != "appointment":
        # Only checking in a booking earns the appointment's place; a kiosk may not claim it.
        refuse(
            InvalidValue(
                _l("Only an appointment check-in gives appointment priority."),
                field="priority_class",
            )
        )
    service = locked_service(hall.id, service_code)
    if idempotency_key is not None:
        earlier = ticket_by_idempotency_key(idempotency_key)
        if earlier is not None:
            db.session.rollback()
            return earlier
    if not service.active:
        refuse(ServiceInactive())
    opening = hall_now.opening_state(hall, now)
    if opening in ("inactive", "closed_today"):
        refuse(HallClosedToday())
    if opening == "outside_hours":
        refuse(OutsideOpeningHours())
    if service.daily_limit is not None:
        day = hall_now.service_day(hall, now)
        issued = hall_now.issued_today(hall, day, service.id).get(service.id, 0)
        if hall_now.tickets_left(service, issued) == 0:
            refuse(DailyLimitReached())
    if visit is None:
        visit = Visit(hall_id=hall.id, arrived_at=now)
        db.session.add(visit)
    for need, value in (needs or {}).items():
        if need in (*PRIORITY_NEEDS, "interpreter"):
            setattr(visit, need, bool(value))
    ticket = numbered_ticket(
        hall,
        service,
        visit,
        now=now,
        source=source,
        priority_class=_priority_for(priority_class, visit),
        arrival_at=now,
        idempotency_key=idempotency_key,
    )
    record_event(ticket, STEPS["issue"].event, now=now, actor=actor, device=device, detail=source)
    commit(hall.id)
    return ticket


def ticket_by_idempotency_key(key: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.idempotency_key == key))
