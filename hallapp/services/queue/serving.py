"""A called ticket's steps at the counter, and what becomes of those who do not come."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from hallapp.models import Counter, DeviceToken, Staff, Ticket
from hallapp.services import hall_now

from .calling import waiting_tickets
from .common import check_counter, commit, locked_ticket, record_event, refuse, setting
from .errors import RecoveryWindowPassed
from .steps import illegal


def recall(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """Announce a called ticket again; one press past the recall limit makes it a no-show."""
    ticket = locked_ticket(ticket)
    if ticket.status != "called":
        illegal(ticket, _l("recall"))
    check_counter(ticket, counter)
    limit = setting("QUEUE_RECALLS_BEFORE_NO_SHOW")
    if ticket.recall_count >= limit:
        ticket.status = "no_show"
        ticket.no_show_at = now
        record_event(
            ticket, "no_show", now=now, actor=actor, device=device, detail=f"after {limit} recalls"
        )
    else:
        ticket.recall_count += 1
        record_event(ticket, "recalled", now=now, actor=actor, device=device)
    commit(ticket.hall_id)
    return ticket


def start(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """The called visitor has arrived at the counter: service begins."""
    ticket = locked_ticket(ticket)
    if ticket.status != "called":
        illegal(ticket, _l("start"))
    check_counter(ticket, counter)
    ticket.status = "serving"
    ticket.started_at = now
    record_event(ticket, "started", now=now, actor=actor, device=device)
    commit(ticket.hall_id)
    return ticket


def finish(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """The service is done; the counter is free for the next ticket."""
    ticket = locked_ticket(ticket)
    if ticket.status != "serving":
        illegal(ticket, _l("finish"))
    check_counter(ticket, counter)
    ticket.status = "done"
    ticket.finished_at = now
    ticket.closed_at = now
    record_event(ticket, "finished", now=now, actor=actor, device=device)
    commit(ticket.hall_id)
    # A service just finished here: this worker measures the hall's means again.
    hall_now.forget_mean_service_times(ticket.hall_id)
    return ticket


def mark_no_show(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """The called visitor did not come to the counter."""
    ticket = locked_ticket(ticket)
    if ticket.status != "called":
        illegal(ticket, _l("mark as a no-show"))
    check_counter(ticket, counter)
    ticket.status = "no_show"
    ticket.no_show_at = now
    record_event(ticket, "no_show", now=now, actor=actor, device=device, detail="by hand")
    commit(ticket.hall_id)
    return ticket


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


def recover_missed(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
) -> Ticket:
    """A no-show who comes back in time goes back in line a few places behind the head."""
    ticket = locked_ticket(ticket)
    if ticket.status != "no_show":
        illegal(ticket, _l("put back in line"))
    window = timedelta(minutes=setting("QUEUE_RECOVERY_MINUTES"))
    if ticket.no_show_at is None or now - ticket.no_show_at > window:
        refuse(RecoveryWindowPassed())
    ticket.arrival_at = _arrival_after_place(ticket, setting("QUEUE_RECOVERY_PLACES"), now)
    ticket.status = "waiting"
    ticket.counter_id = None
    ticket.recall_count = 0
    ticket.no_show_at = None
    record_event(ticket, "recovered", now=now, actor=actor, device=device)
    commit(ticket.hall_id)
    return ticket


def record_walkout(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
) -> Ticket:
    """The visitor left before being called (counted apart from no-shows)."""
    ticket = locked_ticket(ticket)
    if ticket.status not in ("waiting", "parked"):
        illegal(ticket, _l("record as walked out"))
    ticket.status = "walked_out"
    ticket.closed_at = now
    record_event(ticket, "walked_out", now=now, actor=actor, device=device)
    commit(ticket.hall_id)
    return ticket


def cancel(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """Withdraw a ticket that has not been served (the visitor no longer needs it)."""
    ticket = locked_ticket(ticket)
    if ticket.status not in ("waiting", "parked", "called"):
        illegal(ticket, _l("cancel"))
    if ticket.status == "called":
        check_counter(ticket, counter)
    ticket.status = "cancelled"
    ticket.closed_at = now
    record_event(ticket, "cancelled", now=now, actor=actor, device=device)
    commit(ticket.hall_id)
    return ticket
