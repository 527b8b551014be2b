"""Moving a ticket within the queue: holding it aside, and sending it to another service."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Unpack

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import Counter, Ticket, UTCDateTime
from hallapp.services.errors import InvalidValue

from .calling import aged_before
from .common import commit, record_event, refuse
from .errors import ServiceInactive
from .issuing import get_service, numbered_ticket
from .steps import By, advance, take


def park(ticket: Ticket, *, now: datetime, **by: Unpack[By]) -> Ticket:
    """Hold a ticket aside while the visitor fetches something; the counter is free meanwhile."""
    ticket = take(ticket, "park", by)
    # The event names the counter the ticket leaves, whoever parks it.
    left = by.get("counter") or (
        db.session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    )
    advance(ticket, "park", now=now, by=by | {"counter": left}, parked_at=now, counter_id=None)
    commit(ticket.hall_id)
    return ticket


def unpark(ticket: Ticket, *, to: str = "head", now: datetime, **by: Unpack[By]) -> Ticket:
    """Return a parked ticket to the head or the end of its queue."""
    if to not in ("head", "end"):
        refuse(InvalidValue(_l("Choose the head or the end of the queue."), field="to"))
    ticket = take(ticket, "unpark", by)
    if to == "head":
        first = db.session.scalar(
            select(func.min(Ticket.arrival_at, type_=UTCDateTime)).where(
                Ticket.service_id == ticket.service_id, Ticket.status == "waiting"
            )
        )
        arrival = min(first, ticket.arrival_at) - timedelta(seconds=1) if first else now
        # Head means head: a normal ticket returned there is not held back by the priority lane.
        arrival = min(arrival, aged_before(now) - timedelta(seconds=1))
    else:
        arrival = now
    advance(ticket, "unpark", now=now, by=by, detail=to, arrival_at=arrival, parked_at=None)
    commit(ticket.hall_id)
    return ticket


def transfer(ticket: Ticket, service_code: str, *, now: datetime, **by: Unpack[By]) -> Ticket:
    """Send the visitor to another service; the new ticket keeps the original arrival time."""
    target = get_service(ticket.hall, service_code)
    if not target.active:
        refuse(ServiceInactive())
    ticket = take(ticket, "transfer", by)
    if target.id == ticket.service_id:
        refuse(InvalidValue(_l("The ticket is already for this service."), field="service"))
    new = numbered_ticket(
        ticket.hall,
        target,
        ticket.visit,
        now=now,
        issuing=False,
        source=ticket.source,
        priority_class=ticket.priority_class,
        arrival_at=ticket.arrival_at,
        transferred_from_id=ticket.id,
    )
    advance(ticket, "transfer", now=now, by=by, detail=target.code, closed_at=now)
    record_event(
        new, "issued", now=now, actor=by.get("actor"), device=by.get("device"), detail="transfer"
    )
    commit(ticket.hall_id)
    return new
