"""Counters: opening, pausing and closing them, the officer at each, and what they hold aside."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import COUNTER_STATES, Counter, Staff, Ticket
from hallapp.services import audit
from hallapp.services.devices import Device
from hallapp.services.errors import InvalidValue, NotFound

from .calling import current_ticket
from .common import commit, locked_counter, refuse, setting
from .errors import CounterBusy, CounterTakenMidService


def set_counter_state(
    counter: Counter,
    state: str,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: Device | None = None,
) -> Counter:
    """Open, pause or close a counter; a counter holding a ticket cannot close."""
    if state not in COUNTER_STATES:
        refuse(InvalidValue(_l("A counter is open, paused or closed."), field="state"))
    counter = locked_counter(counter)
    if state == "closed" and current_ticket(counter) is not None:
        refuse(CounterBusy(_l("Finish the current ticket before closing the counter.")))
    previous = counter.state
    counter.state = state
    if state == "closed":
        counter.officer_id = None
        counter.officer_since = None
    audit.record(
        f"queue.counter.{state}",
        actor=actor,
        hall_id=counter.hall_id,
        target=f"counter {counter.number}",
        summary=f"{previous} -> {state}" + (f" (device {device.id})" if device else ""),
        now=now,
    )
    commit(counter.hall_id)
    return counter


def sign_in_to_counter(
    counter: Counter, staff: Staff, *, now: datetime, take_over: bool = False
) -> Counter:
    """The officer takes this counter (leaving any other one) and it opens; a colleague's
    counter in the middle of a service is taken over only when the officer confirms."""
    counter = locked_counter(counter)
    if counter.hall_id != staff.hall_id:
        refuse(NotFound(_l("This counter is in another hall.")))
    if counter.officer_id not in (None, staff.id) and not take_over and current_ticket(counter):
        refuse(CounterTakenMidService())
    others = db.session.scalars(
        select(Counter).where(Counter.officer_id == staff.id, Counter.id != counter.id)
    )
    for other in others:
        other.officer_id = None
        other.officer_since = None
    counter.officer_id = staff.id
    counter.officer_since = now
    if counter.state == "closed":
        counter.state = "open"
    audit.record(
        "queue.counter.sign_in",
        actor=staff,
        hall_id=counter.hall_id,
        target=f"counter {counter.number}",
        now=now,
    )
    commit(counter.hall_id)
    return counter


def parked_tickets(hall_id: int, service_ids: list[int]) -> list[Ticket]:
    """Tickets held aside for these services, oldest first."""
    return list(
        db.session.scalars(
            select(Ticket)
            .where(
                Ticket.hall_id == hall_id,
                Ticket.status == "parked",
                Ticket.service_id.in_(service_ids),
            )
            .order_by(Ticket.parked_at, Ticket.id)
        )
    )


def recoverable_no_shows(hall_id: int, service_ids: list[int], *, now: datetime) -> list[Ticket]:
    """No-shows for these services still inside the recovery window, latest first."""
    since = now - timedelta(minutes=setting("QUEUE_RECOVERY_MINUTES"))
    return list(
        db.session.scalars(
            select(Ticket)
            .where(
                Ticket.hall_id == hall_id,
                Ticket.status == "no_show",
                Ticket.service_id.in_(service_ids),
                Ticket.no_show_at >= since,
            )
            .order_by(Ticket.no_show_at.desc(), Ticket.id.desc())
        )
    )
