"""Reports for a date range: one function per figure, used by the page and the exports alike.

Counting rules (shown on the report page too):
- A visit, and every ticket of it, counts on the hall-local day it entered, even when a
  transfer after local midnight gave it a ticket dated the next service day.
- Time in hall runs from entering to the last ticket finished; a visit counts as served
  when it has a finished ticket and none still open.
- Wait is issue to first call; service is start to finish at the counter. The 90th
  percentile is the nearest-rank one: the smallest value at least 90 % of values reach.
"""

from __future__ import annotations

import gc
import math
import re
import statistics
from bisect import bisect_right
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from hallapp.extensions import db
from hallapp.models import (
    FREE_SERVICE_KINDS,
    Appointment,
    AppointmentSlot,
    Counter,
    EnterpriseAppointment,
    FreeService,
    Hall,
    RegistrationService,
    Service,
    Staff,
    Suggestion,
    Ticket,
    Visit,
    VisitRating,
)
from hallapp.services.errors import HallError, InvalidValue, NotFound

MAX_RANGE_DAYS = 400
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Time-in-hall histogram: 2-minute bins up to 30 minutes, then one bin for the rest.
BIN_MINUTES = 2
LAST_BIN = 30


class NotYourHall(HallError):
    message = _l("You can see the reports of your own hall only.")
    field = "hall"


# Range and scope


def parse_day(text: str | None, *, field_name: str) -> date | None:
    """YYYY-MM-DD only: 01/02/2026 means different days to different people."""
    text = (text or "").strip()
    if not text:
        return None
    if not ISO_DATE.match(text):
        raise InvalidValue(
            _l("Write the date as year-month-day, for example 2026-12-01."), field=field_name
        )
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(_l("There is no such date."), field=field_name) from None


def parse_range(start_text: str | None, end_text: str | None, *, today: date) -> tuple[date, date]:
    """The range asked for; by default the month so far."""
    start = parse_day(start_text, field_name="start") or today.replace(day=1)
    end = parse_day(end_text, field_name="end") or today
    if end < start:
        raise InvalidValue(_l("The end date is before the start date."), field="end")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidValue(
            _l("A report covers at most %(days)d days.", days=MAX_RANGE_DAYS), field="end"
        )
    return start, end


@dataclass
class Scope:
    halls: list[Hall]
    all_halls: bool

    @property
    def code(self) -> str:
        return "all" if self.all_halls else self.halls[0].code


def resolve_scope(staff: Staff, hall_code: str | None) -> Scope:
    """Supervisors see their own hall; administrators any hall, or all of them together."""
    code = (hall_code or "").strip()
    is_admin = staff.has_role("admin")
    if not code:
        code = "all" if is_admin else staff.hall.code
    if code == "all":
        if not is_admin:
            raise NotYourHall()
        halls = list(db.session.scalars(select(Hall).where(Hall.active).order_by(Hall.code)))
        return Scope(halls, True)
    hall = db.session.scalar(select(Hall).where(Hall.code == code))
    if hall is None:
        raise NotFound(_l("There is no hall with the code %(code)s.", code=code), field="hall")
    if not is_admin and hall.id != staff.hall_id:
        raise NotYourHall()
    return Scope([hall], False)


def hall_choices(staff: Staff) -> list[tuple[str, str]]:
    from hallapp.i18n import localized

    if not staff.has_role("admin"):
        return [(staff.hall.code, localized(staff.hall))]
    halls = db.session.scalars(select(Hall).where(Hall.active).order_by(Hall.code))
    return [("all", str(_l("All halls")))] + [(hall.code, localized(hall)) for hall in halls]


def zone(hall: Hall) -> ZoneInfo:
    return ZoneInfo(hall.timezone or "Asia/Shanghai")


def day_bounds(hall: Hall, start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at the start and after the end."""
    tz = zone(hall)
    low = datetime.combine(start, time(0), tz).astimezone(UTC)
    high = datetime.combine(end + timedelta(days=1), time(0), tz).astimezone(UTC)
    return low, high


# The rows every queue figure is computed from


OPEN_TICKET = frozenset(("waiting", "called", "serving", "parked"))


class EpochSeconds(FunctionElement):
    """Seconds since 1970 (UTC) of a stored time, as a float, computed by the database:
    a year of tickets loads as plain numbers instead of parsed datetimes."""

    type = Float()
    inherit_cache = True


@compiles(EpochSeconds)
def _epoch_postgresql(element, compiler, **kw):
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS FLOAT)"


@compiles(EpochSeconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    # SQLite keeps UTC as text; julianday() reads it, 2440587.5 is 1970-01-01 00:00 UTC.
    # A julianday is a double good to ~50 µs: rounded to the millisecond, 09:00 stays 09:00.
    column = compiler.process(element.clauses, **kw)
    return f"ROUND((julianday({column}) - 2440587.5) * 86400.0, 3)"


class LocalClock:
    """Hall-local date and hour of epoch seconds, by the local midnights of the range."""

    def __init__(self, hall: Hall, start: date, end: date):
        tz = zone(hall)
        self.first = start - timedelta(days=1)
        self.midnights = [
            datetime.combine(self.first + timedelta(days=n), time(0), tz).timestamp()
            for n in range((end - start).days + 4)
        ]

    def day_hour(self, seconds: float) -> tuple[date, int]:
        index = max(0, bisect_right(self.midnights, seconds) - 1)
        return self.first + timedelta(days=index), int((seconds - self.midnights[index]) // 3600)


@dataclass(slots=True)
class TicketRow:
    """A ticket's times as epoch seconds (None when the step never happened)."""

    service_id: int
    status: str
    issued_at: float
    called_at: float | None
    started_at: float | None
    finished_at: float | None
    counter_id: int | None
    # Worked out once when loaded: minutes waited and served, local hour of issue,
    # local day and hour of the first call.
    wait: float | None = None
    service: float | None = None
    issued_hour: int = 0
    called_local: tuple[date, int] | None = None


@dataclass(slots=True)
class VisitRow:
    id: int
    hall: Hall
    arrived_at: float
    day: date
    hour: int
    tickets: list[TicketRow] = field(default_factory=list)
    served: bool = False
    minutes_in_hall: float | None = None
    within: bool = False

    def settle(self) -> None:
        """Served (a finished ticket, none open), time in hall, and within target."""
        tickets = self.tickets
        finished = [t.finished_at for t in tickets if t.finished_at is not None]
        self.served = bool(finished) and not any(t.status in OPEN_TICKET for t in tickets)
        if self.served:
            self.minutes_in_hall = _minutes(max(finished) - self.arrived_at)
            self.within = self.minutes_in_hall <= self.hall.target_minutes


def _minutes(seconds: float) -> float:
    # Rounded to the microsecond's share of a minute: julianday() arithmetic is binary
    # floating point, and 10 minutes must stay exactly 10 against a 10-minute target.
    return round(seconds / 60, 6)


def minutes(later: float | None, earlier: float | None) -> float | None:
    if later is None or earlier is None:
        return None
    return _minutes(later - earlier)


@dataclass
class QueueData:
    scope: Scope
    start: date
    end: date
    visits: list[VisitRow]
    services: dict[int, Service]
    counters: dict[int, Counter]


def queue_data(scope: Scope, start: date, end: date) -> QueueData:
    """The visits that entered in the range, with their tickets: one query per hall,
    served by the index on (hall, arrival) and the tickets' index on their visit."""
    visits: dict[int, VisitRow] = {}
    for hall in scope.halls:
        low, high = day_bounds(hall, start, end)
        clock = LocalClock(hall, start, end)
        in_range = (Visit.hall_id == hall.id, Visit.arrived_at >= low, Visit.arrived_at < high)
        settled = []
        for visit_id, arrived_at in db.session.execute(
            select(Visit.id, EpochSeconds(Visit.arrived_at)).where(*in_range)
        ):
            day, hour = clock.day_hour(arrived_at)
            visit = visits[visit_id] = VisitRow(visit_id, hall, arrived_at, day, hour)
            settled.append(visit)
        # A visit's tickets are issued on the day it entered or, after a late transfer,
        # the next: the (hall, service day) index finds them without reading the rest.
        rows = db.session.execute(
            select(
                Ticket.visit_id,
                Ticket.service_id,
                Ticket.status,
                EpochSeconds(Ticket.issued_at),
                EpochSeconds(Ticket.called_at),
                EpochSeconds(Ticket.started_at),
                EpochSeconds(Ticket.finished_at),
                Ticket.counter_id,
            )
            .join(Visit, Ticket.visit_id == Visit.id)
            .where(
                Ticket.hall_id == hall.id,
                Ticket.service_day >= start,
                Ticket.service_day <= end + timedelta(days=1),
                *in_range,
            )
            .order_by(Ticket.id)
        )
        for visit_id, *ticket in rows:
            row = TicketRow(*ticket)
            row.wait = minutes(row.called_at, row.issued_at)
            row.service = minutes(row.finished_at, row.started_at)
            row.issued_hour = clock.day_hour(row.issued_at)[1]
            if row.called_at is not None:
                row.called_local = clock.day_hour(row.called_at)
            visits[visit_id].tickets.append(row)
        for visit in settled:
            visit.settle()
    hall_ids = [hall.id for hall in scope.halls]
    services = {
        s.id: s for s in db.session.scalars(select(Service).where(Service.hall_id.in_(hall_ids)))
    }
    counters = {
        c.id: c for c in db.session.scalars(select(Counter).where(Counter.hall_id.in_(hall_ids)))
    }
    return QueueData(scope, start, end, list(visits.values()), services, counters)


# Small statistics


def median(values: list[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def p90(values: list[float]) -> float | None:
    """Nearest rank: the smallest value that at least 90 % of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return round(float(ordered[math.ceil(0.9 * len(ordered)) - 1]), 1)


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _within_target(visit: VisitRow) -> bool:
    return visit.within


# Figures


@dataclass
class Table:
    """One figure as the page, the CSV and the workbook all show it: header, then rows."""

    key: str
    title: object
    columns: list[object]
    rows: list[list[object]]


def by_day(data: QueueData) -> Table:
    """Visitors and tickets per day, served visits, the share within target, no-shows."""
    per_day: dict[date, list[VisitRow]] = defaultdict(list)
    for visit in data.visits:
        per_day[visit.day].append(visit)
    rows = []
    for day in _days(data.start, data.end):
        visits = per_day.get(day, [])
        served = [v for v in visits if v.served]
        within = sum(1 for v in served if _within_target(v))
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
    visitors = Tally()
    tickets = Tally()
    in_use: dict[tuple[date, int], set[int]] = defaultdict(set)
    days = set()
    for visit in data.visits:
        days.add((visit.hall.id, visit.day))
        visitors[visit.hour] += 1
        for ticket in visit.tickets:
            tickets[ticket.issued_hour] += 1
            if ticket.called_local is not None and ticket.counter_id is not None:
                in_use[ticket.called_local].add(ticket.counter_id)
    counters_by_hour = Tally()
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
    from hallapp.i18n import localized

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
    spent = [(v.minutes_in_hall, v) for v in data.visits if v.served]
    values = [m for m, _v in spent]
    within = sum(1 for _m, v in spent if _within_target(v))
    target = min((hall.target_minutes for hall in data.scope.halls), default=10)
    counts = Tally()
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
    served = Tally()
    busy = defaultdict(float)
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


def appointments(scope: Scope, start: date, end: date) -> Table:
    """Appointments whose slot fell in the range: kept, missed, cancelled, still booked."""
    tally = Tally()
    for hall in scope.halls:
        low, high = day_bounds(hall, start, end)
        for state, count in db.session.execute(
            select(Appointment.state, func.count(Appointment.id))
            .join(AppointmentSlot, Appointment.slot_id == AppointmentSlot.id)
            .where(
                AppointmentSlot.hall_id == hall.id,
                AppointmentSlot.starts_at >= low,
                AppointmentSlot.starts_at < high,
            )
            .group_by(Appointment.state)
        ):
            tally[state] += count
    booked = tally["checked_in"] + tally["no_show"] + tally["booked"]
    return Table(
        "appointments",
        _l("Appointments"),
        [_l("Figure"), _l("Count")],
        [
            [str(_l("Booked (not cancelled)")), booked],
            [str(_l("Kept")), tally["checked_in"]],
            [str(_l("Missed")), tally["no_show"]],
            [str(_l("Cancelled")), tally["cancelled"]],
            [
                str(_l("Kept (%)")),
                share(tally["checked_in"], tally["checked_in"] + tally["no_show"]),
            ],
        ],
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
    bookings = Tally()
    for hall in data.scope.halls:
        low, high = day_bounds(hall, data.start, data.end)
        for status, count in db.session.execute(
            select(EnterpriseAppointment.status, func.count(EnterpriseAppointment.id))
            .where(
                EnterpriseAppointment.hall_id == hall.id,
                EnterpriseAppointment.starts_at >= low,
                EnterpriseAppointment.starts_at < high,
            )
            .group_by(EnterpriseAppointment.status)
        ):
            bookings[status] += count
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


def suggestions(scope: Scope, start: date, end: date) -> Table:
    """Suggestions received in the range, and how many are answered."""
    tally = Tally()
    for hall in scope.halls:
        low, high = day_bounds(hall, start, end)
        for status, count in db.session.execute(
            select(Suggestion.status, func.count(Suggestion.id))
            .where(
                Suggestion.hall_id == hall.id,
                Suggestion.created_at >= low,
                Suggestion.created_at < high,
            )
            .group_by(Suggestion.status)
        ):
            tally[status] += count
    received = sum(tally.values())
    answered = tally["replied"] + tally["closed"]
    return Table(
        "suggestions",
        _l("Suggestions"),
        [_l("Figure"), _l("Count")],
        [
            [str(_l("Received")), received],
            [str(_l("Replied or closed")), answered],
            [str(_l("Still open")), received - answered],
        ],
    )


def _rating_rows(scope: Scope, start: date, end: date) -> list[tuple]:
    rows = []
    for hall in scope.halls:
        low, high = day_bounds(hall, start, end)
        rows += db.session.execute(
            select(VisitRating.level, VisitRating.counter_id, VisitRating.officer_id).where(
                VisitRating.hall_id == hall.id,
                VisitRating.created_at >= low,
                VisitRating.created_at < high,
                VisitRating.excluded.is_(False),
            )
        ).all()
    return rows


def ratings(scope: Scope, start: date, end: date) -> Table:
    """Ratings given in the range (appeals upheld left out): overall, per counter, per
    officer. Satisfied means 4 or 5 of 5."""
    rows = _rating_rows(scope, start, end)
    counters = {
        c.id: c
        for c in db.session.scalars(
            select(Counter).where(Counter.id.in_({r[1] for r in rows if r[1]}))
        )
    }
    officers = {
        s.id: s.full_name
        for s in db.session.scalars(select(Staff).where(Staff.id.in_({r[2] for r in rows if r[2]})))
    }

    def line(split: str, label: str, levels: list[int]) -> list[object]:
        return [
            split,
            label,
            len(levels),
            round(sum(levels) / len(levels), 2) if levels else None,
            share(sum(1 for level in levels if level >= 4), len(levels)),
        ]

    table = [line(str(_l("All")), str(_l("All ratings")), [r[0] for r in rows])]
    by_counter: dict[int, list[int]] = defaultdict(list)
    by_officer: dict[int, list[int]] = defaultdict(list)
    for level, counter_id, officer_id in rows:
        if counter_id:
            by_counter[counter_id].append(level)
        if officer_id:
            by_officer[officer_id].append(level)
    for counter_id in sorted(by_counter, key=lambda i: (counters[i].hall_id, counters[i].number)):
        table.append(
            line(str(_l("Counter")), str(counters[counter_id].number), by_counter[counter_id])
        )
    for officer_id in sorted(by_officer, key=lambda i: officers.get(i, "")):
        table.append(line(str(_l("Officer")), officers.get(officer_id, ""), by_officer[officer_id]))
    return Table(
        "ratings",
        _l("Ratings"),
        [
            _l("Split"),
            _l("Counter or officer"),
            _l("Ratings"),
            _l("Average (1–5)"),
            _l("Satisfied (%)"),
        ],
        table,
    )


FREE_SERVICE_LABELS = {"photocopy": _l("Photocopies"), "photo": _l("Photos")}


def free_services(scope: Scope, start: date, end: date) -> Table:
    """Free photocopies and photos the desk recorded, per kind."""
    tally = Tally(
        dict(
            db.session.execute(
                select(FreeService.kind, func.count(FreeService.id))
                .where(
                    FreeService.hall_id.in_([hall.id for hall in scope.halls]),
                    FreeService.service_day >= start,
                    FreeService.service_day <= end,
                )
                .group_by(FreeService.kind)
            ).all()
        )
    )
    return Table(
        "free_services",
        _l("Free services given"),
        [_l("Service"), _l("Count")],
        [[str(FREE_SERVICE_LABELS[kind]), tally[kind]] for kind in FREE_SERVICE_KINDS],
    )


# The whole report


@dataclass
class Report:
    scope: Scope
    start: date
    end: date
    hall_time: HallTime
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def report(scope: Scope, start: date, end: date) -> Report:
    # Tens of thousands of small rows: the cyclic garbage collector would walk them again
    # and again while they are built (none of them forms a cycle), so it waits until done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = queue_data(scope, start, end)
        hall_time = time_in_hall(data)
        tables = [
            by_day(data),
            by_hour(data),
            waits_by_service(data),
            time_in_hall_table(hall_time),
            counter_utilisation(data),
            appointments(scope, start, end),
            enterprise_room(data),
            suggestions(scope, start, end),
            ratings(scope, start, end),
            free_services(scope, start, end),
        ]
    finally:
        if collecting:
            gc.enable()
    return Report(scope, start, end, hall_time, tables)


# The A4 daily summary: the eight numbers a branch chief reports


@dataclass
class Summary:
    report: Report
    numbers: list[tuple[object, object, object]]  # label, value, unit


def daily_summary(scope: Scope, day: date) -> Summary:
    result = report(scope, day, day)
    day_row = result.table("by_day").rows[0]
    waits = result.table("waits").rows[-1]
    ratings_row = result.table("ratings").rows[0]
    kept = result.table("appointments").rows
    numbers = [
        (_l("Visitors"), day_row[1], ""),
        (_l("Served within target"), result.hall_time.share, "%"),
        (_l("Median time in hall"), result.hall_time.median, _l("min")),
        (_l("90th percentile time in hall"), result.hall_time.p90, _l("min")),
        (_l("Median wait"), waits[5], _l("min")),
        (_l("No-shows"), day_row[6], ""),
        (_l("Appointments kept / booked"), f"{kept[1][1]} / {kept[0][1]}", ""),
        (_l("Average rating"), ratings_row[3], "/ 5"),
    ]
    return Summary(result, numbers)


# Free services, one tap at the desk


def record_free_service(hall: Hall, kind: str, *, now: datetime, actor: Staff | None) -> int:
    """Count one free photocopy or photo; returns today's count of that kind."""
    if kind not in FREE_SERVICE_KINDS:
        raise InvalidValue(_l("Choose photocopy or photo."), field="kind")
    day = now.astimezone(zone(hall)).date()
    db.session.add(
        FreeService(
            hall_id=hall.id,
            kind=kind,
            service_day=day,
            at=now,
            recorded_by_id=actor.id if actor else None,
        )
    )
    db.session.commit()
    return free_services_today(hall, now=now)[kind]


def free_services_today(hall: Hall, *, now: datetime) -> dict[str, int]:
    day = now.astimezone(zone(hall)).date()
    counts = dict(
        db.session.execute(
            select(FreeService.kind, func.count(FreeService.id))
            .where(FreeService.hall_id == hall.id, FreeService.service_day == day)
            .group_by(FreeService.kind)
        ).all()
    )
    return {kind: counts.get(kind, 0) for kind in FREE_SERVICE_KINDS}
