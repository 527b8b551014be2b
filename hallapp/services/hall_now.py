"""The hall now: the one answer to "how is the hall doing at this instant?".

Every screen and the API read it (display board, getDisplay, listServices, kiosk, desk
overview, counter console, supervisor board), so after local midnight they all agree:
waiting counts and tickets left are counted on the hall's service day (its local date),
never on a UTC date and never over every day at once.

`hall_now()` costs a fixed number of queries, however many services, counters and
visitors the hall has, and reads each part only when a screen uses it
(tests/services/test_hall_now.py holds the budgets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Protocol
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import selectinload

from hallapp.extensions import db
from hallapp.models import Counter, Hall, Service, Staff, Ticket, UTCDateTime, Visit
from hallapp.models.queue import OPEN_STATUSES
from hallapp.services import calendar

# A visitor in the hall this long is flagged amber; red from the hall's target_minutes.
AMBER_MINUTES = 8
ESTIMATE_HISTORY = timedelta(days=7)


def service_day(hall: Hall, now: datetime) -> date:
    """The hall's local date: tickets, counts and daily limits start again at local midnight."""
    return now.astimezone(ZoneInfo(hall.timezone)).date()


def day_start(hall: Hall, day: date) -> datetime:
    """The moment the hall's local `day` begins."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(hall.timezone))


class Zoned(Protocol):
    @property
    def timezone(self) -> str: ...


def minute_of(hall: Zoned, now: datetime) -> str:
    """The hall-local minute ("202612010950"): live screens that show minutes poll with it."""
    return now.astimezone(ZoneInfo(hall.timezone)).strftime("%Y%m%d%H%M")


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


def whole_minutes(span: timedelta | None) -> int | None:
    """A span told to a person, in whole minutes rounded up: a promise, not a guess low."""
    return None if span is None else math.ceil(span.total_seconds() / 60)


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
        return whole_minutes(self.wait)


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
    # Tickets issued and the estimate's inputs are read only when a screen shows them.
    state: HallNow = field(repr=False, compare=False)

    @property
    def issued_today(self) -> int:
        return self.state.issued.get(self.service.id, 0)

    @property
    def tickets_left(self) -> int | None:
        return tickets_left(self.service, self.issued_today)

    @property
    def full(self) -> bool:
        return self.tickets_left == 0

    @property
    def open_counters(self) -> int:
        return self.state.open_counters.get(self.service.id, 0)

    @property
    def mean_service(self) -> timedelta | None:
        return self.state.mean_service.get(self.service.id)

    @property
    def estimate(self) -> Estimate:
        """For a newcomer: everyone waiting now is ahead."""
        if self.waiting == 0:
            return estimate(0, None, 0)
        return estimate(self.waiting, self.mean_service, self.open_counters)


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


class HallNow:
    """The hall at one instant. Each part is read on first use, once: a display board that
    shows waiting counts pays for those alone (4 queries), the supervisor's board for all."""

    def __init__(self, hall: Hall, now: datetime):
        self.hall = hall
        self.now = now
        self.day = service_day(hall, now)

    @property
    def minute(self) -> str:
        return minute_of(self.hall, self.now)

    @cached_property
    def opening(self) -> str:
        return opening_state(self.hall, self.now)

    @property
    def is_open(self) -> bool:
        return self.opening == "open"

    @cached_property
    def services(self) -> list[ServiceNow]:
        """Every service of the hall (active or not), by code, with today's queue."""
        hall, now = self.hall, self.now
        services = db.session.scalars(
            select(Service).where(Service.hall_id == hall.id).order_by(Service.code)
        )
        waiting = self.waiting
        result = []
        for service in services:
            count, oldest = waiting.get(service.id, (0, None))
            result.append(
                ServiceNow(
                    service=service,
                    waiting=count,
                    oldest_arrival=oldest,
                    oldest_wait=(now - oldest) if oldest is not None else None,
                    state=self,
                )
            )
        return result

    @cached_property
    def issued(self) -> dict[int, int]:
        """Per service id: tickets issued today (one query, when a screen shows them)."""
        return issued_today(self.hall, self.day)

    @cached_property
    def waiting(self) -> dict[int, tuple[int, datetime]]:
        """Per service id: tickets waiting today and the oldest arrival among them (one
        query; the console reads this part alone)."""
        rows = db.session.execute(
            select(
                Ticket.service_id,
                func.count(Ticket.id),
                func.min(Ticket.arrival_at, type_=UTCDateTime),
            )
            .where(
                Ticket.hall_id == self.hall.id,
                Ticket.service_day == self.day,
                Ticket.status == "waiting",
            )
            .group_by(Ticket.service_id)
        ).all()
        return {service_id: (count, oldest) for service_id, count, oldest in rows}

    def waiting_for(self, service_ids) -> int:
        return sum(self.waiting.get(service_id, (0, None))[0] for service_id in service_ids)

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

    @cached_property
    def _counter_rows(self) -> list[Counter]:
        return list(
            db.session.scalars(
                select(Counter)
                .where(Counter.hall_id == self.hall.id)
                .options(selectinload(Counter.service_links), selectinload(Counter.officer))
                .order_by(Counter.number)
            )
        )

    @cached_property
    def open_counters(self) -> dict[int, int]:
        """Open counters per service id (a counter serving two services counts for each)."""
        counts: dict[int, int] = {}
        for counter in self._counter_rows:
            if counter.state == "open":
                for link in counter.service_links:
                    counts[link.service_id] = counts.get(link.service_id, 0) + 1
        return counts

    @cached_property
    def mean_service(self) -> dict[int, timedelta]:
        return mean_service_times(self.hall, now=self.now)

    @cached_property
    def counters(self) -> list[CounterNow]:
        hall = self.hall
        at_counters = {
            ticket.counter_id: ticket
            for ticket in db.session.scalars(
                select(Ticket)
                .where(Ticket.hall_id == hall.id, Ticket.status.in_(("called", "serving")))
                .order_by(Ticket.id)
            )
        }
        served = self.served_today
        return [
            CounterNow(
                counter=counter,
                state=counter.state,
                officer=counter.officer,
                ticket=at_counters.get(counter.id),
                served_today=served.get(counter.id, 0),
            )
            for counter in self._counter_rows
        ]

    @cached_property
    def served_today(self) -> dict[int, int]:
        """Tickets finished today per counter id (one query; the console reads it alone)."""
        rows = db.session.execute(
            select(Ticket.counter_id, func.count(Ticket.id))
            .where(
                Ticket.hall_id == self.hall.id,
                Ticket.service_day == self.day,
                Ticket.status == "done",
            )
            .group_by(Ticket.counter_id)
        )
        return {counter_id: count for counter_id, count in rows if counter_id is not None}

    def counters_in(self, state: str) -> int:
        return sum(1 for item in self.counters if item.state == state)

    @property
    def enterprise_room_open(self) -> bool:
        """The hall is open and so is one of the enterprise room's counters."""
        return self.is_open and any(
            counter.room == "enterprise" and counter.state == "open"
            for counter in self._counter_rows
        )

    @cached_property
    def visitors(self) -> list[VisitorNow]:
        """Every visit with a ticket still open today, longest in the hall first."""
        rows = db.session.execute(
            select(Visit.id, Visit.arrived_at, Service.code, Ticket.number)
            .join(Ticket, Ticket.visit_id == Visit.id)
            .join(Service, Service.id == Ticket.service_id)
            .where(
                Ticket.hall_id == self.hall.id,
                Ticket.service_day == self.day,
                Ticket.status.in_(OPEN_STATUSES),
            )
            .order_by(Visit.arrived_at, Visit.id, Ticket.id)
        ).all()
        visits: dict[int, tuple[datetime, list[str]]] = {}
        for visit_id, arrived_at, code, number in rows:
            visits.setdefault(visit_id, (arrived_at, []))[1].append(f"{code}{number:03d}")
        result = []
        for visit_id, (arrived_at, labels) in visits.items():
            in_hall = max(self.now - arrived_at, timedelta())
            result.append(
                VisitorNow(
                    visit_id=visit_id,
                    entered_at=arrived_at,
                    in_hall=in_hall,
                    flag=flag_for(in_hall, self.hall.target_minutes),
                    labels=tuple(labels),
                )
            )
        return result

    @property
    def longest_in_hall(self) -> timedelta | None:
        return max((visitor.in_hall for visitor in self.visitors), default=None)

    def flagged(self, flag: str) -> int:
        return sum(1 for visitor in self.visitors if visitor.flag == flag)


def mean_service_times(hall: Hall, *, now: datetime) -> dict[int, timedelta]:
    """Per service, the mean of its last QUEUE_ESTIMATE_SAMPLE services (started -> finished)
    in the past week: one query for every service of the hall, kept per worker for
    QUEUE_ESTIMATE_CACHE_SECONDS.

    Estimates are asked on every issue and every poll; the means change only when a
    service finishes, so they are measured at most once in that time (finishing in this
    worker forgets them at once; other workers follow within the cache time).
    """
    cache = _mean_cache()
    ttl = timedelta(seconds=int(current_app.config["QUEUE_ESTIMATE_CACHE_SECONDS"]))
    hit = cache.get(hall.id)
    if hit is not None and timedelta(0) <= now - hit[0] < ttl:
        return hit[1]
    means = _measure_mean_service_times(hall, now=now)
    cache[hall.id] = (now, means)
    return means


def forget_mean_service_times(hall_id: int) -> None:
    _mean_cache().pop(hall_id, None)


def _mean_cache() -> dict:
    return current_app.extensions.setdefault("hall_mean_service_times", {})


def _measure_mean_service_times(hall: Hall, *, now: datetime) -> dict[int, timedelta]:
    """Each service's latest finished services, read backwards through the tickets' (hall,
    service, finished) index and stopped at the sample: one branch per service in one
    statement, so the cost follows the sample, not the week's (or the years') services."""
    sample = int(current_app.config["QUEUE_ESTIMATE_SAMPLE"])
    service_ids = db.session.scalars(select(Service.id).where(Service.hall_id == hall.id)).all()
    if not service_ids:
        return {}

    def latest(service_id: int):
        return (
            select(Ticket.service_id, Ticket.started_at, Ticket.finished_at)
            .where(
                Ticket.hall_id == hall.id,
                Ticket.service_id == service_id,
                Ticket.finished_at <= now,
                Ticket.finished_at >= now - ESTIMATE_HISTORY,
                Ticket.started_at.is_not(None),
            )
            .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
            .limit(sample)
            .subquery()
        )

    rows = db.session.execute(union_all(*(select(latest(s)) for s in service_ids))).all()
    totals: dict[int, list[timedelta]] = {}
    for service_id, started, finished in rows:
        totals.setdefault(service_id, []).append(finished - started)
    return {key: sum(values, timedelta()) / len(values) for key, values in totals.items()}


def hall_now(hall: Hall, *, now: datetime) -> HallNow:
    """The hall at this instant; each part is read when first used (see HallNow)."""
    return HallNow(hall, now)
