"""What supervisors and the public read of the suggestions: the inbox, "you said, we did",
and the figures (received, replied within deadline, time to reply)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hallapp.extensions import db
from hallapp.models import (
    SUGGESTION_CATEGORIES,
    SUGGESTION_CHANNELS,
    SUGGESTION_OPEN_STATUSES,
    Hall,
    Staff,
    Suggestion,
)
from hallapp.services.feedback_settings import settings
from hallapp.validation import bounded_int

INBOX_LIMIT = 300


@dataclass
class InboxFilter:
    status: str = ""  # "" means every open one, "all" every one
    category: str = ""
    age: str = ""  # "", day, week, older, overdue
    owner: str = ""  # "", "me", "none", or a staff id


def inbox(hall: Hall, filters: InboxFilter, *, me: Staff, now: datetime) -> list[Suggestion]:
    """The supervisor's list: urgent and oldest deadline first."""
    query = select(Suggestion).where(Suggestion.hall_id == hall.id)
    if filters.status == "all":
        pass
    elif filters.status:
        query = query.where(Suggestion.status == filters.status)
    else:
        query = query.where(Suggestion.status.in_(SUGGESTION_OPEN_STATUSES))
    if filters.category:
        query = query.where(Suggestion.category == filters.category)
    if filters.age == "day":
        query = query.where(Suggestion.created_at >= now - timedelta(days=1))
    elif filters.age == "week":
        query = query.where(Suggestion.created_at >= now - timedelta(days=7))
    elif filters.age == "older":
        query = query.where(Suggestion.created_at < now - timedelta(days=7))
    elif filters.age == "overdue":
        query = query.where(
            Suggestion.status.in_(SUGGESTION_OPEN_STATUSES), Suggestion.due_at <= now
        )
    if filters.owner == "me":
        query = query.where(Suggestion.owner_id == me.id)
    elif filters.owner == "none":
        query = query.where(Suggestion.owner_id.is_(None))
    elif (owner_id := bounded_int(filters.owner)) is not None:
        query = query.where(Suggestion.owner_id == owner_id)
    query = (
        query.options(selectinload(Suggestion.owner))
        .order_by((Suggestion.urgency == "urgent").desc(), Suggestion.due_at, Suggestion.id)
        .limit(INBOX_LIMIT)
    )
    return list(db.session.scalars(query))


def said_and_done(hall: Hall, limit: int = 50) -> list[Suggestion]:
    """Closed suggestions supervisors chose to publish, newest first."""
    return list(
        db.session.scalars(
            select(Suggestion)
            .where(Suggestion.hall_id == hall.id, Suggestion.published)
            .order_by(Suggestion.closed_at.desc(), Suggestion.id.desc())
            .limit(limit)
        )
    )


def display_items(hall: Hall, limit: int = 5) -> list[Suggestion]:
    """What the board shows between calls; nothing when the hall has not asked for it."""
    if not settings(hall).show_on_display:
        return []
    return said_and_done(hall, limit=limit)


@dataclass
class FigureRow:
    key: str
    received: int = 0
    replied: int = 0
    replied_on_time: int = 0
    reply_hours: list[float] = field(default_factory=list)

    @property
    def median_hours(self) -> float | None:
        return round(statistics.median(self.reply_hours), 1) if self.reply_hours else None

    @property
    def on_time_share(self) -> float | None:
        return self.replied_on_time / self.received if self.received else None


@dataclass
class Figures:
    start: date
    end: date
    total: FigureRow
    by_category: list[FigureRow]
    by_channel: list[FigureRow]


def figures(hall: Hall, start: date, end: date) -> Figures:
    """Received, replied within deadline and median time to reply, for hall-local dates."""
    tz = ZoneInfo(hall.timezone)
    since = datetime.combine(start, time(0), tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz)
    rows = db.session.execute(
        select(
            Suggestion.category,
            Suggestion.channel,
            Suggestion.created_at,
            Suggestion.replied_at,
            Suggestion.due_at,
        ).where(
            Suggestion.hall_id == hall.id,
            Suggestion.created_at >= since,
            Suggestion.created_at < until,
            Suggestion.duplicate_of_id.is_(None),
        )
    )
    total = FigureRow("total")
    categories = {key: FigureRow(key) for key in SUGGESTION_CATEGORIES}
    channels = {key: FigureRow(key) for key in SUGGESTION_CHANNELS}
    for category, channel, created_at, replied_at, due_at in rows:
        for row in (total, categories[category], channels[channel]):
            row.received += 1
            if replied_at is not None:
                row.replied += 1
                if replied_at <= due_at:
                    row.replied_on_time += 1
                row.reply_hours.append((replied_at - created_at).total_seconds() / 3600)
    return Figures(
        start=start,
        end=end,
        total=total,
        by_category=[row for row in categories.values() if row.received],
        by_channel=[row for row in channels.values() if row.received],
    )
