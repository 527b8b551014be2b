"""Who is called next, and calling them: the call order of a counter's waiting tickets."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from hallapp.extensions import db
from hallapp.models import Counter, CounterService, Staff, Ticket, UTCDateTime
from hallapp.services.devices import Device
from hallapp.services.errors import NotFound

from .at_counter import first_moved_at_once
from .common import commit, core, hold, refuse, setting
from .errors import CounterBusy, CounterNotOpen, NoTicketsWaiting
from .steps import AT_COUNTER, By, advance, step_writes


def aged_before(now: datetime) -> datetime:
    """A normal ticket that arrived at or before this has waited long enough to join the
    priority lane (QUEUE_PRIORITY_AGING_MINUTES)."""
    return now - timedelta(minutes=setting("QUEUE_PRIORITY_AGING_MINUTES"))


def _lane(ticket: type[Ticket], aged: datetime | ColumnElement[datetime]) -> ColumnElement[int]:
    """0 for the priority lane (a priority class, or a normal ticket that arrived by `aged`)."""
    priority = or_(ticket.priority_class != "normal", ticket.arrival_at <= aged)
    return case((priority, 0), else_=1)


@lru_cache(maxsize=1024)
def in_call_order(service_ids: tuple[int, ...]) -> Select[Ticket]:
    """Who is called next by a counter serving these services (most preferred first): the
    waiting tickets of hall `:hall`, in the order they are called.

    The counter's first service with anyone waiting is served first. Within it, the
    priority lane goes before the rest, each by arrival (a transfer keeps its arrival).
    Against starvation, a normal ticket that has waited QUEUE_PRIORITY_AGING_MINUTES joins
    the priority lane at its own arrival time, ahead of every priority ticket that came
    after it: however long the stream of priority tickets, nobody waits much longer than
    that limit plus the time to serve the priority tickets that were already there.

    Run it with call_order_params (the hall, and `:aged` from the clock). Built once per
    list of services: building it costs more than running it.
    """
    preference = case(
        {service_id: place for place, service_id in enumerate(service_ids)},
        value=Ticket.service_id,
    )
    aged = bindparam("aged", type_=UTCDateTime)
    return (
        select(Ticket)
        .where(
            Ticket.hall_id == bindparam("hall", type_=Integer),
            Ticket.status == "waiting",
            Ticket.service_id.in_(service_ids),
        )
        .order_by(preference, _lane(Ticket, aged), Ticket.arrival_at, Ticket.id)
    )


def call_order_params(hall_id: int, now: datetime) -> dict[str, object]:
    """in_call_order's parameters for this hall at this moment."""
    return {"hall": hall_id, "aged": aged_before(now)}


# More than the counters that ever call at the same instant: a call skips the tickets other
# calls are taking, and needs the full sort only once all of these are taken.
CALL_CANDIDATES = 8


@lru_cache(maxsize=1024)
def _candidates(service_ids: tuple[int, ...]) -> Subquery:
    """The first CALL_CANDIDATES (K) tickets in call order (in_call_order's rule),
    without sorting the queue: per service, the first K priority-class tickets and the K
    oldest, each a short range of an index; sorted by call order, the first K of these few
    are the first K of the whole queue.

    Why they are enough: the tickets that waited past `:aged` are the oldest normal ones, and
    every ticket older than one of them is ahead of it in the priority lane; so the priority
    lane's first K are among the first K priority-class and the K oldest tickets. If the lane
    holds fewer than K, the other lane's first come next, by arrival, and nothing older
    than them is behind them: they are among the K oldest too. A service with fewer than K
    waiting gives all it has, and the next service's first follow."""
    hall = bindparam("hall", type_=Integer)
    aged = bindparam("aged", type_=UTCDateTime)
    # Written out, not as parameters, so that PostgreSQL can use the partial index
    # ix_ticket_waiting_priority whatever plan it keeps for the statement.
    waiting = Ticket.status == literal_column("'waiting'")
    priority_class = Ticket.priority_class != literal_column("'normal'")
    candidates = []
    for place, service_id in enumerate(service_ids):
        for condition in (priority_class, true()):
            first = (
                select(
                    Ticket.id,
                    literal(place).label("place"),
                    _lane(Ticket, aged).label("lane"),
                    Ticket.arrival_at,
                )
                .where(Ticket.hall_id == hall, Ticket.service_id == service_id, waiting, condition)
                .order_by(Ticket.arrival_at, Ticket.id)
                .limit(CALL_CANDIDATES)
                .subquery()
            )
            candidates.append(select(first))
    # UNION, not UNION ALL: a priority ticket that is also among the oldest comes once.
    each = union(*candidates).subquery()
    # Past the first K, the candidates are not the queue's order: a ticket could be missed.
    order = (each.c.place, each.c.lane, each.c.arrival_at, each.c.id)
    return select(each).order_by(*order).limit(CALL_CANDIDATES).subquery("candidate")


def _first_candidate(columns, service_ids: tuple[int, ...]) -> Select:
    first = _candidates(service_ids)
    return (
        select(*columns)
        .join(first, first.c.id == Ticket.id)
        .where(Ticket.status == "waiting")  # checked again on the row a lock waited for
        .order_by(first.c.place, first.c.lane, first.c.arrival_at, first.c.id)
        .limit(1)
    )


@lru_cache(maxsize=1024)
def _next_to_call(service_ids: tuple[int, ...], lock: bool) -> Select[Ticket]:
    query = _first_candidate([Ticket], service_ids)
    if lock:
        query = _locked_for_calling(query)
    return query


@lru_cache(maxsize=1024)
def _first_free(service_ids: tuple[int, ...]) -> Select[tuple[int]]:
    """The id of the first candidate that no other call is taking, locked."""
    return _first_candidate([Ticket.id], service_ids).with_for_update(of=Ticket, skip_locked=True)


@lru_cache(maxsize=1024)
def _next_not_taken(service_ids: tuple[int, ...]) -> Select[Ticket]:
    """The first in call order that no other counter is taking: the whole queue sorted,
    skipping the tickets locked by other calls. Only when every candidate is being taken."""
    return _locked_for_calling(in_call_order(service_ids).limit(1))


def _locked_for_calling(query: Select[Ticket]) -> Select[Ticket]:
    # Locked to be called: its service comes along, for the label the answer shows.
    return (
        query.options(joinedload(Ticket.service, innerjoin=True))
        .with_for_update(of=Ticket, skip_locked=True)
        .execution_options(populate_existing=True)
    )


def next_waiting_ticket(
    hall_id: int, service_ids: list[int], *, now: datetime, lock: bool = False
) -> Ticket | None:
    """The first ticket in call order (see in_call_order); with `lock`, skipping any that
    another counter is taking at this moment. Its cost does not grow with the queue, but
    when every candidate is being taken by other counters (or none is waiting)."""
    if not service_ids:
        return None
    params = call_order_params(hall_id, now)
    ticket = db.session.scalar(_next_to_call(tuple(service_ids), lock), params)
    if ticket is None and lock:
        ticket = db.session.scalar(_next_not_taken(tuple(service_ids)), params)
    return ticket


def waiting_tickets(hall_id: int, service_ids: list[int], *, now: datetime) -> list[Ticket]:
    """Everyone waiting for these services, in call order."""
    if not service_ids:
        return []
    query = in_call_order(tuple(service_ids))
    return list(db.session.scalars(query, call_order_params(hall_id, now)))


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
    count = core(_ahead_of(), {"mine": ticket.id, "aged": aged_before(now)}).scalar()
    return count or 0


def counter_service_ids(counter: Counter) -> list[int]:
    return [link.service_id for link in counter.service_links]


def current_ticket(counter: Counter, *, lock: bool = False) -> Ticket | None:
    """The ticket called to or being served at this counter, if any. With `lock`, it is
    locked (with its service, for the label) for the step the officer takes with it, and
    the step does not read it again."""
    if not lock:
        return db.session.scalar(current_ticket_query(counter))
    ticket = db.session.scalar(_current_ticket_for_step(), {"counter": counter.id})
    if ticket is not None:
        hold(ticket)
    return ticket


def _at_counter(counter_id: int | SQLColumnExpression[int]) -> ColumnElement[bool]:
    """A ticket belongs to the counter it was called to while it is called or served."""
    return and_(Ticket.counter_id == counter_id, Ticket.status.in_(AT_COUNTER))


def current_ticket_query(counter: Counter) -> Select[Ticket]:
    """current_ticket's query, for a screen that reads more of the ticket in the same read."""
    return select(Ticket).where(_at_counter(counter.id)).order_by(Ticket.id.desc()).limit(1)


@cache
def _current_ticket_for_step() -> Select[Ticket]:
    return (
        select(Ticket)
        .options(joinedload(Ticket.service, innerjoin=True))
        .where(_at_counter(bindparam("counter", type_=Integer)))
        .order_by(Ticket.id.desc())
        .limit(1)
        .with_for_update(of=Ticket)
        .execution_options(populate_existing=True)
    )


@cache
def _counter_to_call() -> Select[Counter, int, bool]:
    """Lock counter `:counter` and read the services it calls, most preferred first: one row
    per service (a counter serving none gives one row, with None); and whether a ticket is
    at the counter already (current_ticket's rule), in the same read."""
    busy = select(Ticket.id).where(_at_counter(Counter.id)).exists()
    return (
        select(Counter, CounterService.service_id, busy)
        .outerjoin(CounterService, CounterService.counter_id == Counter.id)
        .where(Counter.id == bindparam("counter", type_=Integer))
        .order_by(CounterService.position)
        .with_for_update(of=Counter)
        .execution_options(populate_existing=True)
    )


def call_next(
    counter: Counter | int,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: Device | None = None,
) -> Ticket:
    """Call the next waiting ticket to an open, free counter; raise NoTicketsWaiting if none."""
    counter_id = counter if isinstance(counter, int) else counter.id
    rows = db.session.execute(_counter_to_call(), {"counter": counter_id}).all()
    if not rows:
        refuse(NotFound())
    locked: Counter = rows[0][0]
    service_ids = [service_id for _counter, service_id, _busy in rows if service_id is not None]
    if locked.state != "open":
        refuse(CounterNotOpen())
    if rows[0][2]:
        refuse(CounterBusy())
    by: By = {"actor": actor, "device": device, "counter": locked}
    changes: dict[str, Any] = {
        "counter_id": locked.id,
        "officer_id": actor.id if actor else locked.officer_id,
        "called_at": now,
        "recall_count": 0,
    }
    called = _called_at_once(locked, service_ids, now=now, by=by, changes=changes)
    if called is not None:
        return called
    ticket = next_waiting_ticket(locked.hall_id, service_ids, now=now, lock=True)
    if ticket is None:
        refuse(NoTicketsWaiting())
    advance(ticket, "call", now=now, by=by, **changes)
    # The answer shows the counter: the ticket holds it, as written.
    set_committed_value(ticket, "counter", locked)
    commit(locked.hall_id)
    return ticket


def _called_at_once(
    counter: Counter, service_ids: list[int], *, now: datetime, by: By, changes: dict[str, Any]
) -> Ticket | None:
    """PostgreSQL: the first candidate that no other call is taking, called with its event
    and the hall's version in one statement, in the transaction that locked the counter
    (at_counter.first_moved_at_once). None, and nothing written, when every candidate is
    being taken or nobody waits (next_waiting_ticket then looks further, or finds none)."""
    if not service_ids or db.session.get_bind().dialect.name != "postgresql":
        return None
    columns, event = step_writes(
        "call", hall_id=counter.hall_id, counter_id=counter.id, now=now, by=by, changes=changes
    )
    return first_moved_at_once(
        _first_free(tuple(service_ids)),
        call_order_params(counter.hall_id, now),
        hall_id=counter.hall_id,
        changes=columns,
        event=event,
    )
