"""Each hall's calendar: public holidays and the make-up working days the State Council sets."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

DAY_KINDS = ("holiday", "workday")


class CalendarDay(Base):
    """A date that differs from the usual week: a holiday, or a weekend day worked instead."""

    __tablename__ = "calendar_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(120), default="")

    __table_args__ = (
        UniqueConstraint("hall_id", "day"),
        CheckConstraint("kind IN ('holiday', 'workday')", name="kind_known"),
    )
