"""The hall's gauges for monitoring (/metrics): a few small grouped queries, one function.

Kept in one place so that, once a read model of "the hall now" exists, this function can
read it instead of the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import Counter, Hall, Service
from hallapp.models.notifications import NotificationSubscription, OutboxMessage
from hallapp.models.queue import OPEN_STATUSES, Ticket, TicketEvent, Visit

CALL_WINDOW = timedelta(minutes=5)


@dataclass
class HallGauges:
    code: str
    waiting: dict[str, int] = field(default_factory=dict)  # service code -> tickets waiting
    longest_in_hall_seconds: float = 0.0
    calls_per_minute: float = 0.0
    open_counters: int = 0
    outbox_backlog: int = 0


def hall_gauges(*, now: datetime) -> list[HallGauges]:
    """Each active hall now: waiting per service, the longest stay of anyone still in line,
    calls a minute over the last five minutes, open counters, text messages not yet sent."""
    halls = {
        hall_id: HallGauges(code)
        for hall_id, code in db.session.execute(
            select(Hall.id, Hall.code).where(Hall.active.is_(True)).order_by(Hall.code)
        )
    }
    since = now - timedelta(days=1)
    for hall_id, code, count in db.session.execute(
        select(Service.hall_id, Service.code, func.count(Ticket.id))
        .outerjoin(
            Ticket,
            (Ticket.service_id == Service.id)
            & (Ticket.status == "waiting")
            & (Ticket.issued_at >= since),
        )
        .where(Service.active.is_(True))
        .group_by(Service.hall_id, Service.code)
    ):
        if hall_id in halls:
            halls[hall_id].waiting[code] = count
    for hall_id, earliest in db.session.execute(
        select(Visit.hall_id, func.min(Visit.arrived_at))
        .join(Ticket, Ticket.visit_id == Visit.id)
        .where(Ticket.status.in_(OPEN_STATUSES), Visit.arrived_at >= since)
        .group_by(Visit.hall_id)
    ):
        if hall_id in halls and earliest is not None:
            halls[hall_id].longest_in_hall_seconds = max((now - earliest).total_seconds(), 0)
    for hall_id, calls in db.session.execute(
        select(Ticket.hall_id, func.count(TicketEvent.id))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.step.in_(("called", "recalled")), TicketEvent.at > now - CALL_WINDOW)
        .group_by(Ticket.hall_id)
    ):
        if hall_id in halls:
            halls[hall_id].calls_per_minute = calls / (CALL_WINDOW.total_seconds() / 60)
    for hall_id, count in db.session.execute(
        select(Counter.hall_id, func.count(Counter.id))
        .where(Counter.state == "open")
        .group_by(Counter.hall_id)
    ):
        if hall_id in halls:
            halls[hall_id].open_counters = count
    for hall_id, count in db.session.execute(
        select(NotificationSubscription.hall_id, func.count(OutboxMessage.id))
        .join(OutboxMessage.subscription)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        .group_by(NotificationSubscription.hall_id)
    ):
        if hall_id in halls:
            halls[hall_id].outbox_backlog = count
    db.session.rollback()
    return list(halls.values())
