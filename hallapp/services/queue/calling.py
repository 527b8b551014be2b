"""Who is called next, and calling them: the call order of a counter's waiting tickets."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased

from hallapp.extensions import db
from hallapp.models import Counter, DeviceToken, Staff, Ticket, UTCDateTime

from .common import commit, locked_counter, refuse, setting
from .errors import CounterBusy, CounterNotOpen, NoTicketsWaiting
from .steps import AT_COUNTER, advance


def aged_before(now: datetime) -> datetime:
    """A normal ticket that arrived at or before this has waited long enough to join the
    priority lane (QUEUE_PRIORITY_AGING_MINUTES)."""
    return now - timedelta(minutes=setting("QUEUE_PRIORITY_AGING_MINUTES"))


def _lane(ticket: type[Ticket], aged: datetime | ColumnElement[datetime]) -> ColumnElement[int]:
    """0 for the priority lane (a priority class, or a normal ticket that arrived by `aged`)."""
    priority = or_(ticket.priority_class != "normal", ticket.arrival_at <= aged)
    return case((priority, 0), else_=1)


def in_call_order(hall_id: int, service_ids: list[int], now: datetime) -> Select[Ticket]:
    """Who is called next by a counter serving these services (most preferred first): the
    waiting tickets, in the order they are called.

    The counter's first service with anyone waiting is served first. Within it, the
    priority lane goes before the rest, each by arrival (a transfer keeps its arrival).
    Against starvation, a normal ticket that has waited QUEUE_PRIORITY_AGING_MINUTES joins
    the priority lane at its own arrival time, ahead of every priority ticket that came
    after it: however long the stream of priority tickets, nobody waits much longer than
    that limit plus the time to serve the priority tickets that were already there.
    """
    preference = case(
        {service_id: place for place, service_id in enumerate(service_ids)},
        value=Ticket.service_id,
    )
    return (
        select(Ticket)
        .where(
            Ticket.hall_id == hall_id,
            Ticket.status == "waiting",
            Ticket.service_id.in_(service_ids),
        )
        .order_by(preference, _lane(Ticket, aged_before(now)), Ticket.arrival_at, Ticket.id)
    )


def next_waiting_ticket(
    hall_id: int, service_ids: list[int], *, now: datetime, lock: bool = False
) -> Ticket | None:
    """The first ticket in call order (see in_call_order); with `lock`, skipping any that
    another counter is taking at this moment."""
    if not service_ids:
        return None
    query = in_call_order(hall_id, service_ids, now).limit(1)
    if lock:
        query = query.with_for_update(skip_locked=True).execution_options(populate_existing=True)
    return db.session.scalar(query)


def waiting_tickets(hall_id: int, service_ids: list[int], *, now: datetime) -> list[Ticket]:
    """Everyone waiting for these services, in call order."""
    if not service_ids:
        return []
    return list(db.session.scalars(in_call_order(hall_id, service_ids, now)))


@cache
def _ahead_of() -> Select[int]:
    """Count the waiting tickets ahead of ticket `:mine` in call order (lane, arrival, id),
    the lane by arrival at `:aged`. Built once: building it costs more than running it."""
    mine = aliased(Ticket)
    aged = bindparam("aged", type_=UTCDateTime)
    lane, my_lane = _lane(Ticket, aged), _lane(mine, aged)
    earlier = or_(
        Ticket.arrival_at < mine.arrival_at,
        and_(Ticket.arrival_at == mine.arrival_at, Ticket.id < mine.id),
    )
    return (
        select(func.count(Ticket.id))
        .join(mine, mine.id == bindparam("mine", type_=Integer))
        .where(
            Ticket.hall_id == mine.hall_id,
            Ticket.status == "waiting",
            Ticket.service_id == mine.service_id,
            Ticket.id != mine.id,
            or_(lane < my_lane, and_(lane == my_lane, earlier)),
        )
    )


def position(ticket: Ticket, *, now: datetime) -> int | None:
    """How many tickets are ahead of a waiting ticket in its service's queue (0 = next).

    One counting query in call order (lane, arrival, id), so its cost does not grow with
    the length of the queue beyond the index range it counts.
    """
    if ticket.status != "waiting":
        return None
    count = db.session.scalar(_ahead_of(), {"mine": ticket.id, "aged": aged_before(now)})
    return count or 0


def counter_service_ids(counter: Counter) -> list[int]:
    return [link.service_id for link in counter.service_links]


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called to or being served at this counter, if any."""
    return db.session.scalar(current_ticket_query(counter))


def current_ticket_query(counter: Counter) -> Select[Ticket]:
    """current_ticket's query, for a screen that reads more of the ticket in the same read."""
    return (
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.status.in_(AT_COUNTER))
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
    ticket.counter_id = counter.id
    ticket.officer_id = actor.id if actor else counter.officer_id
    ticket.called_at = now
    ticket.recall_count = 0
    advance(ticket, "call", now=now, by={"actor": actor, "device": device, "counter": counter})
    commit(counter.hall_id)
    return ticket
