"""What reports need beyond the queue's own rows: the free services the desk gives."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

FREE_SERVICE_KINDS = ("photocopy", "photo")


class FreeService(Base):
    """One photocopy or photo the desk gave for free, recorded with one tap."""

    __tablename__ = "free_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # The hall-local date of `at`: reports ask for service days.
    service_day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_free_service_hall_day", "hall_id", "service_day"),
        CheckConstraint("kind IN ('photocopy', 'photo')", name="kind_known"),
    )
