"""The range and the halls a report covers, and where each hall-local day begins."""

from __future__ import annotations

import re
from collections import Counter as Tally
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.i18n import localized
from hallapp.models import Hall, Staff
from hallapp.services.errors import HallError, InvalidValue, NotFound

MAX_RANGE_DAYS = 400
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class NotYourHall(HallError):
    message = _l("You can see the reports of your own hall only.")
    field = "hall"


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
    """The halls this person may choose in the report's form."""
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


def tally_in_range(
    scope: Scope,
    start: date,
    end: date,
    key: Any,
    *,
    hall_of: Any,
    at: Any,
    joined: tuple[Any, Any] | None = None,
) -> Tally[str]:
    """Rows per value of `key` (a state, a status) whose time `at` fell on the range's
    hall-local days, over the halls of the scope; `joined` adds the table `hall_of` and
    `at` live in."""
    tally: Tally[str] = Tally()
    for hall in scope.halls:
        low, high = day_bounds(hall, start, end)
        query = select(key, func.count()).where(hall_of == hall.id, at >= low, at < high)
        if joined is not None:
            query = query.join(*joined)
        for value, count in db.session.execute(query.group_by(key)):
            tally[value] += count
    return tally
