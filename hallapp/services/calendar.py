"""Working days and open days, per hall: the clock every deadline and the hall's hours run on.

A working day (for deadlines such as "reply within 5 working days") is Monday to Friday,
minus public holidays, plus the weekend days officially worked in their place. An open
day (for tickets and appointments) follows the hall's opening weekdays the same way.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from hallapp import render_cache
from hallapp.extensions import db
from hallapp.models import Hall
from hallapp.models.calendar import CalendarDay
from hallapp.services import audit, halls
from hallapp.services.errors import Duplicate, InvalidValue

# Built once: every ticket issued asks whether today is an open day.
_OVERRIDES = select(CalendarDay.day, CalendarDay.kind).where(
    CalendarDay.hall_id == bindparam("hall_id"),
    CalendarDay.day >= bindparam("start"),
    CalendarDay.day <= bindparam("end"),
)


def _overrides(hall: Hall, start: date, end: date) -> dict[date, str]:
    rows = db.session.execute(_OVERRIDES, {"hall_id": hall.id, "start": start, "end": end})
    return {day: kind for day, kind in rows}


def _is_working(day: date, overrides: dict[date, str]) -> bool:
    kind = overrides.get(day)
    if kind is not None:
        return kind == "workday"
    return day.isoweekday() <= 5


def is_open_day(hall: Hall, day: date) -> bool:
    """Does the hall open its doors on this date? (Every ticket issued asks: a worker
    remembers a day's entry for LIVE_RECENT_SECONDS, render_cache.recent.)"""
    kind = render_cache.recent(
        ("calendar-day", hall.id, day), lambda: _overrides(hall, day, day).get(day)
    )
    if kind is not None:
        return kind == "workday"
    return str(day.isoweekday()) in hall.open_weekdays


def working_day_deadline(hall: Hall, start: datetime, working_days: int) -> datetime:
    """The end (hall-local midnight) of the n-th working day after the day of `start`."""
    tz = ZoneInfo(hall.timezone)
    day = start.astimezone(tz).date()
    # Two months of calendar covers any deadline the hall sets, holidays included.
    overrides = _overrides(hall, day, day + timedelta(days=working_days * 3 + 60))
    counted = 0
    while counted < working_days:
        day += timedelta(days=1)
        if _is_working(day, overrides):
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def list_days(hall: Hall, start: date | None = None) -> list[CalendarDay]:
    """The hall's holidays and make-up working days, from `start` on."""
    query = select(CalendarDay).where(CalendarDay.hall_id == hall.id)
    if start is not None:
        query = query.where(CalendarDay.day >= start)
    return list(db.session.scalars(query.order_by(CalendarDay.day)))


def add_day(hall: Hall, day: date, kind: str, note: str, *, actor) -> CalendarDay:
    """Mark a date as a public holiday or as a weekend day worked in its place."""
    if kind not in ("holiday", "workday"):
        raise InvalidValue(field="kind")
    if kind == "holiday" and day.isoweekday() > 5:
        raise InvalidValue(_l("This date is a weekend day already."), field="day")
    if kind == "workday" and day.isoweekday() <= 5:
        raise InvalidValue(_l("A make-up working day is a Saturday or a Sunday."), field="day")
    exists = db.session.scalar(
        select(CalendarDay).where(CalendarDay.hall_id == hall.id, CalendarDay.day == day)
    )
    if exists is not None:
        raise Duplicate(_l("This date is in the calendar already."), field="day")
    row = CalendarDay(hall_id=hall.id, day=day, kind=kind, note=(note or "").strip()[:120])
    db.session.add(row)
    audit.record("calendar.add", actor=actor, hall_id=hall.id, target=day.isoformat(), summary=kind)
    db.session.commit()
    return row


def remove_day(hall: Hall, day_id: int, *, actor) -> None:
    """Take a date out of the calendar; it becomes an ordinary weekday or weekend again."""
    row = halls.get_in_hall(CalendarDay, day_id, hall)
    audit.record(
        "calendar.remove",
        actor=actor,
        hall_id=hall.id,
        target=row.day.isoformat(),
        summary=row.kind,
    )
    db.session.delete(row)
    db.session.commit()
