"""The guidance desk: checklists, appointments, cases kept open, policy notices, and the
identity data that links a returning visitor to them (masked and hashed, never whole)."""

from __future__ import annotations

from datetime import date, datetime

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .hall import Hall, Service
from .queue import Ticket, Visit
from .staff import Staff

APPOINTMENT_STATES = ("booked", "checked_in", "no_show", "cancelled")
CASE_KINDS = ("home_visit", "express", "policy_followup")
CASE_STATES = ("open", "closed")
EXPRESS_STATES = ("awaiting_documents", "documents_received", "permit_sent", "delivered")


class ChecklistVersion(Base):
    """One saved state of a service's document checklist; the newest is the current one."""

    __tablename__ = "checklist_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")

    service: Mapped[Service] = relationship()
    created_by: Mapped[Staff | None] = relationship()
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="version", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("service_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
    )


class ChecklistItem(Base):
    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_version.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    text_zh: Mapped[str] = mapped_column(String(200))
    text_en: Mapped[str] = mapped_column(String(200), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    note_zh: Mapped[str] = mapped_column(String(200), default="")
    note_en: Mapped[str] = mapped_column(String(200), default="")

    version: Mapped[ChecklistVersion] = relationship(back_populates="items")


class VisitorIdentity(Base):
    """Who a visitor is, as far as the hall may keep it: erased after the retention period."""

    __tablename__ = "visitor_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    document_type: Mapped[str | None] = mapped_column(String(24))
    masked_number: Mapped[str | None] = mapped_column(String(24))
    # HMAC of type and number with IDENTITY_HASH_KEY: finds earlier visits, reveals nothing.
    number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The visit this identity was given at; the visit and its tickets outlive the identity.
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit.id", ondelete="SET NULL"), index=True
    )

    visit: Mapped[Visit | None] = relationship()


class AppointmentSlot(Base):
    """A bookable time at a hall for one service; `booked` never exceeds `capacity`."""

    __tablename__ = "appointment_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    hall: Mapped[Hall] = relationship()
    service: Mapped[Service] = relationship()

    __table_args__ = (
        UniqueConstraint("service_id", "starts_at"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
    )

    @property
    def free(self) -> int:
        return self.capacity - self.booked


class Appointment(Base):
    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_slot.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="booked")
    # Minimal data: a name to greet the citizen by; erased with the identity after retention.
    citizen_name: Mapped[str | None] = mapped_column(String(60))
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("visitor_identity.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(16), default="staff")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))

    slot: Mapped[AppointmentSlot] = relationship()
    identity: Mapped[VisitorIdentity | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "state IN ('booked', 'checked_in', 'no_show', 'cancelled')", name="state_known"
        ),
    )


class DeskCase(Base):
    """A citizen's matter kept open beyond one visit: home visit, express, policy follow-up."""

    __tablename__ = "desk_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="open", index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("visitor_identity.id", ondelete="SET NULL"), index=True
    )
    citizen_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    # Home visit
    address: Mapped[str | None] = mapped_column(String(200))
    what_to_take: Mapped[str] = mapped_column(Text, default="")
    visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visit_by: Mapped[str] = mapped_column(String(120), default="")
    # Two-way express
    tracking_in: Mapped[str] = mapped_column(String(40), default="")
    tracking_out: Mapped[str] = mapped_column(String(40), default="")
    express_state: Mapped[str | None] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service: Mapped[Service | None] = relationship()
    owner: Mapped[Staff | None] = relationship()
    identity: Mapped[VisitorIdentity | None] = relationship()
    topic_rows: Mapped[list[CaseTopic]] = relationship(
        cascade="all, delete-orphan", order_by="CaseTopic.topic"
    )

    __table_args__ = (
        CheckConstraint("kind IN ('home_visit', 'express', 'policy_followup')", name="kind_known"),
        CheckConstraint("state IN ('open', 'closed')", name="state_known"),
    )

    @property
    def topics(self) -> list[str]:
        return [row.topic for row in self.topic_rows]


class CaseTopic(Base):
    __tablename__ = "case_topic"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("desk_case.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class PolicyNotice(Base):
    """A new rule or notice from above; its topics find the open cases it answers."""

    __tablename__ = "policy_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    effective_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    topic_rows: Mapped[list[PolicyNoticeTopic]] = relationship(
        cascade="all, delete-orphan", order_by="PolicyNoticeTopic.topic"
    )

    @property
    def topics(self) -> list[str]:
        return [row.topic for row in self.topic_rows]


class PolicyNoticeTopic(Base):
    __tablename__ = "policy_notice_topic"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("policy_notice.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
