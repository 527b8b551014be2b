"""The queue: visits, tickets, their steps, device tokens, and the hall's change version."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .hall import Counter, Hall, Service
from .staff import Staff

TICKET_STATUSES = (
    "waiting",
    "called",
    "serving",
    "done",
    "no_show",
    "transferred",
    "cancelled",
    "walked_out",
    "parked",
)
# A ticket in these statuses belongs to the counter it was called to.
AT_COUNTER_STATUSES = ("called", "serving")
# Statuses in which a ticket is still somebody's turn to come.
OPEN_STATUSES = ("waiting", *AT_COUNTER_STATUSES, "parked")
TICKET_SOURCES = ("desk", "kiosk", "appointment", "api")
PRIORITY_CLASSES = ("normal", "senior", "disabled", "pregnant", "patient", "appointment")
# Needs that give a visitor priority; an interpreter is arranged, not a reason to go first.
PRIORITY_NEEDS = ("senior", "disabled", "pregnant", "patient")
DEVICE_KINDS = ("kiosk", "counter", "display")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Visit(Base):
    """One citizen's stay in the hall; it may hold several tickets."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    senior: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    pregnant: Mapped[bool] = mapped_column(Boolean, default=False)
    patient: Mapped[bool] = mapped_column(Boolean, default=False)
    interpreter: Mapped[bool] = mapped_column(Boolean, default=False)

    hall: Mapped[Hall] = relationship()
    tickets: Mapped[list[Ticket]] = relationship(back_populates="visit", order_by="Ticket.id")

    # Reports select a hall's visits by the time they entered.
    __table_args__ = (Index("ix_visit_hall_arrived", "hall_id", "arrived_at"),)

    @property
    def needs(self) -> list[str]:
        return [name for name in (*PRIORITY_NEEDS, "interpreter") if getattr(self, name)]


def ticket_label(service_code: str, number: int) -> str:
    """What a ticket is called on screens, paper and in the voice call: A001, A002 ..."""
    return f"{service_code}{number:03d}"


class Ticket(Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    service_day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    source: Mapped[str] = mapped_column(String(16), default="desk")
    priority_class: Mapped[str] = mapped_column(String(16), default="normal")
    # The place in the queue: set at issue, kept on transfer, moved by recovery and parking.
    arrival_at: Mapped[datetime] = mapped_column(UTCDateTime)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id", ondelete="SET NULL"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    transferred_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL")
    )
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # issueTicket's Idempotency-Key, prefixed with the device id: a retried request
    # (the answer was lost) gets this ticket again instead of a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(160), unique=True)

    hall: Mapped[Hall] = relationship()
    service: Mapped[Service] = relationship()
    visit: Mapped[Visit] = relationship(back_populates="tickets")
    counter: Mapped[Counter | None] = relationship()
    officer: Mapped[Staff | None] = relationship()
    transferred_from: Mapped[Ticket | None] = relationship(remote_side=[id])

    __table_args__ = (
        UniqueConstraint("hall_id", "service_id", "service_day", "number"),
        Index("ix_ticket_queue", "hall_id", "status", "service_id", "arrival_at"),
        # callNext's first priority-class ticket of a service (queue.calling), found without
        # a scan of the normal tickets ahead of it.
        Index(
            "ix_ticket_waiting_priority",
            "hall_id",
            "service_id",
            "arrival_at",
            postgresql_where=text("status = 'waiting' AND priority_class <> 'normal'"),
            sqlite_where=text("status = 'waiting' AND priority_class <> 'normal'"),
        ),
        Index("ix_ticket_counter_status", "counter_id", "status"),
        # Reports and the staffing forecast read a hall's tickets by service day.
        Index("ix_ticket_hall_day", "hall_id", "service_day"),
        # Wait estimates: each service's latest finished services (hall_now).
        Index("ix_ticket_service_finished", "hall_id", "service_id", "finished_at"),
        CheckConstraint(_in("status", TICKET_STATUSES), name="status_known"),
        CheckConstraint(_in("source", TICKET_SOURCES), name="source_known"),
        CheckConstraint(_in("priority_class", PRIORITY_CLASSES), name="priority_known"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    @property
    def label(self) -> str:
        return ticket_label(self.service.code, self.number)

    @property
    def is_priority(self) -> bool:
        return self.priority_class != "normal"

    def __repr__(self) -> str:
        return f"<Ticket {self.label} {self.status}>"


class TicketEvent(Base):
    """One step of a ticket; waits, service times and visit times are derived from these."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    # The ticket's hall, kept on the event too: a hall's latest calls (the boards) are then
    # read from this table's own index, not by joining every ticket of the day.
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"))
    # issued, called, recalled, started, finished, no_show, recovered, walked_out, parked,
    # unparked, transferred, cancelled
    step: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id", ondelete="SET NULL"))
    device_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("device_token.id", ondelete="SET NULL")
    )
    detail: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship()
    actor: Mapped[Staff | None] = relationship()
    counter: Mapped[Counter | None] = relationship()

    __table_args__ = (
        Index("ix_ticket_event_step_at", "step", "at"),
        Index("ix_ticket_event_hall_step_at", "hall_id", "step", "at"),
    )


class DeviceToken(Base):
    """A caller pad, display or kiosk; only the SHA-256 of its bearer token is kept."""

    __tablename__ = "device_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the device last showed its token (kept to the half minute, not every poll).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hall: Mapped[Hall] = relationship()
    counter: Mapped[Counter | None] = relationship()

    __table_args__ = (
        CheckConstraint(_in("kind", DEVICE_KINDS), name="kind_known"),
        CheckConstraint("kind <> 'counter' OR counter_id IS NOT NULL", name="counter_has_counter"),
    )


class HallVersion(Base):
    """Bumped by every ticket or counter step, in the step's transaction: screens poll it."""

    __tablename__ = "hall_version"

    hall_id: Mapped[int] = mapped_column(
        ForeignKey("hall.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, default=0)


class TicketCounter(Base):
    """A service's numbers on one service day: the last number given (transfers take one
    too) and the tickets issued (transfers not counted), for the daily limit.

    Issuing adds one to the row in a single statement, so kiosks of a service wait on each
    other only for the few statements between taking a number and the commit.
    """

    __tablename__ = "ticket_counter"

    hall_id: Mapped[int] = mapped_column(
        ForeignKey("hall.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)
    issued: Mapped[int] = mapped_column(Integer)
