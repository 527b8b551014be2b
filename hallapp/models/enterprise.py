"""The enterprise room: Hong Kong and Macau enterprises, their people, their bookings,
and every registration service a clerk gives them at an exclusive counter."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .hall import Counter, Hall
from .queue import Ticket
from .staff import Staff

PLACES = ("hong_kong", "macau")
ENTERPRISE_STATES = ("active", "inactive", "merged")
MEMBER_ROLES = ("legal_representative", "director", "shareholder", "manager", "staff", "contact")
SERVICE_MODES = ("appointment", "on_the_spot")
SERVICE_OUTCOMES = ("completed", "documents_missing", "referred")
APPOINTMENT_STATES = ("booked", "checked_in", "served", "cancelled", "no_show")


class Enterprise(Base):
    """An enterprise incorporated in Hong Kong or Macau, known to this hall's enterprise room."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(16))
    # Normalized as services/enterprise/register.py describes, so one enterprise has one spelling.
    registration_number: Mapped[str] = mapped_column(String(32))
    mainland_address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    hall: Mapped[Hall] = relationship()
    clerk: Mapped[Staff | None] = relationship()
    merged_into: Mapped[Enterprise | None] = relationship(remote_side=[id])
    members: Mapped[list[EnterpriseMember]] = relationship(
        back_populates="enterprise", order_by="EnterpriseMember.name"
    )

    __table_args__ = (
        # One record per enterprise in each hall's register.
        UniqueConstraint("hall_id", "place", "registration_number"),
        CheckConstraint("place IN ('hong_kong', 'macau')", name="place_known"),
        CheckConstraint("status IN ('active', 'inactive', 'merged')", name="status_known"),
    )

    @property
    def active_members(self) -> list[EnterpriseMember]:
        return [member for member in self.members if member.active]

    def __repr__(self) -> str:
        return f"<Enterprise {self.place}:{self.registration_number}>"


class EnterpriseMember(Base):
    """A person acting for an enterprise; the document is kept masked and hashed only."""

    __tablename__ = "enterprise_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    document_type: Mapped[str] = mapped_column(String(32))
    document_masked: Mapped[str] = mapped_column(String(32))
    # HMAC of type and number (services/identity.py): the same person is found again.
    document_hash: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32), default="staff")
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship(back_populates="members")

    __table_args__ = (UniqueConstraint("enterprise_id", "document_hash"),)


appointment_member = Table(
    "enterprise_appointment_member",
    Base.metadata,
    Column(
        "appointment_id",
        ForeignKey("enterprise_appointment.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("member_id", ForeignKey("enterprise_member.id", ondelete="CASCADE"), primary_key=True),
)

service_member = Table(
    "registration_service_member",
    Base.metadata,
    Column(
        "service_id", ForeignKey("registration_service.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("member_id", ForeignKey("enterprise_member.id", ondelete="CASCADE"), primary_key=True),
)


class EnterpriseAppointment(Base):
    """A booking for an enterprise: when, and which of its people are expected."""

    __tablename__ = "enterprise_appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The enterprise-room ticket issued at check-in.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))

    enterprise: Mapped[Enterprise] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    members: Mapped[list[EnterpriseMember]] = relationship(
        secondary=appointment_member, order_by="EnterpriseMember.name"
    )

    __table_args__ = (
        CheckConstraint(
            "status IN ('booked', 'checked_in', 'served', 'cancelled', 'no_show')",
            name="status_known",
        ),
    )


class RegistrationService(Base):
    """One service given to an enterprise at an exclusive counter: the source of the figures."""

    __tablename__ = "registration_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[str] = mapped_column(String(16))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id", ondelete="SET NULL"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise_appointment.id", ondelete="SET NULL")
    )
    # The queue ticket this service finished, when it started from the room's queue.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    served_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The hall-local date of served_at: figures are asked for by service day.
    service_day: Mapped[date] = mapped_column(Date, index=True)
    outcome: Mapped[str] = mapped_column(String(32), default="completed")
    documents_checked: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")

    enterprise: Mapped[Enterprise] = relationship()
    counter: Mapped[Counter | None] = relationship()
    clerk: Mapped[Staff | None] = relationship()
    appointment: Mapped[EnterpriseAppointment | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    members: Mapped[list[EnterpriseMember]] = relationship(
        secondary=service_member, order_by="EnterpriseMember.name"
    )

    __table_args__ = (
        CheckConstraint("mode IN ('appointment', 'on_the_spot')", name="mode_known"),
        CheckConstraint(
            "outcome IN ('completed', 'documents_missing', 'referred')", name="outcome_known"
        ),
    )


class EnterpriseTicket(Base):
    """A ticket of the enterprise room known to be for this enterprise (linked by the clerk,
    or issued at an appointment's check-in), so the console opens its record beside it."""

    __tablename__ = "enterprise_ticket"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise_appointment.id", ondelete="SET NULL")
    )
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    appointment: Mapped[EnterpriseAppointment | None] = relationship()


class EnterpriseMerge(Base):
    """A supervisor folded one enterprise record into another; what it was is kept here."""

    __tablename__ = "enterprise_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="SET NULL"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_name: Mapped[str] = mapped_column(String(200))
    source_place: Mapped[str] = mapped_column(String(16))
    source_number: Mapped[str] = mapped_column(String(32))
    members_moved: Mapped[int] = mapped_column(Integer, default=0)
    members_joined: Mapped[int] = mapped_column(Integer, default=0)
    services_moved: Mapped[int] = mapped_column(Integer, default=0)
    appointments_moved: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(300), default="")

    source: Mapped[Enterprise | None] = relationship(foreign_keys=[source_id])
    target: Mapped[Enterprise | None] = relationship(foreign_keys=[target_id])
    actor: Mapped[Staff | None] = relationship()


class StaffImport(Base):
    """A parsed staff list waiting for the clerk's confirmation. Rows hold masked numbers
    and keyed hashes only (JSON), never the full document numbers from the file."""

    __tablename__ = "enterprise_staff_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(200), default="")
    rows_json: Mapped[str] = mapped_column(Text, default="[]")
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enterprise: Mapped[Enterprise] = relationship()
