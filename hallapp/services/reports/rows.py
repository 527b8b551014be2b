"""The rows every queue figure is computed from: the visits that entered in the range,
with their tickets' times as plain numbers, loaded once per report."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Float, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from hallapp.extensions import db
from hallapp.models import Counter, Hall, Service, Ticket, Visit
from hallapp.models.queue import OPEN_STATUSES
from hallapp.services.reports.scope import Scope, day_bounds, zone


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
        self.served = bool(finished) and not any(t.status in OPEN_STATUSES for t in tickets)
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
