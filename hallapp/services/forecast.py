"""Staffing forecast: arrivals per hour for the next working days, and the counters each
service needs to keep the expected wait within the hall's target (Erlang C).

Arrivals for an hour = the average of walk-in tickets issued in that hour on the same
weekday over the last weeks the hall was open, plus the appointments already booked for it.
The wait budget is the hall's target minus the service's mean service time (at least one
minute): the target is for the whole time in the hall, waiting and being served.
"""

from __future__ import annotations

import math
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.i18n import localized
from hallapp.models import Appointment, AppointmentSlot, Hall, Service, Ticket
from hallapp.services import calendar
from hallapp.services.reports.rows import EpochSeconds, LocalClock
from hallapp.services.reports.scope import day_bounds, zone
from hallapp.services.reports.tables import Table

HISTORY_WEEKS = 8
DAYS_AHEAD = 5
DEFAULT_SERVICE_MINUTES = 5.0
MAX_COUNTERS = 50


def erlang_c(traffic: float, servers: int) -> float:
    """Probability that an arrival waits, for `traffic` Erlangs offered to `servers`.

    Computed with the stable Erlang B recursion: B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)),
    then C = N·B / (N - A·(1 - B)). A queue with traffic at or above capacity always waits.
    """
    if traffic <= 0:
        return 0.0
    if servers <= traffic:
        return 1.0
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return servers * blocking / (servers - traffic * (1 - blocking))


def expected_wait(arrivals_per_hour: float, service_minutes: float, servers: int) -> float:
    """Mean wait in minutes (M/M/N): C(N, A) · service time / (N − A)."""
    traffic = arrivals_per_hour * service_minutes / 60
    if traffic <= 0:
        return 0.0
    if servers <= traffic:
        return math.inf
    return erlang_c(traffic, servers) * service_minutes / (servers - traffic)


def counters_needed(arrivals_per_hour: float, service_minutes: float, wait_minutes: float) -> int:
    """The fewest counters whose expected wait is within `wait_minutes`."""
    if arrivals_per_hour <= 0:
        return 0
    servers = max(1, math.floor(arrivals_per_hour * service_minutes / 60) + 1)
    while expected_wait(arrivals_per_hour, service_minutes, servers) > wait_minutes:
        servers += 1
        if servers >= MAX_COUNTERS:
            break
    return servers


@dataclass
class Cell:
    arrivals: float
    needed: int
    last_week: int


@dataclass
class ForecastDay:
    day: date
    hours: list[int]
    cells: dict[tuple[int, int], Cell]  # (hour, service id) -> cell


@dataclass
class Forecast:
    hall: Hall
    services: list[Service]
    service_minutes: dict[int, float]
    wait_budget: dict[int, float]
    days: list[ForecastDay]


def next_open_days(hall: Hall, today: date, count: int = DAYS_AHEAD) -> list[date]:
    days: list[date] = []
    day = today
    while len(days) < count and (day - today).days < 60:
        day += timedelta(days=1)
        if calendar.is_open_day(hall, day):
            days.append(day)
    return days


def forecast(hall: Hall, *, now: datetime, weeks: int = HISTORY_WEEKS) -> Forecast:
    tz = zone(hall)
    today = now.astimezone(tz).date()
    history_start = today - timedelta(days=7 * weeks)
    low, high = day_bounds(hall, history_start, today - timedelta(days=1))
    services = list(
        db.session.scalars(
            select(Service).where(Service.hall_id == hall.id, Service.active).order_by(Service.code)
        )
    )
    walk_ins: Tally = Tally()  # (weekday, hour, service) -> tickets
    serve_minutes: dict[int, list[float]] = defaultdict(list)
    in_use: dict[tuple[date, int, int], set[int]] = defaultdict(set)
    last_week_start = today - timedelta(days=7)
    clock = LocalClock(hall, history_start, today)
    rows = db.session.execute(
        select(
            Ticket.service_id,
            Ticket.source,
            EpochSeconds(Ticket.issued_at),
            EpochSeconds(Ticket.called_at),
            EpochSeconds(Ticket.started_at),
            EpochSeconds(Ticket.finished_at),
            Ticket.counter_id,
            Ticket.transferred_from_id,
        ).where(
            Ticket.hall_id == hall.id,
            Ticket.service_day >= history_start,
            Ticket.service_day < today,
            Ticket.issued_at >= low,
            Ticket.issued_at < high,
        )
    )
    for service_id, source, issued, called, started, finished, counter_id, moved in rows:
        day, hour = clock.day_hour(issued)
        if source != "appointment" and moved is None:
            walk_ins[(day.isoweekday(), hour, service_id)] += 1
        if started is not None and finished is not None:
            serve_minutes[service_id].append((finished - started) / 60)
        if counter_id is not None and called is not None:
            called_day, called_hour = clock.day_hour(called)
            if called_day >= last_week_start:
                in_use[(called_day, called_hour, service_id)].add(counter_id)
    open_weekdays = Tally(
        day.isoweekday()
        for day in (history_start + timedelta(days=n) for n in range(7 * weeks))
        if calendar.is_open_day(hall, day)
    )
    service_minutes = {
        s.id: (
            sum(serve_minutes[s.id]) / len(serve_minutes[s.id])
            if serve_minutes[s.id]
            else DEFAULT_SERVICE_MINUTES
        )
        for s in services
    }
    budget = {s.id: max(1.0, hall.target_minutes - service_minutes[s.id]) for s in services}
    hours = list(range(hall.opens_at.hour, _closing_hour(hall)))
    days = []
    for day in next_open_days(hall, today):
        booked = _booked(hall, day)
        weekday = day.isoweekday()
        same_day_last_week = day - timedelta(days=7 * math.ceil((day - today).days / 7))
        cells = {}
        for hour in hours:
            for service in services:
                average = walk_ins[(weekday, hour, service.id)] / (open_weekdays[weekday] or 1)
                arrivals = round(average + booked[(hour, service.id)], 1)
                cells[(hour, service.id)] = Cell(
                    arrivals,
                    counters_needed(arrivals, service_minutes[service.id], budget[service.id]),
                    len(in_use.get((same_day_last_week, hour, service.id), ())),
                )
        days.append(ForecastDay(day, hours, cells))
    return Forecast(hall, services, service_minutes, budget, days)


def _closing_hour(hall: Hall) -> int:
    closes = hall.closes_at
    return closes.hour + (1 if closes.minute else 0)


def _booked(hall: Hall, day: date) -> Tally:
    low, high = day_bounds(hall, day, day)
    tz = zone(hall)
    tally: Tally = Tally()
    for starts_at, service_id, count in db.session.execute(
        select(AppointmentSlot.starts_at, AppointmentSlot.service_id, func.count(Appointment.id))
        .join(Appointment, Appointment.slot_id == AppointmentSlot.id)
        .where(
            AppointmentSlot.hall_id == hall.id,
            AppointmentSlot.starts_at >= low,
            AppointmentSlot.starts_at < high,
            Appointment.state == "booked",
        )
        .group_by(AppointmentSlot.starts_at, AppointmentSlot.service_id)
    ):
        tally[(starts_at.astimezone(tz).hour, service_id)] += count
    return tally


def forecast_tables(result: Forecast) -> list[Table]:
    """One table per day: for each hour and service, arrivals, counters needed, last week."""
    tables = []
    for forecast_day in result.days:
        rows = []
        for hour in forecast_day.hours:
            for service in result.services:
                cell = forecast_day.cells[(hour, service.id)]
                rows.append(
                    [
                        f"{hour:02d}:00",
                        f"{service.code} {localized(service)}",
                        cell.arrivals,
                        cell.needed,
                        cell.last_week,
                    ]
                )
        tables.append(
            Table(
                forecast_day.day.isoformat(),
                forecast_day.day.isoformat(),
                [
                    _l("Hour"),
                    _l("Service"),
                    _l("Expected arrivals"),
                    _l("Counters needed"),
                    _l("Counters in use a week before"),
                ],
                rows,
            )
        )
    return tables
