"""Rating a visit, as the government service halls rate their windows.

One rating per visit, five levels, optional reasons. It is offered once the visit's last
ticket is finished and is tied to the counter and officer who finished it. A dissatisfied
rating opens a feedback item due in five working days; one left with a phone number needs
a logged callback before it can be closed. An officer may appeal; a supervisor decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import (
    DISSATISFIED_LEVELS,
    RATING_REASONS,
    RATING_SOURCES,
    Counter,
    Hall,
    Staff,
    Ticket,
    Visit,
    VisitRating,
)
from hallapp.models.queue import OPEN_STATUSES as OPEN_TICKET_STATUSES
from hallapp.services import audit, devices, feedback
from hallapp.services.errors import HallError, InvalidValue, NotFound

# Working days to verify a dissatisfied rating and put it right.
DISSATISFIED_WORKING_DAYS = 5
# The tablet beside a counter offers the rating only this long after the service ended.
TABLET_WINDOW = timedelta(minutes=10)
# Which suggestion category a dissatisfied rating lands in, by its first reason.
REASON_CATEGORIES = {"waiting": "waiting", "rules": "documents", "many_trips": "documents"}


class NotYetRateable(HallError):
    message = _l("You can rate your visit once your last ticket is finished.")


class AlreadyRated(HallError):
    message = _l("This visit has been rated already. Thank you.")


class AppealNotAllowed(HallError):
    message = _l("This rating cannot be appealed.")


def last_finished_ticket(visit: Visit) -> Ticket | None:
    """The ticket whose counter and officer the rating goes to, or None while one is open."""
    tickets = list(visit.tickets)
    if any(ticket.status in OPEN_TICKET_STATUSES for ticket in tickets):
        return None
    done = [(t.finished_at, t.id, t) for t in tickets if t.status == "done" and t.finished_at]
    return max(done)[2] if done else None


def rating_of(visit: Visit) -> VisitRating | None:
    return db.session.scalar(select(VisitRating).where(VisitRating.visit_id == visit.id))


def rate_visit(
    ticket: Ticket,
    *,
    level: int,
    reasons: list[str] | None = None,
    comment: str = "",
    contact_phone: str | None = None,
    source: str = "tracking",
    now: datetime,
) -> VisitRating:
    """Record the citizen's rating; a dissatisfied one opens a feedback item at once."""
    visit = ticket.visit
    if rating_of(visit) is not None:
        raise AlreadyRated()
    last = last_finished_ticket(visit)
    if last is None:
        raise NotYetRateable()
    if level not in (1, 2, 3, 4, 5):
        raise InvalidValue(_l("Choose how satisfied you are."), field="level")
    reasons = [reason for reason in (reasons or []) if reason]
    if any(reason not in RATING_REASONS for reason in reasons):
        raise InvalidValue(field="reasons")
    if source not in RATING_SOURCES:
        raise InvalidValue(field="source")
    comment = (comment or "").strip()
    if len(comment) > feedback.MAX_TEXT:
        raise InvalidValue(
            _l("Please keep it under %(max)d characters.", max=feedback.MAX_TEXT),
            field="comment",
        )
    phone = feedback.normalize_phone(contact_phone)
    rating = VisitRating(
        hall_id=visit.hall_id,
        visit_id=visit.id,
        ticket_id=last.id,
        counter_id=last.counter_id,
        officer_id=last.officer_id,
        level=level,
        reasons=",".join(reasons),
        comment=comment,
        source=source,
        created_at=now,
    )
    db.session.add(rating)
    if level in DISSATISFIED_LEVELS:
        counter = db.session.get(Counter, last.counter_id) if last.counter_id else None
        where = f"{last.label} {last.service_day.isoformat()}"
        if counter is not None:
            where += f" · #{counter.number}"
        rating.suggestion = feedback.new_suggestion(
            visit.hall,
            text=comment or "-",
            category=REASON_CATEGORIES.get(reasons[0], "staff") if reasons else "staff",
            now=now,
            contact_phone=phone,
            wants_reply=bool(phone),
            channel="rating",
            visit_ref=where,
            callback_required=bool(phone),
            working_days=DISSATISFIED_WORKING_DAYS,
        )
    db.session.commit()
    return rating


def ticket_for_tablet(hall: Hall, counter_number: int, *, now: datetime) -> Ticket | None:
    """The visit just finished at this counter, if it is still waiting for its rating."""
    counter = db.session.scalar(
        select(Counter).where(Counter.hall_id == hall.id, Counter.number == counter_number)
    )
    if counter is None:
        raise NotFound()
    ticket = db.session.scalar(
        select(Ticket)
        .where(
            Ticket.counter_id == counter.id,
            Ticket.status == "done",
            Ticket.finished_at >= now - TABLET_WINDOW,
        )
        .order_by(Ticket.finished_at.desc())
        .limit(1)
    )
    if ticket is None or rating_of(ticket.visit) is not None:
        return None
    if last_finished_ticket(ticket.visit) is None:
        return None
    return ticket


def ratings_of_officer(officer: Staff, limit: int = 100) -> list[VisitRating]:
    return list(
        db.session.scalars(
            select(VisitRating)
            .where(VisitRating.officer_id == officer.id)
            .order_by(VisitRating.created_at.desc())
            .limit(limit)
        )
    )


def pending_appeals(hall: Hall) -> list[VisitRating]:
    return list(
        db.session.scalars(
            select(VisitRating)
            .where(VisitRating.hall_id == hall.id, VisitRating.appeal_state == "pending")
            .order_by(VisitRating.appealed_at)
        )
    )


def appeal(rating: VisitRating, *, officer: Staff, reason: str, now: datetime) -> VisitRating:
    """The rated officer asks for a rating they believe unfair to be looked at again, once."""
    if rating.officer_id != officer.id or rating.appeal_state is not None:
        raise AppealNotAllowed()
    if rating.level not in DISSATISFIED_LEVELS:
        raise AppealNotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidValue(_l("Say why the rating is unfair."), field="reason")
    rating.appeal_state = "pending"
    rating.appeal_reason = reason[:2000]
    rating.appealed_at = now
    audit.record(
        "rating.appeal",
        actor=officer,
        hall_id=rating.hall_id,
        target=f"rating:{rating.id}",
        now=now,
    )
    db.session.commit()
    return rating


def decide_appeal(
    rating: VisitRating, *, supervisor: Staff, upheld: bool, note: str, now: datetime
) -> VisitRating:
    """A supervisor decides; an upheld appeal takes the rating out of the officer's figures."""
    if rating.appeal_state != "pending":
        raise AppealNotAllowed()
    if supervisor.id == rating.officer_id:
        raise AppealNotAllowed(_l("Another supervisor must decide on your own rating."))
    note = (note or "").strip()
    if not note:
        raise InvalidValue(_l("Write down the reason for the decision."), field="note")
    rating.appeal_state = "upheld" if upheld else "rejected"
    rating.appeal_decided_by_id = supervisor.id
    rating.appeal_decided_at = now
    rating.appeal_decision = note[:2000]
    rating.excluded = bool(upheld)
    audit.record(
        "rating.appeal.decide",
        actor=supervisor,
        hall_id=rating.hall_id,
        target=f"rating:{rating.id}",
        summary=rating.appeal_state,
        now=now,
    )
    db.session.commit()
    return rating


def tablet_device(hall: Hall, counter_number: int, token: str, *, now: datetime):
    """The counter device token that opens the rating tablet beside this counter, or None."""
    device = devices.device_of(token, now=now)
    return device if tablet_device_is_valid(device, hall, counter_number, now=now) else None


def tablet_device_is_valid(device, hall: Hall, counter_number: int, *, now: datetime) -> bool:
    """Only a counter's own device may show the rating of the visit just finished there."""
    if device is None or device.kind != "counter" or device.hall_id != hall.id:
        return False
    if device.revoked_at is not None or (device.expires_at and device.expires_at <= now):
        return False
    counter = db.session.get(Counter, device.counter_id) if device.counter_id else None
    return counter is not None and counter.number == counter_number
