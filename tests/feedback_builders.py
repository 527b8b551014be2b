"""Test helpers for citizen suggestions."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hallapp.blueprints.feedback.spam import form_stamp
from hallapp.extensions import db
from hallapp.models import Counter, Hall, Staff, Suggestion
from hallapp.services import calendar, feedback, queue

# Monday 2 November 2026, 10:00 in the hall (02:00 UTC).
MONDAY_10AM = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def make_suggestion(
    hall: Hall,
    text: str = "The self-service machines are hard to use for elderly people.",
    *,
    now: datetime = MONDAY_10AM,
    category: str = "machines",
    **fields,
) -> Suggestion:
    return feedback.submit_suggestion(hall, text=text, category=category, now=now, **fields)


def next_working_day(hall: Hall, day: date) -> date:
    """The working day after `day`, as the reply deadlines count them."""
    start = datetime.combine(day, time(10), tzinfo=ZoneInfo(hall.timezone))
    deadline = calendar.working_day_deadline(hall, start, 1)  # the end of that day
    return (deadline - timedelta(days=1)).date()


def old_stamp(seconds: int = 60) -> str:
    """A form stamp as if the citizen opened the form `seconds` ago."""
    return form_stamp(datetime.now(UTC) - timedelta(seconds=seconds))


def suggestion_post(**fields) -> dict:
    data = {
        "category": "machines",
        "text": "The self-service machines are hard to use for elderly people.",
        "contact_phone": "",
        "started": old_stamp(),
        "website": "",
    }
    data.update(fields)
    return data


def replied_and_closed(suggestion: Suggestion, supervisor: Staff, now: datetime) -> Suggestion:
    feedback.triage(
        suggestion, actor=supervisor, now=now, category=suggestion.category, owner=supervisor
    )
    feedback.reply(suggestion, actor=supervisor, now=now, text="We widened the screens.")
    return feedback.close(suggestion, actor=supervisor, now=now)


def finished_ticket(
    hall: Hall, officer: Staff, *, counter_number: int = 1, now=MONDAY_10AM, visit=None, code="A"
):
    """A ticket issued, called, served and finished at a counter by `officer`."""
    counter = db.session.scalar(
        select(Counter).where(Counter.hall_id == hall.id, Counter.number == counter_number)
    )
    counter.state = "open"
    db.session.commit()
    ticket = queue.issue_ticket(hall, code, source="desk", now=now, visit=visit)
    queue.call_next(counter, now=now, actor=officer)
    queue.start(ticket, now=now, actor=officer)
    return queue.finish(ticket, now=now + timedelta(minutes=5), actor=officer)
