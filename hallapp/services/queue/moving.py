"""Moving a ticket within the queue: holding it aside, and sending it to another service."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import Counter, DeviceToken, Service, Staff, Ticket, UTCDateTime
from hallapp.services.errors import InvalidValue

from .common import check_counter, commit, locked_ticket, record_event, refuse, setting
from .errors import ServiceInactive, UnknownService
from .issuing import numbered_ticket
from .steps import illegal


def park(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """Hold a ticket aside while the visitor fetches something; the counter is free meanwhile."""
    ticket = locked_ticket(ticket)
    if ticket.status not in ("waiting", "called", "serving"):
        illegal(ticket, _l("park"))
    if ticket.status != "waiting":
        check_counter(ticket, counter)
    ticket.status = "parked"
    ticket.parked_at = now
    record_event(ticket, "parked", now=now, actor=actor, device=device, counter=counter)
    ticket.counter_id = None
    commit(ticket.hall_id)
    return ticket


def unpark(
    ticket: Ticket,
    *,
    to: str = "head",
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
) -> Ticket:
    """Return a parked ticket to the head or the end of its queue."""
    if to not in ("head", "end"):
        refuse(InvalidValue(_l("Choose the head or the end of the queue."), field="to"))
    ticket = locked_ticket(ticket)
    if ticket.status != "parked":
        illegal(ticket, _l("return to the queue"))
    if to == "head":
        first = db.session.scalar(
            select(func.min(Ticket.arrival_at, type_=UTCDateTime)).where(
                Ticket.service_id == ticket.service_id, Ticket.status == "waiting"
            )
        )
        ticket.arrival_at = min(first, ticket.arrival_at) - timedelta(seconds=1) if first else now
        # Head means head: a normal ticket returned there is not held back by the priority lane.
        ticket.arrival_at = min(
            ticket.arrival_at,
            now - timedelta(minutes=setting("QUEUE_PRIORITY_AGING_MINUTES"), seconds=1),
        )
    else:
        ticket.arrival_at = now
    ticket.status = "waiting"
    ticket.parked_at = None
    record_event(ticket, "unparked", now=now, actor=actor, device=device, detail=to)
    commit(ticket.hall_id)
    return ticket


def transfer(
    ticket: Ticket,
    service_code: str,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """Send the visitor to another service; the new ticket keeps the original arrival time."""
    ticket = locked_ticket(ticket)
    if ticket.status not in ("waiting", "called", "serving", "parked"):
        illegal(ticket, _l("transfer"))
    if ticket.status in ("called", "serving"):
        check_counter(ticket, counter)
    target = db.session.scalar(
        select(Service)
        .where(Service.hall_id == ticket.hall_id, Service.code == service_code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if target is None:
        refuse(UnknownService())
    if not target.active:
        refuse(ServiceInactive())
    if target.id == ticket.service_id:
        refuse(InvalidValue(_l("The ticket is already for this service."), field="service"))
    new = numbered_ticket(
        ticket.hall,
        target,
        ticket.visit,
        now=now,
        source=ticket.source,
        priority_class=ticket.priority_class,
        arrival_at=ticket.arrival_at,
        transferred_from=ticket,
    )
    record_event(ticket, "transferred", now=now, actor=actor, device=device, detail=target.code)
    ticket.status = "transferred"
    ticket.closed_at = now
    record_event(new, "issued", now=now, actor=actor, device=device, detail="transfer")
    commit(ticket.hall_id)
    return new
