"""Citizen suggestions: what was said, who looks after it, what was done and replied."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .hall import Hall
from .staff import Staff

SUGGESTION_CATEGORIES = (
    "waiting",
    "machines",
    "staff",
    "documents",
    "facilities",
    "accessibility",
    "other",
)
# Where the suggestion came from: the public form, the kiosk, or staff writing it down.
SUGGESTION_CHANNELS = ("form", "kiosk", "desk", "paper", "hotline_12345", "hotline_12367", "rating")
SUGGESTION_STATUSES = ("new", "triaged", "in_progress", "replied", "closed")
SUGGESTION_OPEN_STATUSES = ("new", "triaged", "in_progress")
URGENCIES = ("normal", "urgent")
FOLLOW_UP_KINDS = ("call", "invitation", "callback", "visit")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Suggestion(Base):
    __tablename__ = "suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    # Short enough to type from a slip, long and random enough never to be guessed.
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="form")
    category: Mapped[str] = mapped_column(String(16), default="other")
    text: Mapped[str] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    wants_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    # The visit or ticket it concerns, as staff wrote it down (e.g. "A012 on 3 March").
    visit_ref: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion.id", ondelete="SET NULL")
    )
    public_reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A dissatisfied rating left with a phone number needs a logged callback before closing.
    callback_required: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    # What changed, in words fit for the public "you said, we did" page.
    published_change: Mapped[str | None] = mapped_column(Text)

    hall: Mapped[Hall] = relationship()
    owner: Mapped[Staff | None] = relationship(foreign_keys=[owner_id])
    recorded_by: Mapped[Staff | None] = relationship(foreign_keys=[recorded_by_id])
    duplicate_of: Mapped[Suggestion | None] = relationship(remote_side=[id])
    events: Mapped[list[SuggestionEvent]] = relationship(
        back_populates="suggestion",
        order_by="SuggestionEvent.id",
        cascade="all, delete-orphan",
    )
    notes: Mapped[list[SuggestionNote]] = relationship(
        order_by="SuggestionNote.id", cascade="all, delete-orphan"
    )
    actions: Mapped[list[SuggestionAction]] = relationship(
        order_by="SuggestionAction.id", cascade="all, delete-orphan"
    )
    follow_ups: Mapped[list[SuggestionFollowUp]] = relationship(
        order_by="SuggestionFollowUp.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(_in("channel", SUGGESTION_CHANNELS), name="channel_known"),
        CheckConstraint(_in("category", SUGGESTION_CATEGORIES), name="category_known"),
        CheckConstraint(_in("status", SUGGESTION_STATUSES), name="status_known"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency_known"),
    )

    def is_overdue(self, now: datetime) -> bool:
        """Still waiting for an answer after its deadline."""
        return self.status in SUGGESTION_OPEN_STATUSES and now >= self.due_at

    @property
    def due_on(self) -> date:
        """The last day to reply on: `due_at` is the hall-local midnight that ends it."""
        local = self.due_at.astimezone(ZoneInfo(self.hall.timezone))
        return (local - timedelta(microseconds=1)).date()

    @property
    def code_display(self) -> str:
        return f"{self.tracking_code[:5]}-{self.tracking_code[5:]}"

    def __repr__(self) -> str:
        return f"<Suggestion {self.tracking_code} {self.status}>"


class SuggestionEvent(Base):
    """Every step of a suggestion: who, when, from which status to which."""

    __tablename__ = "suggestion_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestion.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")

    suggestion: Mapped[Suggestion] = relationship(back_populates="events")
    actor: Mapped[Staff | None] = relationship()


class SuggestionNote(Base):
    """An internal note: staff only, never on the citizen's tracking page."""

    __tablename__ = "suggestion_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestion.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[Staff | None] = relationship()


class SuggestionAction(Base):
    """What the hall did about it, e.g. "screens widened and fonts enlarged"."""

    __tablename__ = "suggestion_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestion.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[Staff | None] = relationship()


class SuggestionFollowUp(Base):
    """Contact with the citizen afterwards: a call, an invitation to come and try."""

    __tablename__ = "suggestion_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestion.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    happened_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[Staff | None] = relationship()

    __table_args__ = (CheckConstraint(_in("kind", FOLLOW_UP_KINDS), name="kind_known"),)


class ReplyTemplate(Base):
    """A reply supervisors start from; each hall keeps its own."""

    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReplyDeadline(Base):
    """Working days a hall allows itself to reply, per category (5 when not set)."""

    __tablename__ = "reply_deadline"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    working_days: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("hall_id", "category"),
        CheckConstraint("working_days > 0", name="days_positive"),
    )


class FeedbackSetting(Base):
    """Per-hall choices about suggestions, such as showing "you said, we did" on the board."""

    __tablename__ = "feedback_setting"

    hall_id: Mapped[int] = mapped_column(
        ForeignKey("hall.id", ondelete="CASCADE"), primary_key=True
    )
    show_on_display: Mapped[bool] = mapped_column(Boolean, default=False)


RATING_LEVELS = (5, 4, 3, 2, 1)  # very satisfied ... very dissatisfied
DISSATISFIED_LEVELS = (2, 1)
RATING_REASONS = ("attitude", "slow", "unclear", "many_trips", "waiting", "rules", "other")
RATING_SOURCES = ("tracking", "tablet")
APPEAL_STATES = ("pending", "upheld", "rejected")


class VisitRating(Base):
    """The citizen's rating of one visit, tied to the counter and officer who finished it."""

    __tablename__ = "visit_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    # One rating per visit: the unique constraint is the rule.
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    counter_id: Mapped[int | None] = mapped_column(
        ForeignKey("counter.id", ondelete="SET NULL"), index=True
    )
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    level: Mapped[int] = mapped_column(Integer)
    # Comma-separated codes from RATING_REASONS.
    reasons: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="tracking")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion.id", ondelete="SET NULL")
    )
    appeal_state: Mapped[str | None] = mapped_column(String(16))
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    appeal_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_decision: Mapped[str | None] = mapped_column(Text)
    # An upheld appeal takes the rating out of the officer's and counter's figures.
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)

    officer: Mapped[Staff | None] = relationship(foreign_keys=[officer_id])
    appeal_decided_by: Mapped[Staff | None] = relationship(foreign_keys=[appeal_decided_by_id])
    suggestion: Mapped[Suggestion | None] = relationship(backref=backref("rating", uselist=False))

    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_known"),
        CheckConstraint(_in("source", RATING_SOURCES), name="source_known"),
        CheckConstraint(
            "appeal_state IS NULL OR " + _in("appeal_state", APPEAL_STATES), name="appeal_known"
        ),
    )

    @property
    def reason_list(self) -> list[str]:
        return [reason for reason in self.reasons.split(",") if reason]

    @property
    def dissatisfied(self) -> bool:
        return self.level in DISSATISFIED_LEVELS
