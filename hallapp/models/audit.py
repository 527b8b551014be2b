"""Who changed what: the audit trail for logins and administration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .staff import Staff


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id", ondelete="SET NULL"))
    # Dotted verb such as "auth.login" or "admin.service.update".
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(128))
    summary: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[Staff | None] = relationship()
