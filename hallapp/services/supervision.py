"""The supervisor's live board: the hall now (hall_now) and today's promise kept or not.

"Today" is the hall's service day (local midnight to local midnight). A visit counts for
the day it ended, once none of its tickets is open and at least one was served (a visit
that only missed its call is a no-show, counted apart). Percentiles are nearest-rank: the
90th percentile of n visits is the ceil(0.9 n)-th shortest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from hallapp.extensions import db
from hallapp.models import Hall, Staff, Ticket, Visit
from hallapp.models.feedback import SUGGESTION_OPEN_STATUSES, Suggestion
from hallapp.models.guidance import Appointment, AppointmentSlot, DeskCase
from hallapp.services import live
from hallapp.services.hall_now import HallNow, hall_now
from hallapp.services.journey import visit_end
from hallapp.services.reports.tables import nearest_rank

UPCOMING = timedelta(hours=1)


def day_window(hall: Hall, now: datetime) -> tuple[datetime, datetime]:
    """Today's local midnight to the next, as UTC-aware instants (a local day spans two
    UTC dates in Asia/Shanghai)."""
    zone = ZoneInfo(hall.timezone)
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


@dataclass(frozen=True)
class TodayFigures:
    visits_done: int
    median: timedelta | None
    p90: timedelta | None
    within_target: int
    no_shows: int

    @property
    def share_within(self) -> float | None:
        return self.within_target / self.visits_done if self.visits_done else None


def visit_times_today(hall: Hall, *, now: datetime) -> list[timedelta]:
    """Time in hall of each visit that ended today (served at least once)."""
    start, end = day_window(hall, now)
    ended_today = (
        select(Ticket.visit_id)
        .where(
            Ticket.hall_id == hall.id,
            or_(
                Ticket.finished_at.between(start, end),
                Ticket.closed_at.between(start, end),
                Ticket.no_show_at.between(start, end),
            ),
        )
        .distinct()
    )
    rows = db.session.execute(
        select(Visit.id, Visit.arrived_at, Ticket)
        .join(Ticket, Ticket.visit_id == Visit.id)
        .where(Visit.id.in_(ended_today))
        .order_by(Visit.id, Ticket.id)
    ).all()
    visits: dict[int, tuple[datetime, list[Ticket]]] = {}
    for visit_id, arrived_at, ticket in rows:
        visits.setdefault(visit_id, (arrived_at, []))[1].append(ticket)
    times = []
    for arrived_at, tickets in visits.values():
        finished = visit_end(tickets)
        if finished is None or not start <= finished < end or finished > now:
            continue
        if not any(ticket.status == "done" for ticket in tickets):
            continue
        times.append(max(finished - arrived_at, timedelta()))
    return times


def today_figures(hall: Hall, *, now: datetime) -> TodayFigures:
    """Today's median and 90th percentile time in hall, the share within target, no-shows."""
    times = visit_times_today(hall, now=now)
    target = timedelta(minutes=hall.target_minutes)
    start, end = day_window(hall, now)
    no_shows = db.session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.hall_id == hall.id,
            Ticket.status == "no_show",
            Ticket.no_show_at >= start,
            Ticket.no_show_at < end,
        )
    )
    return TodayFigures(
        visits_done=len(times),
        median=nearest_rank(times, 50),
        p90=nearest_rank(times, 90),
        within_target=sum(1 for took in times if took <= target),
        no_shows=no_shows or 0,
    )


@dataclass(frozen=True)
class OfficerServed:
    officer: Staff
    served: int


@dataclass(frozen=True)
class SupervisorBoard:
    version: int
    state: HallNow
    today: TodayFigures
    officers: list[OfficerServed]
    suggestions_open: int
    suggestions_overdue: int
    cases_due_today: int
    appointments_next_hour: int


def supervisor_board(hall: Hall, *, now: datetime) -> SupervisorBoard:
    """Everything the supervisor's home shows, from the hall now and today's records."""
    state = hall_now(hall, now=now)
    served = db.session.execute(
        select(Staff, func.count(Ticket.id))
        .join(Ticket, Ticket.officer_id == Staff.id)
        .where(Ticket.hall_id == hall.id, Ticket.service_day == state.day, Ticket.status == "done")
        .group_by(Staff.id)
        .order_by(func.count(Ticket.id).desc(), Staff.id)
    ).all()
    open_suggestions, overdue = db.session.execute(
        select(
            func.count(Suggestion.id),
            func.count(Suggestion.id).filter(Suggestion.due_at <= now),
        ).where(Suggestion.hall_id == hall.id, Suggestion.status.in_(SUGGESTION_OPEN_STATUSES))
    ).one()
    cases = db.session.scalar(
        select(func.count(DeskCase.id)).where(
            DeskCase.hall_id == hall.id, DeskCase.state == "open", DeskCase.due_on <= state.day
        )
    )
    upcoming = db.session.scalar(
        select(func.count(Appointment.id))
        .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
        .where(
            AppointmentSlot.hall_id == hall.id,
            Appointment.state == "booked",
            AppointmentSlot.starts_at >= now,
            AppointmentSlot.starts_at < now + UPCOMING,
        )
    )
    return SupervisorBoard(
        version=live.current_version(hall.id),
        state=state,
        today=today_figures(hall, now=now),
        officers=[OfficerServed(officer, count) for officer, count in served],
        suggestions_open=open_suggestions or 0,
        suggestions_overdue=overdue or 0,
        cases_due_today=cases or 0,
        appointments_next_hour=upcoming or 0,
    )
