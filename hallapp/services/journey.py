"""A visit's journey: every step from entering the hall to the rating, with the time between.

A visit's time in the hall runs from entering (`Visit.arrived_at`: the desk's triage or
the kiosk's first ticket) to the end of its last ticket (finished, transferred away,
no-show, walked out or cancelled). It is known once none of its tickets is still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hallapp.extensions import db
from hallapp.models import Hall, Ticket, TicketEvent, Visit
from hallapp.models.feedback import VisitRating
from hallapp.models.guidance import VisitorIdentity
from hallapp.models.queue import OPEN_STATUSES
from hallapp.services.errors import NotFound
from hallapp.services.hall_now import flag_for

STEP_LABELS = {
    "entered": _l("Entered the hall"),
    "triaged": _l("Triaged at the guidance desk"),
    "issued": _l("Ticket issued"),
    "called": _l("Called"),
    "recalled": _l("Called again"),
    "started": _l("Service started"),
    "finished": _l("Service finished"),
    "transferred": _l("Transferred"),
    "no_show": _l("Did not come (no-show)"),
    "recovered": _l("Back in the queue"),
    "parked": _l("Set aside"),
    "unparked": _l("Back from aside"),
    "walked_out": _l("Left before being called"),
    "cancelled": _l("Cancelled"),
    "rated": _l("Rated the visit"),
}


class UnknownVisit(NotFound):
    message = _l("There is no such visit in this hall.")


def ticket_end(ticket: Ticket) -> datetime | None:
    """When a ticket stopped being anyone's turn; None while it is still open."""
    if ticket.status in OPEN_STATUSES:
        return None
    return ticket.finished_at or ticket.closed_at or ticket.no_show_at


def visit_end(tickets: list[Ticket]) -> datetime | None:
    """The end of the visit's last ticket, once none is open."""
    ends = [ticket_end(ticket) for ticket in tickets]
    known = [end for end in ends if end is not None]
    if not ends or len(known) < len(ends):
        return None
    return max(known)


def visit_duration(visit: Visit) -> timedelta | None:
    """Entering to the end of the last ticket, once the visit is over."""
    end = visit_end(list(visit.tickets))
    return None if end is None else max(end - visit.arrived_at, timedelta())


@dataclass(frozen=True)
class Step:
    kind: str
    at: datetime
    label: str | None
    counter: int | None
    since_previous: timedelta | None
    detail: str

    @property
    def text(self) -> str:
        return str(STEP_LABELS.get(self.kind, self.kind))


@dataclass(frozen=True)
class Journey:
    visit: Visit
    tickets: list[Ticket]
    steps: list[Step]
    # Entering to the end of the last ticket; while the visit goes on, entering to now.
    total: timedelta
    over: bool
    target: timedelta
    flag: str

    @property
    def within_target(self) -> bool:
        return self.total <= self.target


def visit_journey(hall: Hall, visit_id: int, *, now: datetime) -> Journey:
    """The visit's timeline in this hall (a visit of another hall is not found)."""
    visit = db.session.scalar(
        select(Visit)
        .where(Visit.id == visit_id, Visit.hall_id == hall.id)
        .options(selectinload(Visit.tickets).selectinload(Ticket.service))
    )
    if visit is None:
        raise UnknownVisit()
    tickets = list(visit.tickets)
    labels = {ticket.id: ticket.label for ticket in tickets}
    raw: list[tuple[datetime, int, str, str | None, int | None, str]] = [
        (visit.arrived_at, 0, "entered", None, None, "")
    ]
    triaged = db.session.scalar(
        select(VisitorIdentity.created_at)
        .where(VisitorIdentity.visit_id == visit.id)
        .order_by(VisitorIdentity.created_at)
        .limit(1)
    )
    if triaged is not None:
        raw.append((triaged, 1, "triaged", None, None, ""))
    if tickets:
        events = db.session.execute(
            select(TicketEvent)
            .where(TicketEvent.ticket_id.in_(labels))
            .options(selectinload(TicketEvent.counter))
            .order_by(TicketEvent.at, TicketEvent.id)
        ).scalars()
        for event in events:
            raw.append(
                (
                    event.at,
                    2 + event.id,
                    event.step,
                    labels[event.ticket_id],
                    event.counter.number if event.counter else None,
                    event.detail if event.step == "transferred" else "",
                )
            )
    rating = db.session.scalar(select(VisitRating).where(VisitRating.visit_id == visit.id))
    if rating is not None:
        raw.append((rating.created_at, 1 << 62, "rated", None, None, ""))
    raw.sort(key=lambda item: (item[0], item[1]))
    steps = []
    previous = None
    for at, _order, kind, label, counter, detail in raw:
        steps.append(Step(kind, at, label, counter, (at - previous) if previous else None, detail))
        previous = at
    end = visit_end(tickets)
    total = max((end or now) - visit.arrived_at, timedelta())
    return Journey(
        visit=visit,
        tickets=tickets,
        steps=steps,
        total=total,
        over=end is not None,
        target=timedelta(minutes=hall.target_minutes),
        flag=flag_for(total, hall.target_minutes),
    )
