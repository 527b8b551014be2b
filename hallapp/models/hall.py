"""A hall (branch), the services it offers and its counters."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime

if TYPE_CHECKING:
    from .staff import Staff

ROOMS = ("main", "enterprise")
COUNTER_STATES = ("open", "paused", "closed")


class Hall(Base):
    __tablename__ = "hall"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    # Traditional Chinese, for visitors from Hong Kong and Macau; the simplified name if unset.
    name_hant: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    opens_at: Mapped[time] = mapped_column(Time, default=time(9, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(17, 0))
    # ISO weekdays the hall opens, "123456" is Monday to Saturday.
    open_weekdays: Mapped[str] = mapped_column(String(7), default="12345")
    target_minutes: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    services: Mapped[list[Service]] = relationship(
        back_populates="hall", order_by="Service.code", cascade="all, delete-orphan"
    )
    counters: Mapped[list[Counter]] = relationship(
        back_populates="hall", order_by="Counter.number", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("target_minutes > 0", name="target_positive"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closing"),
    )

    def __repr__(self) -> str:
        return f"<Hall {self.code}>"


class Service(Base):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    # The code letter is also the ticket prefix: A012.
    code: Mapped[str] = mapped_column(String(1))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    # Traditional Chinese, for visitors from Hong Kong and Macau; the simplified name if unset.
    name_hant: Mapped[str | None] = mapped_column(String(120))
    room: Mapped[str] = mapped_column(String(16), default="main")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Most tickets a day; None means no limit.
    daily_limit: Mapped[int | None] = mapped_column(Integer)

    hall: Mapped[Hall] = relationship(back_populates="services")

    __table_args__ = (
        UniqueConstraint("hall_id", "code"),
        CheckConstraint("room IN ('main', 'enterprise')", name="room_known"),
        CheckConstraint("daily_limit IS NULL OR daily_limit > 0", name="limit_positive"),
    )

    def __repr__(self) -> str:
        return f"<Service {self.code}>"


class Counter(Base):
    __tablename__ = "counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(16), default="main")
    # An exclusive counter serves only its own list and is never lent to the general queue.
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="closed")
    # The officer signed in at this counter now, if any.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    officer_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hall: Mapped[Hall] = relationship(back_populates="counters")
    officer: Mapped[Staff | None] = relationship(foreign_keys=[officer_id])
    service_links: Mapped[list[CounterService]] = relationship(
        back_populates="counter",
        order_by="CounterService.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        UniqueConstraint("hall_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("room IN ('main', 'enterprise')", name="room_known"),
        CheckConstraint("state IN ('open', 'paused', 'closed')", name="state_known"),
    )

    @property
    def services(self) -> list[Service]:
        """Services served here, most preferred first."""
        return [link.service for link in self.service_links]

    def __repr__(self) -> str:
        return f"<Counter {self.number}>"


class CounterService(Base):
    __tablename__ = "counter_service"

    counter_id: Mapped[int] = mapped_column(
        ForeignKey("counter.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    counter: Mapped[Counter] = relationship(back_populates="service_links")
    service: Mapped[Service] = relationship()
