"""What the operators' daily timers did: one row per timer and day, claimed by one host."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class TimerRun(Base):
    __tablename__ = "timer_run"
    # Every host's timer fires; the first insert of (name, day) wins, the others find it.
    __table_args__ = (UniqueConstraint("name", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    # The city's local date the run belongs to.
    day: Mapped[date] = mapped_column(Date)
    host: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "done", or "failed" with the error kept in `outcome`.
    status: Mapped[str] = mapped_column(String(16), default="running")
    outcome: Mapped[str] = mapped_column(Text, default="")
