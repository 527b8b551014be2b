"""Times and readings shared by the queue's service tests."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hallapp.models import TicketEvent

# 09:00 in Shanghai on Friday 27 November 2026.
NINE = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return NINE + timedelta(minutes=n)


def steps_of(db, ticket) -> list[str]:
    return list(
        db.session.scalars(
            select(TicketEvent.step)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.id)
        )
    )
