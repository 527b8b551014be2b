"""Who is called next, and calling them: the call order of a counter's waiting tickets."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select

from hallapp.extensions import db
from hallapp.models import Counter, DeviceToken, Staff, Ticket

from .common import commit, locked_counter, record_event, refuse, setting
from .errors import CounterBusy, CounterNotOpen, NoTicketsWaiting


def next_waiting_ticket(
    hall_id: int, service_ids: list[int], *, now: datetime, lock: bool = False
) -> Ticket | None:
    """Who is called next by a counter serving these services (most preferred first).

    The counter's first service with anyone waiting is served first. Within it, the
    priority lane goes before the rest, each by arrival (a transfer keeps its arrival).
    Against starvation, a normal ticket that has waited QUEUE_PRIORITY_AGING_MINUTES joins
    the priority lane at its own arrival time, ahead of every priority ticket that came
    after it: however long the stream of priority tickets, nobody waits much longer than
    that limit plus the time to serve the priority tickets that were already there.
    """
    if not service_ids:
        return None
    query = in_call_order(hall_id, service_ids, now).limit(1)
    if lock:
        query = query.with_for_update(skip_locked=True).execution_options(populate_existing=True)
    return db.session.scalar(query)


def waiting_tickets(hall_id: int, service_ids: list[int], *, now: datetime) -> list[Ticket]:
    """Everyone waiting for these services, in the order next_waiting_ticket calls them."""
    if not service_ids:
        return []
    return list(db.session.scalars(in_call_order(hall_id, service_ids, now)))


def in_call_order(hall_id: int, service_ids: list[int], now: datetime):
    """The waiting tickets of these services, ordered by the rule of next_waiting_ticket."""
    aged = now - timedelta(minutes=setting("QUEUE_PRIORITY_AGING_MINUTES"))
    preference = case(
        {service_id: position for position, service_id in enumerate(service_ids)},
        value=Ticket.service_id,
    )
    lane = case((or_(Ticket.priority_class != "normal", Ticket.arrival_at <= aged), 0), else_=1)
    return (
        select(Ticket)
        .where(
            Ticket.hall_id == hall_id,
            Ticket.status == "waiting",
            Ticket.service_id.in_(service_ids),
        )
        .order_by(preference, lane, Ticket.arrival_at, Ticket.id)
    )


def counter_service_ids(counter: Counter) -> list[int]:
    return [link.service_id for link in counter.service_links]


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called to or being served at this counter, if any."""
    return db.session.scalar(
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.status.in_(("called", "serving")))
        .order_by(Ticket.id.desc())
        .limit(1)
    )


def call_next(
    counter: Counter,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
) -> Ticket:
    """Call the next waiting ticket to an open, free counter; raise NoTicketsWaiting if none."""
    counter = locked_counter(counter)
    if counter.state != "open":
        refuse(CounterNotOpen())
    if current_ticket(counter) is not None:
        refuse(CounterBusy())
    ticket = next_waiting_ticket(counter.hall_id, counter_service_ids(counter), now=now, lock=True)
    if ticket is None:
        refuse(NoTicketsWaiting())
    ticket.status = "called"
    ticket.counter_id = counter.id
    ticket.officer_id = actor.id if actor else counter.officer_id
    ticket.called_at = now
    ticket.recall_count = 0
    record_event(ticket, "called", now=now, actor=actor, counter=counter, device=device)
    commit(counter.hall_id)
    return ticket


def _lane(ticket: Ticket, now: datetime) -> int:
    """0 for the priority lane (a priority class, or a normal ticket past the aging limit)."""
    aged = now - timedelta(minutes=setting("QUEUE_PRIORITY_AGING_MINUTES"))
    return 0 if ticket.priority_class != "normal" or ticket.arrival_at <= aged else 1


def position(ticket: Ticket, *, now: datetime | None = None) -> int | None:
    """How many tickets are ahead of a waiting ticket in its service's queue (0 = next).

    One counting query in the order of next_waiting_ticket (lane, arrival, id), so its
    cost does not grow with the length of the queue beyond the index range it counts.
    """
    if ticket.status != "waiting":
        return None
    now = now or datetime.now(ZoneInfo("UTC"))
    aged = now - timedelta(minutes=setting("QUEUE_PRIORITY_AGING_MINUTES"))
    lane = case((or_(Ticket.priority_class != "normal", Ticket.arrival_at <= aged), 0), else_=1)
    mine = _lane(ticket, now)
    earlier = or_(
        Ticket.arrival_at < ticket.arrival_at,
        (Ticket.arrival_at == ticket.arrival_at) & (Ticket.id < ticket.id),
    )
    ahead = or_(lane < mine, (lane == mine) & earlier)
    return db.session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.hall_id == ticket.hall_id,
            Ticket.status == "waiting",
            Ticket.service_id == ticket.service_id,
            Ticket.id != ticket.id,
            ahead,
        )
    )
