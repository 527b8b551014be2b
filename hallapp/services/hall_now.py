"""The hall now: the one answer to "how is the hall doing at this instant?".

Every screen and the API read it (display board, getDisplay, listServices, kiosk, desk
overview, counter console, supervisor board), so after local midnight they all agree:
waiting counts and tickets left are counted on the hall's service day (its local date),
never on a UTC date and never over every day at once.

`hall_now()` costs a fixed number of queries, however many services, counters and
visitors the hall has (tests/services/test_hall_now.py holds the budget).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hallapp.extensions import db
from hallapp.models import Counter, Hall, Service, Staff, Ticket, TicketEvent, UTCDateTime, Visit
from hallapp.models.queue import OPEN_STATUSES
from hallapp.services import calendar

# A visitor in the hall this long is flagged amber; red from the hall's target_minutes.
AMBER_MINUTES = 8
ESTIMATE_HISTORY = timedelta(days=7)


def service_day(hall: Hall, now: datetime) -> date:
    """The hall's local date: tickets, counts and daily limits start again at local midnight."""
    return now.astimezone(ZoneInfo(hall.timezone)).date()


def opening_state(hall: Hall, now: datetime) -> str:
    """ "open", "inactive", "closed_today" (not an open day) or "outside_hours", hall-local."""
    local = now.astimezone(ZoneInfo(hall.timezone))
    if not hall.active:
        return "inactive"
    if not calendar.is_open_day(hall, local.date()):
        return "closed_today"
    if not hall.opens_at <= local.time().replace(tzinfo=None) < hall.closes_at:
        return "outside_hours"
    return "open"


def hall_is_open(hall: Hall, now: datetime) -> bool:
    """Open on an open day, between opening and closing time, hall-local."""
    return opening_state(hall, now) == "open"


def issued_today(hall: Hall, day: date, service_id: int | None = None) -> dict[int, int]:
    """Tickets issued per service on a service day; a transfer is not a new ticket."""
    query = (
        select(Ticket.service_id, func.count(Ticket.id))
        .where(
            Ticket.hall_id == hall.id,
            Ticket.service_day == day,
            Ticket.transferred_from_id.is_(None),
        )
        .group_by(Ticket.service_id)
    )
    if service_id is not None:
        query = query.where(Ticket.service_id == service_id)
    return dict(db.session.execute(query).all())


def tickets_left(service: Service, issued: int) -> int | None:
    """Tickets still to give under the service's daily limit; None when it has no limit."""
    if service.daily_limit is None:
        return None
    return max(service.daily_limit - issued, 0)


def flag_for(in_hall: timedelta, target_minutes: int) -> str:
    """ "red" from the hall's target, "amber" from AMBER_MINUTES, "" before."""
    if in_hall >= timedelta(minutes=target_minutes):
        return "red"
    if in_hall >= timedelta(minutes=AMBER_MINUTES):
        return "amber"
    return ""


@dataclass(frozen=True)
class Estimate:
    """The expected wait before being called, or why there is none.

    reason: "estimate" (minutes is set), "nobody_ahead", "no_history" (counters are open
    but nothing was served lately) or "no_counter" (no open counter serves it).
    """

    wait: timedelta | None
    reason: str

    @property
    def minutes(self) -> int | None:
        """Whole minutes, rounded up: a promise, not a guess low."""
        return None if self.wait is None else math.ceil(self.wait.total_seconds() / 60)


def estimate(ahead: int, mean_service: timedelta | None, open_counters: int) -> Estimate:
    """ahead x mean recent service time / open counters, rounded up to whole minutes.

    Counters shared with other services count whole, so the estimate errs short at peaks.
    """
    if ahead == 0:
        return Estimate(timedelta(), "nobody_ahead")
    if not open_counters:
        return Estimate(None, "no_counter")
    if mean_service is None:
        return Estimate(None, "no_history")
    return Estimate(mean_service * ahead / open_counters, "estimate")


@dataclass(frozen=True)
class ServiceNow:
    service: Service
    waiting: int
    oldest_arrival: datetime | None
    oldest_wait: timedelta | None
    issued_today: int
    tickets_left: int | None
    open_counters: int
    mean_service: timedelta | None
    # For a newcomer: everyone waiting now is ahead.
    estimate: Estimate

    @property
    def full(self) -> bool:
        return self.tickets_left == 0


@dataclass(frozen=True)
class CounterNow:
    counter: Counter
    state: str
    officer: Staff | None
    ticket: Ticket | None
    served_today: int

    @property
    def activity(self) -> str:
        """ "serving" (a ticket is at it), "idle" (open, nobody), "paused" or "closed"."""
        if self.state == "open":
            return "serving" if self.ticket is not None else "idle"
        return self.state


@dataclass(frozen=True)
class VisitorNow:
    visit_id: int
    entered_at: datetime
    in_hall: timedelta
    flag: str
    labels: tuple[str, ...]

    @property
    def minutes(self) -> int:
        return int(self.in_hall.total_seconds() // 60)


@dataclass(frozen=True)
class HallNow:
    hall: Hall
    now: datetime
    day: date
    opening: str
    enterprise_room_open: bool
    services: list[ServiceNow]
    counters: list[CounterNow]
    visitors: list[VisitorNow]

    @property
    def is_open(self) -> bool:
        return self.opening == "open"

    def service(self, code: str) -> ServiceNow | None:
        return next((item for item in self.services if item.service.code == code), None)

    def services_in(self, room: str | None = None, *, active_only: bool = True):
        return [
            item
            for item in self.services
            if (not active_only or item.service.active)
            and (room is None or item.service.room == room)
        ]

    @property
    def waiting_total(self) -> int:
        return sum(item.waiting for item in self.services)

    def counters_in(self, state: str) -> int:
        return sum(1 for item in self.counters if item.state == state)

    @property
    def longest_in_hall(self) -> timedelta | None:
        return max((visitor.in_hall for visitor in self.visitors), default=None)

    def flagged(self, flag: str) -> int:
        return sum(1 for visitor in self.visitors if visitor.flag == flag)


def mean_service_times(hall: Hall, *, now: datetime) -> dict[int, timedelta]:
    """Per service, the mean of its last QUEUE_ESTIMATE_SAMPLE services (started -> finished)
    in the past week, from the finish events: one query for every service of the hall."""
    sample = int(current_app.config["QUEUE_ESTIMATE_SAMPLE"])
    ranked = (
        select(
            Ticket.service_id.label("service_id"),
            Ticket.started_at.label("started_at"),
            TicketEvent.at.label("finished_at"),
            func.row_number()
            .over(
                partition_by=Ticket.service_id,
                order_by=(TicketEvent.at.desc(), TicketEvent.id.desc()),
            )
            .label("rank"),
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            TicketEvent.step == "finished",
            TicketEvent.at <= now,
            TicketEvent.at >= now - ESTIMATE_HISTORY,
            Ticket.hall_id == hall.id,
            Ticket.started_at.is_not(None),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.service_id, ranked.c.started_at, ranked.c.finished_at).where(
            ranked.c.rank <= sample
        )
    ).all()
    totals: dict[int, list[timedelta]] = {}
    for service_id, started, finished in rows:
        totals.setdefault(service_id, []).append(finished - started)
    return {key: sum(values, timedelta()) / len(values) for key, values in totals.items()}


def open_counters_per_service(hall: Hall, counters: list[Counter]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for counter in counters:
        if counter.state == "open":
            for link in counter.service_links:
                counts[link.service_id] = counts.get(link.service_id, 0) + 1
    return counts


def hall_now(hall: Hall, *, now: datetime) -> HallNow:
    """Everything the hall's screens show about this instant, in a fixed number of queries."""
    day = service_day(hall, now)
    target = hall.target_minutes
    opening = opening_state(hall, now)

    services = list(
        db.session.scalars(select(Service).where(Service.hall_id == hall.id).order_by(Service.code))
    )
    waiting_rows = db.session.execute(
        select(
            Ticket.service_id,
            func.count(Ticket.id),
            func.min(Ticket.arrival_at, type_=UTCDateTime),
        )
        .where(Ticket.hall_id == hall.id, Ticket.service_day == day, Ticket.status == "waiting")
        .group_by(Ticket.service_id)
    ).all()
    waiting = {service_id: (count, oldest) for service_id, count, oldest in waiting_rows}
    issued = issued_today(hall, day)
    counters = list(
        db.session.scalars(
            select(Counter)
            .where(Counter.hall_id == hall.id)
            .options(selectinload(Counter.service_links), selectinload(Counter.officer))
            .order_by(Counter.number)
        )
    )
    open_counts = open_counters_per_service(hall, counters)
    means = mean_service_times(hall, now=now)

    service_rows = []
    for service in services:
        count, oldest = waiting.get(service.id, (0, None))
        service_rows.append(
            ServiceNow(
                service=service,
                waiting=count,
                oldest_arrival=oldest,
                oldest_wait=(now - oldest) if oldest is not None else None,
                issued_today=issued.get(service.id, 0),
                tickets_left=tickets_left(service, issued.get(service.id, 0)),
                open_counters=open_counts.get(service.id, 0),
                mean_service=means.get(service.id),
                estimate=estimate(count, means.get(service.id), open_counts.get(service.id, 0)),
            )
        )

    at_counters = {
        ticket.counter_id: ticket
        for ticket in db.session.scalars(
            select(Ticket)
            .where(Ticket.hall_id == hall.id, Ticket.status.in_(("called", "serving")))
            .order_by(Ticket.id)
        )
    }
    served = dict(
        db.session.execute(
            select(Ticket.counter_id, func.count(Ticket.id))
            .where(Ticket.hall_id == hall.id, Ticket.service_day == day, Ticket.status == "done")
            .group_by(Ticket.counter_id)
        ).all()
    )
    counter_rows = [
        CounterNow(
            counter=counter,
            state=counter.state,
            officer=counter.officer,
            ticket=at_counters.get(counter.id),
            served_today=served.get(counter.id, 0),
        )
        for counter in counters
    ]

    open_tickets = db.session.execute(
        select(Visit.id, Visit.arrived_at, Ticket.service_id, Ticket.number)
        .join(Ticket, Ticket.visit_id == Visit.id)
        .where(
            Ticket.hall_id == hall.id,
            Ticket.service_day == day,
            Ticket.status.in_(OPEN_STATUSES),
        )
        .order_by(Visit.arrived_at, Visit.id, Ticket.id)
    ).all()
    codes = {service.id: service.code for service in services}
    visitors: dict[int, tuple[datetime, list[str]]] = {}
    for visit_id, arrived_at, service_id, number in open_tickets:
        visitors.setdefault(visit_id, (arrived_at, []))[1].append(
            f"{codes.get(service_id, '?')}{number:03d}"
        )
    visitor_rows = [
        VisitorNow(
            visit_id=visit_id,
            entered_at=arrived_at,
            in_hall=max(now - arrived_at, timedelta()),
            flag=flag_for(max(now - arrived_at, timedelta()), target),
            labels=tuple(labels),
        )
        for visit_id, (arrived_at, labels) in visitors.items()
    ]

    enterprise_counters = [item for item in counter_rows if item.counter.room == "enterprise"]
    return HallNow(
        hall=hall,
        now=now,
        day=day,
        opening=opening,
        enterprise_room_open=opening == "open"
        and any(item.state == "open" for item in enterprise_counters),
        services=service_rows,
        counters=counter_rows,
        visitors=visitor_rows,
    )
