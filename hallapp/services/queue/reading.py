"""What the screens read of the queue: the waiting list, a ticket's wait, the display board.

Waits follow hall_now's estimate rule with its mean service times, so every screen tells a
citizen the same number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from hallapp import render_cache
from hallapp.extensions import db
from hallapp.models import Counter, CounterService, Hall, Service, Ticket
from hallapp.models.queue import ticket_label
from hallapp.services import hall_now

from .calling import call_order_params, in_call_order, position
from .steps import AT_COUNTER


@cache
def _open_counters_query() -> Select[int, int]:
    return (
        select(CounterService.service_id, func.count(Counter.id))
        .join(Counter, CounterService.counter_id == Counter.id)
        .where(
            CounterService.service_id.in_(bindparam("services", expanding=True)),
            Counter.state == "open",
        )
        .group_by(CounterService.service_id)
    )


def _open_counters(service_ids: list[int]) -> dict[int, int]:
    """Open counters per service, as HallNow.open_counters counts them, in one grouped
    read: a ticket's answer needs only its own service, not every counter with its officer."""

    def load() -> dict[int, int]:
        rows = db.session.execute(_open_counters_query(), {"services": service_ids})
        return {service_id: count for service_id, count in rows}

    # Every answer about a ticket asks; a worker remembers it for LIVE_RECENT_SECONDS.
    return render_cache.recent(("open-counters", *service_ids), load)


def _estimates(
    hall: Hall, service_ids: list[int], *, now: datetime
) -> Callable[[int, int], hall_now.Estimate]:
    """The estimate rule for these services: ahead -> hall_now.estimate, read once."""
    means = hall_now.mean_service_times(hall, now=now)
    counters = _open_counters(service_ids)

    def estimate(service_id: int, ahead: int) -> hall_now.Estimate:
        return hall_now.estimate(ahead, means.get(service_id), counters.get(service_id, 0))

    return estimate


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
    query = in_call_order(tuple(service_ids)).limit(limit)
    first = list(db.session.scalars(query, call_order_params(hall_id, now)))
    if not first:
        return []
    estimate = _estimates(first[0].hall, service_ids, now=now)
    seen: dict[int, int] = {}
    rows = []
    for ticket in first:
        ahead = seen.get(ticket.service_id, 0)
        seen[ticket.service_id] = ahead + 1
        rows.append((ticket, estimate(ticket.service_id, ahead)))
    return rows


def ticket_estimate(
    ticket: Ticket, *, now: datetime, ahead: int | None = None
) -> hall_now.Estimate | None:
    """The estimate for a waiting ticket, from its position in its queue (pass `ahead`
    when the caller already knows it); None when the ticket is not waiting."""
    if ahead is None:
        ahead = position(ticket, now=now)
    if ahead is None:
        return None
    if ahead == 0:
        # Nobody ahead needs no measuring.
        return hall_now.estimate(0, None, 0)
    return _estimates(ticket.hall, [ticket.service_id], now=now)(ticket.service_id, ahead)


def estimate_ticket_wait(
    ticket: Ticket, *, now: datetime, ahead: int | None = None
) -> timedelta | None:
    found = ticket_estimate(ticket, now=now, ahead=ahead)
    return found.wait if found else None


def display_board(hall: Hall, *, now: datetime, limit: int = 10) -> dict[str, Any]:
    """What a display board shows: the latest calls with their counters, and who waits where
    (today's waiting counts from hall_now, like every other screen).

    Plain values only, with nothing personal: ticket labels, counter numbers, counts.
    """
    now_state = hall_now.hall_now(hall, now=now)
    calls = db.session.execute(
        select(
            Service.code,
            Ticket.number,
            Counter.number,
            Ticket.status,
            Ticket.recall_count,
            Ticket.called_at,
        )
        .join(Service, Service.id == Ticket.service_id)
        .join(Counter, Counter.id == Ticket.counter_id)
        .where(
            Ticket.hall_id == hall.id,
            Ticket.service_day == now_state.day,
            Ticket.status.in_(AT_COUNTER),
        )
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(limit)
    ).all()
    return {
        "hall": hall.code,
        "calls": [
            {
                "label": ticket_label(code, number),
                "service": code,
                "counter": counter,
                "status": status,
                "recalls": recalls,
                "called_at": called_at.isoformat() if called_at else None,
            }
            for code, number, counter, status, recalls, called_at in calls
        ],
        "is_open": now_state.is_open,
        "waiting": [
            {"service": item.service.code, "waiting": item.waiting} for item in now_state.services
        ],
    }
