"""The queue's figures, each from the rows of the visits that entered in the range."""

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
from hallapp.models import EnterpriseAppointment, RegistrationService, Service
from hallapp.services.reports.rows import QueueData, TicketRow, VisitRow
from hallapp.services.reports.scope import tally_in_range
from hallapp.services.reports.tables import Table, median, p90, share

# Time-in-hall histogram: 2-minute bins up to 30 minutes, then one bin for the rest.
BIN_MINUTES = 2
LAST_BIN = 30


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def by_day(data: QueueData) -> Table:
    """Visitors and tickets per day, served visits, the share within target, no-shows."""
    per_day: dict[date, list[VisitRow]] = defaultdict(list)
    for visit in data.visits:
        per_day[visit.day].append(visit)
    rows = []
    for day in _days(data.start, data.end):
        visits = per_day.get(day, [])
        served = [v for v in visits if v.served]
        within = sum(1 for v in served if v.within)
        tickets = [t for v in visits for t in v.tickets]
        rows.append(
            [
                day.isoformat(),
                len(visits),
                len(tickets),
                len(served),
                within,
                share(within, len(served)),
                sum(1 for t in tickets if t.status == "no_show"),
            ]
        )
    return Table(
        "by_day",
        _l("Visitors and tickets by day"),
        [
            _l("Day"),
            _l("Visitors"),
            _l("Tickets"),
            _l("Visitors served"),
            _l("Within target"),
            _l("Within target (%)"),
            _l("No-shows"),
        ],
        rows,
    )


def by_hour(data: QueueData) -> Table:
    """Per hour of day: visitors entering and tickets issued (daily averages) and the
    counters in use (a counter that called a ticket in that hour)."""
    visitors: Tally[int] = Tally()
    tickets: Tally[int] = Tally()
    in_use: dict[tuple[date, int], set[int]] = defaultdict(set)
    days = set()
    for visit in data.visits:
        days.add((visit.hall.id, visit.day))
        visitors[visit.hour] += 1
        for ticket in visit.tickets:
            tickets[ticket.issued_hour] += 1
            if ticket.called_local is not None and ticket.counter_id is not None:
                in_use[ticket.called_local].add(ticket.counter_id)
    counters_by_hour: Tally[int] = Tally()
    for (_day, hour), counters in in_use.items():
        counters_by_hour[hour] += len(counters)
    open_days = len(days) or 1
    hours = sorted(set(visitors) | set(tickets) | set(counters_by_hour))
    rows = [
        [
            f"{hour:02d}:00",
            round(visitors[hour] / open_days, 1),
            round(tickets[hour] / open_days, 1),
            round(counters_by_hour[hour] / open_days, 1),
        ]
        for hour in hours
    ]
    return Table(
        "by_hour",
        _l("Arrivals by hour of day (average per day open)"),
        [_l("Hour"), _l("Visitors entering"), _l("Tickets issued"), _l("Counters in use")],
        rows,
    )


def waits_by_service(data: QueueData) -> Table:
    """Per service: tickets, served, no-shows, transfers out, wait and service times."""
    per_service: dict[int, list[TicketRow]] = defaultdict(list)
    for visit in data.visits:
        for ticket in visit.tickets:
            per_service[ticket.service_id].append(ticket)

    def line(label: str, tickets: list[TicketRow]) -> list[object]:
        waits = [t.wait for t in tickets if t.wait is not None]
        serve = [t.service for t in tickets if t.service is not None]
        return [
            label,
            len(tickets),
            sum(1 for t in tickets if t.status == "done"),
            sum(1 for t in tickets if t.status == "no_show"),
            sum(1 for t in tickets if t.status == "transferred"),
            median(waits),
            p90(waits),
            median(serve),
            p90(serve),
        ]

    ordered = sorted(per_service, key=lambda i: (data.services[i].hall_id, data.services[i].code))
    rows = [line(_service_label(data, data.services[i]), per_service[i]) for i in ordered]
    rows.append(line(str(_l("All services")), [t for i in ordered for t in per_service[i]]))
    return Table(
        "waits",
        _l("Wait and service times by service (minutes)"),
        [
            _l("Service"),
            _l("Tickets"),
            _l("Served"),
            _l("No-shows"),
            _l("Transferred on"),
            _l("Median wait"),
            _l("90th percentile wait"),
            _l("Median service"),
            _l("90th percentile service"),
        ],
        rows,
    )


def _service_label(data: QueueData, service: Service) -> str:
    label = f"{service.code} {localized(service)}"
    if data.scope.all_halls:
        hall = next(h for h in data.scope.halls if h.id == service.hall_id)
        label = f"{hall.code} · {label}"
    return label


@dataclass
class HallTime:
    served: int
    within: int
    share: float | None
    median: float | None
    p90: float | None
    target: int
    bins: list[tuple[str, int, bool]]  # label, visits, within target


def time_in_hall(data: QueueData) -> HallTime:
    """Served visits' time in hall: distribution, median, 90th percentile, share in target."""
    # Only a served visit has a time in hall and can be within target (VisitRow.settle).
    values = [v.minutes_in_hall for v in data.visits if v.minutes_in_hall is not None]
    within = sum(1 for v in data.visits if v.within)
    target = min((hall.target_minutes for hall in data.scope.halls), default=10)
    counts: Tally[int] = Tally()
    for value in values:
        # Right-closed bins, (8, 10] and so on, so a visit of exactly the target is inside.
        index = max(0, math.ceil(value / BIN_MINUTES) - 1)
        counts[min(index, LAST_BIN // BIN_MINUTES)] += 1
    bins = []
    for index in range(LAST_BIN // BIN_MINUTES + 1):
        low = index * BIN_MINUTES
        label = f"{low}–{low + BIN_MINUTES}" if low < LAST_BIN else f"{LAST_BIN}+"
        bins.append((label, counts[index], low + BIN_MINUTES <= target))
    return HallTime(
        len(values), within, share(within, len(values)), median(values), p90(values), target, bins
    )


def time_in_hall_table(result: HallTime) -> Table:
    rows = [[label, count] for label, count, _within in result.bins]
    rows += [
        [str(_l("Visitors served")), result.served],
        [str(_l("Within target")), result.within],
        [str(_l("Within target (%)")), result.share],
        [str(_l("Median (minutes)")), result.median],
        [str(_l("90th percentile (minutes)")), result.p90],
        [str(_l("Target (minutes)")), result.target],
    ]
    return Table(
        "time_in_hall",
        _l("Time in hall (minutes, from entering to the last ticket finished)"),
        [_l("Minutes"), _l("Visitors")],
        rows,
    )


def counter_utilisation(data: QueueData) -> Table:
    """Per counter: tickets served, busy minutes, days it served, and busy time as a share
    of the hall's opening hours on those days."""
    served: Tally[int] = Tally()
    busy: defaultdict[int, float] = defaultdict(float)
    days: dict[int, set[date]] = defaultdict(set)
    for visit in data.visits:
        for ticket in visit.tickets:
            if ticket.counter_id is None or ticket.finished_at is None:
                continue
            served[ticket.counter_id] += 1
            busy[ticket.counter_id] += ticket.service or 0
            days[ticket.counter_id].add(visit.day)
    rows = []
    for counter_id in sorted(
        served, key=lambda i: (data.counters[i].hall_id, data.counters[i].number)
    ):
        counter = data.counters[counter_id]
        hall = next(h for h in data.scope.halls if h.id == counter.hall_id)
        opening = (
            datetime.combine(date.min, hall.closes_at) - datetime.combine(date.min, hall.opens_at)
        ).total_seconds() / 60
        label = str(counter.number)
        if data.scope.all_halls:
            label = f"{hall.code} · {label}"
        rows.append(
            [
                label,
                served[counter_id],
                round(busy[counter_id], 1),
                len(days[counter_id]),
                share(busy[counter_id], opening * len(days[counter_id])),
            ]
        )
    return Table(
        "counters",
        _l("Counter utilisation"),
        [
            _l("Counter"),
            _l("Tickets served"),
            _l("Busy minutes"),
            _l("Days serving"),
            _l("Busy share of opening hours (%)"),
        ],
        rows,
    )


def enterprise_room(data: QueueData) -> Table:
    """The enterprise room: its tickets, services recorded, enterprises served, bookings."""
    room_ids = {i for i, s in data.services.items() if s.room == "enterprise"}
    tickets = [t for v in data.visits for t in v.tickets if t.service_id in room_ids]
    waits = [t.wait for t in tickets if t.wait is not None]
    hall_ids = [hall.id for hall in data.scope.halls]
    services, enterprises = db.session.execute(
        select(
            func.count(RegistrationService.id),
            func.count(func.distinct(RegistrationService.enterprise_id)),
        ).where(
            RegistrationService.hall_id.in_(hall_ids),
            RegistrationService.service_day >= data.start,
            RegistrationService.service_day <= data.end,
        )
    ).one()
    bookings = tally_in_range(
        data.scope,
        data.start,
        data.end,
        EnterpriseAppointment.status,
        hall_of=EnterpriseAppointment.hall_id,
        at=EnterpriseAppointment.starts_at,
    )
    return Table(
        "enterprise",
        _l("Enterprise room"),
        [_l("Figure"), _l("Count")],
        [
            [str(_l("Tickets")), len(tickets)],
            [str(_l("Tickets served")), sum(1 for t in tickets if t.status == "done")],
            [str(_l("Median wait (minutes)")), median(waits)],
            [str(_l("Services recorded")), services],
            [str(_l("Enterprises served")), enterprises],
            [str(_l("Bookings kept")), bookings["checked_in"] + bookings["served"]],
            [str(_l("Bookings missed")), bookings["no_show"]],
        ],
    )
