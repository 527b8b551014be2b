"""A called ticket's steps at the counter, and what becomes of those who do not come."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Unpack

from hallapp.models import Ticket
from hallapp.services import hall_now

from .at_counter import AtCounter
from .calling import waiting_tickets
from .common import commit, refuse, setting
from .errors import RecoveryWindowPassed
from .steps import By, advance, move, take


def recall(ticket: Ticket, *, now: datetime, **by: Unpack[By]) -> Ticket:
    """Announce a called ticket again; one press past the recall limit makes it a no-show."""
    ticket = take(ticket, "recall", by)
    limit = setting("QUEUE_RECALLS_BEFORE_NO_SHOW")
    if ticket.recall_count >= limit:
        advance(ticket, "no_show", now=now, by=by, detail=f"after {limit} recalls", no_show_at=now)
    else:
        advance(ticket, "recall", now=now, by=by, recall_count=ticket.recall_count + 1)
    commit(ticket.hall_id)
    return ticket


def start(ticket: Ticket | AtCounter, *, now: datetime, **by: Unpack[By]) -> Ticket:
    """The called visitor has arrived at the counter: service begins."""
    return move(ticket, "start", now=now, by=by, started_at=now)


def finish(ticket: Ticket | AtCounter, *, now: datetime, **by: Unpack[By]) -> Ticket:
    """The service is done; the counter is free for the next ticket."""
    ticket = move(ticket, "finish", now=now, by=by, finished_at=now, closed_at=now)
    # A service just finished here: this worker measures the hall's means again.
    hall_now.forget_mean_service_times(ticket.hall_id)
    return ticket


def mark_no_show(ticket: Ticket | AtCounter, *, now: datetime, **by: Unpack[By]) -> Ticket:
    """The called visitor did not come to the counter."""
    return move(ticket, "no_show", now=now, by=by, detail="by hand", no_show_at=now)


def _arrival_after_place(ticket: Ticket, places: int, now: datetime) -> datetime:
    """An arrival time that puts the ticket `places` places behind the head of its queue."""
    queue = [
        other
        for other in waiting_tickets(ticket.hall_id, [ticket.service_id], now=now)
        if other.id != ticket.id
    ]
    if len(queue) < places or places <= 0:
        return now if not queue else max(now, queue[-1].arrival_at + timedelta(seconds=1))
    before = queue[places - 1].arrival_at
    if len(queue) == places:
        return before + timedelta(seconds=1)
    after = queue[places].arrival_at
    return before + (after - before) / 2 if after > before else before


def recover_missed(ticket: Ticket, *, now: datetime, **by: Unpack[By]) -> Ticket:
    """A no-show who comes back in time goes back in line a few places behind the head."""
    ticket = take(ticket, "recover", by)
    window = timedelta(minutes=setting("QUEUE_RECOVERY_MINUTES"))
    if ticket.no_show_at is None or now - ticket.no_show_at > window:
        refuse(RecoveryWindowPassed())
    advance(
        ticket,
        "recover",
        now=now,
        by=by,
        arrival_at=_arrival_after_place(ticket, setting("QUEUE_RECOVERY_PLACES"), now),
        counter_id=None,
        recall_count=0,
        no_show_at=None,
    )
    commit(ticket.hall_id)
    return ticket


def record_walkout(ticket: Ticket, *, now: datetime, **by: Unpack[By]) -> Ticket:
    """The visitor left before being called (counted apart from no-shows)."""
    return move(ticket, "walkout", now=now, by=by, closed_at=now)


def cancel(ticket: Ticket, *, now: datetime, **by: Unpack[By]) -> Ticket:
    """Withdraw a ticket that has not been served (the visitor no longer needs it)."""
    return move(ticket, "cancel", now=now, by=by, closed_at=now)
