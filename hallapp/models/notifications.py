"""Text messages to citizens who left a phone number: one subscription per ticket, an outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class NotificationSubscription(Base):
    """A phone number left at the desk for one ticket, or given on a hotline call (no ticket).
    Personal data: never on public pages."""

    __tablename__ = "notification_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), unique=True
    )
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    # None once purged: the messages stay for the figures, the number goes.
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    messages: Mapped[list[OutboxMessage]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan"
    )


class OutboxMessage(Base):
    """One text to send; retried with backoff until sent or given up."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("notification_subscription.id", ondelete="CASCADE"), index=True
    )
    # What the message is about, so one situation gives one message: "ahead-3", "call-<event>".
    key: Mapped[str] = mapped_column(String(64))
    # Which text (services/notifications.TEMPLATES) with which values, for an SMS provider
    # that sends registered templates; body is the same text written out, for the log.
    template: Mapped[str | None] = mapped_column(String(32))
    params: Mapped[str | None] = mapped_column(Text)  # JSON object
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # What became of it: "sent" by an SMS provider, or "logged" (the demo gateway only
    # writes a log; nobody was texted). Set together with sent_at.
    outcome: Mapped[str | None] = mapped_column(String(16))
    # The provider's id for the message (its per-message result), for tracing a complaint.
    provider_ref: Mapped[str | None] = mapped_column(String(64))

    subscription: Mapped[NotificationSubscription] = relationship(back_populates="messages")

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return self.outcome or "sent"
        return "failed" if self.failed_at is not None else "pending"

    __table_args__ = (UniqueConstraint("subscription_id", "key"),)
