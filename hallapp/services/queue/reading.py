"""What the screens read of the queue: waits, the waiting list, the display board."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from hallapp.extensions import db
from hallapp.models import (
    Counter,
    CounterService,
    Hall,
    Service,
    Ticket,
    TicketEvent,
    UTCDateTime,
    Visit,
)
from hallapp.services import hall_now

from .calling import in_call_order, position
from .common import service_day_of


def waiting_list(
    hall_id: int, service_ids: list[int], *, now: datetime, limit: int = 30
) -> list[tuple[Ticket, hall_now.Estimate]]:
    """The first `limit` waiting tickets in call order, each with its wait estimate: the
    same few queries whatever the queue length (how many wait in all: hall_now).

    Within the call order each service's tickets come in that service's own order, so a
    ticket's place in its queue is the number of its service's tickets before it here
    (the same rule as the citizen's tracking page).
    """
    if not service_ids:
        return []
    hall = db.session.get(Hall, hall_id)
    first = list(db.session.scalars(in_call_order(hall_id, service_ids, now).limit(limit)))
    means = hall_now.mean_service_times(hall, now=now) if first else {}
    open_counters = _open_counters_by_service(service_ids) if first else {}
    seen: dict[int, int] = {}
    rows = []
    for ticket in first:
        ahead = seen.get(ticket.service_id, 0)
        seen[ticket.service_id] = ahead + 1
        estimate = hall_now.estimate(
            ahead, means.get(ticket.service_id), open_counters.get(ticket.service_id, 0)
        )
        rows.append((ticket, estimate))
    return rows


def _open_counters_by_service(service_ids: list[int]) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(CounterService.service_id, func.count(Counter.id))
            .join(Counter, CounterService.counter_id == Counter.id)
            .where(CounterService.service_id.in_(service_ids), Counter.state == "open")
            .group_by(CounterService.service_id)
        ).all()
    )


def open_counters_for(service: Service) -> int:
    return db.session.scalar(
        select(func.count(Counter.id))
        .join(CounterService, CounterService.counter_id == Counter.id)
        .where(CounterService.service_id == service.id, Counter.state == "open")
    )


def wait_estimate(
    service: Service, *, now: datetime, ahead: int | None = None
) -> hall_now.Estimate:
    """The wait for someone with `ahead` tickets to be called first (rule: hall_now.estimate).

    `ahead` defaults to everyone waiting for the service on today's service day.
    """
    hall = db.session.get(Hall, service.hall_id)
    if ahead is None:
        ahead = db.session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.service_id == service.id,
                Ticket.status == "waiting",
                Ticket.service_day == hall_now.service_day(hall, now),
            )
        )
    if not ahead:
        return hall_now.estimate(0, None, 0)
    mean = hall_now.mean_service_times(hall, now=now).get(service.id)
    return hall_now.estimate(ahead, mean, open_counters_for(service))


def estimate_wait(service: Service, *, now: datetime, ahead: int | None = None) -> timedelta | None:
    """Expected wait before being called, or None when nothing honest can be said."""
    return wait_estimate(service, now=now, ahead=ahead).wait


def ticket_estimate(
    ticket: Ticket, *, now: datetime, ahead: int | None = None
) -> hall_now.Estimate | None:
    """The estimate for a waiting ticket, from its position in its queue (pass `ahead`
    when the caller already knows it)."""
    if ahead is None:
        ahead = position(ticket, now=now)
    if ahead is None:
        return None
    return wait_estimate(ticket.service, now=now, ahead=ahead)


def estimate_ticket_wait(
    ticket: Ticket, *, now: datetime, ahead: int | None = None
) -> timedelta | None:
    found = ticket_estimate(ticket, now=now, ahead=ahead)
    return found.wait if found else None


def ticket_steps(ticket: Ticket) -> list[TicketEvent]:
    return list(
        db.session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
    )


def wait_time(ticket: Ticket) -> timedelta | None:
    """From issue to the first call, from the events."""
    steps = {event.step: event.at for event in reversed(ticket_steps(ticket))}
    if "issued" in steps and "called" in steps:
        return steps["called"] - steps["issued"]
    return None


def service_time(ticket: Ticket) -> timedelta | None:
    """From start to finish at the counter, from the events."""
    steps = {event.step: event.at for event in ticket_steps(ticket)}
    if "started" in steps and "finished" in steps:
        return steps["finished"] - steps["started"]
    return None


def visit_time(visit: Visit) -> timedelta | None:
    """A visit's time in the hall: first ticket issued to last ticket finished."""
    ids = [ticket.id for ticket in visit.tickets]
    if not ids:
        return None
    first, last = db.session.execute(
        select(
            func.min(case((TicketEvent.step == "issued", TicketEvent.at)), type_=UTCDateTime),
            func.max(case((TicketEvent.step == "finished", TicketEvent.at)), type_=UTCDateTime),
        ).where(TicketEvent.ticket_id.in_(ids))
    ).one()
    if first is None or last is None:
        return None
    return last - first


def counter_served_today(counter: Counter, *, now: datetime) -> int:
    """Tickets finished at this counter since the hall's midnight."""
    hall = db.session.get(Hall, counter.hall_id)
    day = service_day_of(hall, now)
    return db.session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.counter_id == counter.id, Ticket.status == "done", Ticket.service_day == day
        )
    )


def display_board(hall: Hall, *, now: datetime, limit: int = 10) -> dict:
    """What a display board shows: the latest calls with their counters, and who waits where
    (today's waiting counts from hall_now, like every other screen).

    Plain values only, with nothing personal: ticket labels, counter numbers, counts.
    """
    day = service_day_of(hall, now)
    calls = db.session.execute(
        select(Ticket, Counter.number)
        .join(Counter, Counter.id == Ticket.counter_id)
        .where(
            Ticket.hall_id == hall.id,
            Ticket.service_day == day,
            Ticket.status.in_(("called", "serving")),
        )
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(limit)
    ).all()
    now_state = hall_now.hall_now(hall, now=now)
    return {
        "hall": hall.code,
        "calls": [
            {
                "label": ticket.label,
                "service": ticket.service.code,
                "counter": number,
                "status": ticket.status,
                "recalls": ticket.recall_count,
                "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
            }
            for ticket, number in calls
        ],
        "is_open": now_state.is_open,
        "waiting": [
            {"service": item.service.code, "waiting": item.waiting} for item in now_state.services
        ],
    }
