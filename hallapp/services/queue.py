"""The queue's rules: issuing tickets, calling them to counters, and every step after.

Each step is one use case in one transaction: lock what it changes, check the rule, change
the rows, write a TicketEvent, bump the hall's live version (last, see services/live.py)
and commit once. A refused step rolls back and raises a HallError; nothing has changed.

Concurrency. On PostgreSQL, issuing locks the service row (numbers come from the day's
highest number plus one) and calling locks the counter row, then takes the next waiting
ticket with FOR UPDATE SKIP LOCKED, so two counters never get the same ticket and never
wait on each other. On SQLite every transaction is BEGIN IMMEDIATE (hallapp/sqlite.py),
so steps run one after another. The unique constraint (hall, service, day, number) is
the last guard on numbering.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, or_, select

from hallapp.extensions import db
from hallapp.i18n import service_day as local_service_day
from hallapp.models import (
    COUNTER_STATES,
    PRIORITY_CLASSES,
    PRIORITY_NEEDS,
    TICKET_SOURCES,
    Counter,
    CounterService,
    DeviceToken,
    Hall,
    Service,
    Staff,
    Ticket,
    TicketEvent,
    UTCDateTime,
    Visit,
)
from hallapp.services import audit, hall_now, live
from hallapp.services.errors import HallError, InvalidValue, NotFound


class UnknownService(NotFound):
    message = _l("There is no such service in this hall.")


class UnknownTicket(NotFound):
    message = _l("There is no such ticket.")


class ServiceInactive(HallError):
    message = _l("This service is not offered at the moment.")


class DailyLimitReached(HallError):
    message = _l("All of today's tickets for this service have been given out.")


class HallClosedToday(HallError):
    message = _l("The hall is closed today.")


class OutsideOpeningHours(HallError):
    message = _l("Tickets are issued only during the hall's opening hours.")


class NoTicketsWaiting(HallError):
    message = _l("Nobody is waiting for this counter's services.")


class CounterNotOpen(HallError):
    message = _l("This counter is not open. Open it first.")


class CounterTakenMidService(HallError):
    message = _l(
        "Another officer is serving a ticket at this counter. Take it over only if they "
        "have left it."
    )


class CounterBusy(HallError):
    message = _l("This counter already has a ticket. Finish it or mark a no-show first.")


class NotAtThisCounter(HallError):
    message = _l("This ticket was called to another counter.")


class IllegalStep(HallError):
    message = _l("This step is not possible for the ticket now.")


class RecoveryWindowPassed(HallError):
    message = _l("Too long has passed since the no-show; please take a new ticket.")


STATUS_LABELS = {
    "waiting": _l("waiting"),
    "called": _l("called"),
    "serving": _l("being served"),
    "done": _l("done"),
    "no_show": _l("no-show"),
    "transferred": _l("transferred"),
    "cancelled": _l("cancelled"),
    "walked_out": _l("walked out"),
    "parked": _l("parked"),
}


def _setting(name: str) -> int:
    return int(current_app.config[name])


def _refuse(error: HallError):
    """Release any row locks taken so far and say no."""
    db.session.rollback()
    raise error


def _illegal(ticket: Ticket, step) -> None:
    _refuse(
        IllegalStep(
            _l(
                "Ticket %(label)s is %(status)s, so you cannot %(step)s it.",
                label=ticket.label,
                status=STATUS_LABELS[ticket.status],
                step=step,
            )
        )
    )


def _event(
    ticket: Ticket,
    step: str,
    *,
    now: datetime,
    actor: Staff | None = None,
    counter: Counter | None = None,
    device: DeviceToken | None = None,
    detail: str = "",
) -> TicketEvent:
    event = TicketEvent(
        ticket=ticket,
        step=step,
        at=now,
        actor_id=actor.id if actor else None,
        counter_id=counter.id if counter else ticket.counter_id,
        device_token_id=device.id if device else None,
        detail=detail,
    )
    db.session.add(event)
    return event


def _commit(hall_id: int) -> None:
    """Bump the hall's version and commit, keeping the rows just written loaded: the answer
    (the ticket, its counter and service) is what this transaction wrote, so re-reading
    each of them after the commit would only cost statements."""
    live.bump(hall_id)
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def _locked_ticket(ticket: Ticket | int) -> Ticket:
    ticket_id = ticket if isinstance(ticket, int) else ticket.id
    locked = db.session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        _refuse(UnknownTicket())
    return locked


def _locked_counter(counter: Counter) -> Counter:
    return db.session.scalar(
        select(Counter)
        .where(Counter.id == counter.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _check_counter(ticket: Ticket, counter: Counter | None) -> None:
    if counter is not None and ticket.counter_id != counter.id:
        _refuse(NotAtThisCounter())


def hall_zone(hall: Hall) -> ZoneInfo:
    return ZoneInfo(hall.timezone)


def service_day_of(hall: Hall, now: datetime):
    return local_service_day(now, hall_zone(hall))


def tracking_path(ticket: Ticket) -> str:
    """Where a citizen follows their ticket on their own phone."""
    return f"/t/{ticket.public_id}"


def get_ticket_by_public_id(public_id: str) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.public_id == public_id))
    if ticket is None:
        raise UnknownTicket()
    return ticket


def get_service(hall: Hall, service_code: str) -> Service:
    service = db.session.scalar(
        select(Service).where(Service.hall_id == hall.id, Service.code == service_code)
    )
    if service is None:
        raise UnknownService()
    return service


def _priority_for(priority_class: str, visit: Visit) -> str:
    if priority_class != "normal":
        return priority_class
    return next((need for need in PRIORITY_NEEDS if getattr(visit, need)), "normal")


def _numbered_ticket(
    hall: Hall, service: Service, visit: Visit, *, now: datetime, **fields
) -> Ticket:
    """A new ticket with the service day's next number; the caller holds the service row lock."""
    day = service_day_of(hall, now)
    highest = db.session.scalar(
        select(func.max(Ticket.number)).where(
            Ticket.hall_id == hall.id, Ticket.service_id == service.id, Ticket.service_day == day
        )
    )
    ticket = Ticket(
        hall_id=hall.id,
        service=service,
        visit=visit,
        service_day=day,
        number=(highest or 0) + 1,
        status="waiting",
        public_id=secrets.token_urlsafe(16),
        issued_at=now,
        **fields,
    )
    db.session.add(ticket)
    return ticket


def issue_ticket(
    hall: Hall,
    service_code: str,
    *,
    source: str,
    priority_class: str = "normal",
    visit: Visit | None = None,
    needs: dict[str, bool] | None = None,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    idempotency_key: str | None = None,
) -> Ticket:
    """Give a visitor the next number of a service today (A001, A002 ...), during opening hours.

    With an `idempotency_key` (the device's retry of a request whose answer was lost), a
    ticket already issued under that key is returned as it is, and nothing new is made.
    """
    if source not in TICKET_SOURCES:
        _refuse(InvalidValue(_l("Unknown ticket source."), field="source"))
    if priority_class not in PRIORITY_CLASSES:
        _refuse(InvalidValue(_l("Unknown priority class."), field="priority_class"))
    if priority_class == "appointment" and source != "appointment":
        # Only checking in a booking earns the appointment's place; a kiosk may not claim it.
        _refuse(
            InvalidValue(
                _l("Only an appointment check-in gives appointment priority."),
                field="priority_class",
            )
        )
    service = db.session.scalar(
        select(Service)
        .where(Service.hall_id == hall.id, Service.code == service_code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if service is None:
        _refuse(UnknownService())
    if idempotency_key is not None:
        earlier = ticket_by_idempotency_key(idempotency_key)
        if earlier is not None:
            db.session.rollback()
            return earlier
    if not service.active:
        _refuse(ServiceInactive())
    opening = hall_now.opening_state(hall, now)
    if opening in ("inactive", "closed_today"):
        _refuse(HallClosedToday())
    if opening == "outside_hours":
        _refuse(OutsideOpeningHours())
    if service.daily_limit is not None:
        day = hall_now.service_day(hall, now)
        issued = hall_now.issued_today(hall, day, service.id).get(service.id, 0)
        if hall_now.tickets_left(service, issued) == 0:
            _refuse(DailyLimitReached())
    if visit is None:
        visit = Visit(hall_id=hall.id, arrived_at=now)
        db.session.add(visit)
    for need, value in (needs or {}).items():
        if need in (*PRIORITY_NEEDS, "interpreter"):
            setattr(visit, need, bool(value))
    ticket = _numbered_ticket(
        hall,
        service,
        visit,
        now=now,
        source=source,
        priority_class=_priority_for(priority_class, visit),
        arrival_at=now,
        idempotency_key=idempotency_key,
    )
    _event(ticket, "issued", now=now, actor=actor, device=device, detail=source)
    _commit(hall.id)
    return ticket


def ticket_by_idempotency_key(key: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.idempotency_key == key))


def next_waiting_ticket(
    hall_id: int, service_ids: list[int], *, now: datetime, lock: bool = False
) -> Ticket | None:
    """Who is called next by a counter serving these services (most preferred first).

    The counter's first service with anyone waiting is served first. Within it, the
    priority lane goes before the rest, each by arrival (a transfer keeps its arrival).
    Against starvation, a normal ticket that has waited QUEUE_PRIORITY_AGING_MINUTES joins
    the priority lane at its own arrival time, ahead of every priority ticket that came
    after it: however long the stream of priority tickets, nobody waits much longer than
    that limit plus the time to serve the priority tickets that were already there.
    """
    if not service_ids:
        return None
    query = _in_call_order(hall_id, service_ids, now).limit(1)
    if lock:
        query = query.with_for_update(skip_locked=True).execution_options(populate_existing=True)
    return db.session.scalar(query)


def waiting_tickets(hall_id: int, service_ids: list[int], *, now: datetime) -> list[Ticket]:
    """Everyone waiting for these services, in the order next_waiting_ticket calls them."""
    if not service_ids:
        return []
    return list(db.session.scalars(_in_call_order(hall_id, service_ids, now)))


def _in_call_order(hall_id: int, service_ids: list[int], now: datetime):
    """The waiting tickets of these services, ordered by the rule of next_waiting_ticket."""
    aged = now - timedelta(minutes=_setting("QUEUE_PRIORITY_AGING_MINUTES"))
    preference = case(
        {service_id: position for position, service_id in enumerate(service_ids)},
        value=Ticket.service_id,
    )
    lane = case((or_(Ticket.priority_class != "normal", Ticket.arrival_at <= aged), 0), else_=1)
    return (
        select(Ticket)
        .where(
            Ticket.hall_id == hall_id,
            Ticket.status == "waiting",
            Ticket.service_id.in_(service_ids),
        )
        .order_by(preference, lane, Ticket.arrival_at, Ticket.id)
    )


def waiting_list(
    hall_id: int, service_ids: list[int], *, now: datetime, limit: int = 30
) -> list[tuple[Ticket, hall_now.Estimate]]:
    """The first `limit` waiting tickets in call order, each with its wait estimate: the
    same few queries whatever the queue length (how many wait in all: hall_now).

    Within the call order each service's tickets come in that service's own order, so a
    ticket's place in its queue is the number of its service's tickets before it here
    (the same rule as the citizen's tracking page).
    """
    if not service_ids:
        return []
    hall = db.session.get(Hall, hall_id)
    first = list(db.session.scalars(_in_call_order(hall_id, service_ids, now).limit(limit)))
    means = hall_now.mean_service_times(hall, now=now) if first else {}
    open_counters = _open_counters_by_service(service_ids) if first else {}
    seen: dict[int, int] = {}
    rows = []
    for ticket in first:
        ahead = seen.get(ticket.service_id, 0)
        seen[ticket.service_id] = ahead + 1
        estimate = hall_now.estimate(
            ahead, means.get(ticket.service_id), open_counters.get(ticket.service_id, 0)
        )
        rows.append((ticket, estimate))
    return rows


def counter_service_ids(counter: Counter) -> list[int]:
    return [link.service_id for link in counter.service_links]


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called to or being served at this counter, if any."""
    return db.session.scalar(current_ticket_query(counter))


def current_ticket_query(counter: Counter) -> Select[Ticket]:
    """current_ticket's query, for a screen that reads more of the ticket in the same read."""
    return (
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.status.in_(("called", "serving")))
        .order_by(Ticket.id.desc())
        .limit(1)
    )


def call_next(
    counter: Counter,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
) -> Ticket:
    """Call the next waiting ticket to an open, free counter; raise NoTicketsWaiting if none."""
    counter = _locked_counter(counter)
    if counter.state != "open":
        _refuse(CounterNotOpen())
    if current_ticket(counter) is not None:
        _refuse(CounterBusy())
    ticket = next_waiting_ticket(counter.hall_id, counter_service_ids(counter), now=now, lock=True)
    if ticket is None:
        _refuse(NoTicketsWaiting())
    ticket.status = "called"
    ticket.counter_id = counter.id
    ticket.officer_id = actor.id if actor else counter.officer_id
    ticket.called_at = now
    ticket.recall_count = 0
    _event(ticket, "called", now=now, actor=actor, counter=counter, device=device)
    _commit(counter.hall_id)
    return ticket


def recall(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """Announce a called ticket again; one press past the recall limit makes it a no-show."""
    ticket = _locked_ticket(ticket)
    if ticket.status != "called":
        _illegal(ticket, _l("recall"))
    _check_counter(ticket, counter)
    limit = _setting("QUEUE_RECALLS_BEFORE_NO_SHOW")
    if ticket.recall_count >= limit:
        ticket.status = "no_show"
        ticket.no_show_at = now
        _event(
            ticket, "no_show", now=now, actor=actor, device=device, detail=f"after {limit} recalls"
        )
    else:
        ticket.recall_count += 1
        _event(ticket, "recalled", now=now, actor=actor, device=device)
    _commit(ticket.hall_id)
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
    ticket = _locked_ticket(ticket)
    if ticket.status != "called":
        _illegal(ticket, _l("start"))
    _check_counter(ticket, counter)
    ticket.status = "serving"
    ticket.started_at = now
    _event(ticket, "started", now=now, actor=actor, device=device)
    _commit(ticket.hall_id)
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
    ticket = _locked_ticket(ticket)
    if ticket.status != "serving":
        _illegal(ticket, _l("finish"))
    _check_counter(ticket, counter)
    ticket.status = "done"
    ticket.finished_at = now
    ticket.closed_at = now
    _event(ticket, "finished", now=now, actor=actor, device=device)
    _commit(ticket.hall_id)
    forget_service_statistics(ticket.hall_id)
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
    ticket = _locked_ticket(ticket)
    if ticket.status != "called":
        _illegal(ticket, _l("mark as a no-show"))
    _check_counter(ticket, counter)
    ticket.status = "no_show"
    ticket.no_show_at = now
    _event(ticket, "no_show", now=now, actor=actor, device=device, detail="by hand")
    _commit(ticket.hall_id)
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
    ticket = _locked_ticket(ticket)
    if ticket.status != "no_show":
        _illegal(ticket, _l("put back in line"))
    window = timedelta(minutes=_setting("QUEUE_RECOVERY_MINUTES"))
    if ticket.no_show_at is None or now - ticket.no_show_at > window:
        _refuse(RecoveryWindowPassed())
    ticket.arrival_at = _arrival_after_place(ticket, _setting("QUEUE_RECOVERY_PLACES"), now)
    ticket.status = "waiting"
    ticket.counter_id = None
    ticket.recall_count = 0
    ticket.no_show_at = None
    _event(ticket, "recovered", now=now, actor=actor, device=device)
    _commit(ticket.hall_id)
    return ticket


def record_walkout(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
) -> Ticket:
    """The visitor left before being called (counted apart from no-shows)."""
    ticket = _locked_ticket(ticket)
    if ticket.status not in ("waiting", "parked"):
        _illegal(ticket, _l("record as walked out"))
    ticket.status = "walked_out"
    ticket.closed_at = now
    _event(ticket, "walked_out", now=now, actor=actor, device=device)
    _commit(ticket.hall_id)
    return ticket


def park(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """Hold a ticket aside while the visitor fetches something; the counter is free meanwhile."""
    ticket = _locked_ticket(ticket)
    if ticket.status not in ("waiting", "called", "serving"):
        _illegal(ticket, _l("park"))
    if ticket.status != "waiting":
        _check_counter(ticket, counter)
    ticket.status = "parked"
    ticket.parked_at = now
    _event(ticket, "parked", now=now, actor=actor, device=device, counter=counter)
    ticket.counter_id = None
    _commit(ticket.hall_id)
    return ticket


def unpark(
    ticket: Ticket,
    *,
    to: str = "head",
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
) -> Ticket:
    """Return a parked ticket to the head or the end of its queue."""
    if to not in ("head", "end"):
        _refuse(InvalidValue(_l("Choose the head or the end of the queue."), field="to"))
    ticket = _locked_ticket(ticket)
    if ticket.status != "parked":
        _illegal(ticket, _l("return to the queue"))
    if to == "head":
        first = db.session.scalar(
            select(func.min(Ticket.arrival_at, type_=UTCDateTime)).where(
                Ticket.service_id == ticket.service_id, Ticket.status == "waiting"
            )
        )
        ticket.arrival_at = min(first, ticket.arrival_at) - timedelta(seconds=1) if first else now
        # Head means head: a normal ticket returned there is not held back by the priority lane.
        ticket.arrival_at = min(
            ticket.arrival_at,
            now - timedelta(minutes=_setting("QUEUE_PRIORITY_AGING_MINUTES"), seconds=1),
        )
    else:
        ticket.arrival_at = now
    ticket.status = "waiting"
    ticket.parked_at = None
    _event(ticket, "unparked", now=now, actor=actor, device=device, detail=to)
    _commit(ticket.hall_id)
    return ticket


def transfer(
    ticket: Ticket,
    service_code: str,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """Send the visitor to another service; the new ticket keeps the original arrival time."""
    ticket = _locked_ticket(ticket)
    if ticket.status not in ("waiting", "called", "serving", "parked"):
        _illegal(ticket, _l("transfer"))
    if ticket.status in ("called", "serving"):
        _check_counter(ticket, counter)
    target = db.session.scalar(
        select(Service)
        .where(Service.hall_id == ticket.hall_id, Service.code == service_code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if target is None:
        _refuse(UnknownService())
    if not target.active:
        _refuse(ServiceInactive())
    if target.id == ticket.service_id:
        _refuse(InvalidValue(_l("The ticket is already for this service."), field="service"))
    hall = db.session.get(Hall, ticket.hall_id)
    new = _numbered_ticket(
        hall,
        target,
        ticket.visit,
        now=now,
        source=ticket.source,
        priority_class=ticket.priority_class,
        arrival_at=ticket.arrival_at,
        transferred_from=ticket,
    )
    _event(ticket, "transferred", now=now, actor=actor, device=device, detail=target.code)
    ticket.status = "transferred"
    ticket.closed_at = now
    _event(new, "issued", now=now, actor=actor, device=device, detail="transfer")
    _commit(ticket.hall_id)
    return new


def cancel(
    ticket: Ticket,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
    counter: Counter | None = None,
) -> Ticket:
    """Withdraw a ticket that has not been served (the visitor no longer needs it)."""
    ticket = _locked_ticket(ticket)
    if ticket.status not in ("waiting", "parked", "called"):
        _illegal(ticket, _l("cancel"))
    if ticket.status == "called":
        _check_counter(ticket, counter)
    ticket.status = "cancelled"
    ticket.closed_at = now
    _event(ticket, "cancelled", now=now, actor=actor, device=device)
    _commit(ticket.hall_id)
    return ticket


def set_counter_state(
    counter: Counter,
    state: str,
    *,
    now: datetime,
    actor: Staff | None = None,
    device: DeviceToken | None = None,
) -> Counter:
    """Open, pause or close a counter; a counter holding a ticket cannot close."""
    if state not in COUNTER_STATES:
        _refuse(InvalidValue(_l("A counter is open, paused or closed."), field="state"))
    counter = _locked_counter(counter)
    if state == "closed" and current_ticket(counter) is not None:
        _refuse(CounterBusy(_l("Finish the current ticket before closing the counter.")))
    previous = counter.state
    counter.state = state
    if state == "closed":
        counter.officer_id = None
        counter.officer_since = None
    audit.record(
        f"queue.counter.{state}",
        actor=actor,
        hall_id=counter.hall_id,
        target=f"counter {counter.number}",
        summary=f"{previous} -> {state}" + (f" (device {device.id})" if device else ""),
        now=now,
    )
    _commit(counter.hall_id)
    return counter


def sign_in_to_counter(
    counter: Counter, staff: Staff, *, now: datetime, take_over: bool = False
) -> Counter:
    """The officer takes this counter (leaving any other one) and it opens; a colleague's
    counter in the middle of a service is taken over only when the officer confirms."""
    counter = _locked_counter(counter)
    if counter.hall_id != staff.hall_id:
        _refuse(NotFound(_l("This counter is in another hall.")))
    if counter.officer_id not in (None, staff.id) and not take_over and current_ticket(counter):
        _refuse(CounterTakenMidService())
    others = db.session.scalars(
        select(Counter).where(Counter.officer_id == staff.id, Counter.id != counter.id)
    )
    for other in others:
        other.officer_id = None
        other.officer_since = None
    counter.officer_id = staff.id
    counter.officer_since = now
    if counter.state == "closed":
        counter.state = "open"
    audit.record(
        "queue.counter.sign_in",
        actor=staff,
        hall_id=counter.hall_id,
        target=f"counter {counter.number}",
        now=now,
    )
    _commit(counter.hall_id)
    return counter


def _lane(ticket: Ticket, now: datetime) -> int:
    """0 for the priority lane (a priority class, or a normal ticket past the aging limit)."""
    aged = now - timedelta(minutes=_setting("QUEUE_PRIORITY_AGING_MINUTES"))
    return 0 if ticket.priority_class != "normal" or ticket.arrival_at <= aged else 1


def position(ticket: Ticket, *, now: datetime | None = None) -> int | None:
    """How many tickets are ahead of a waiting ticket in its service's queue (0 = next).

    One counting query in the order of next_waiting_ticket (lane, arrival, id), so its
    cost does not grow with the length of the queue beyond the index range it counts.
    """
    if ticket.status != "waiting":
        return None
    now = now or datetime.now(ZoneInfo("UTC"))
    aged = now - timedelta(minutes=_setting("QUEUE_PRIORITY_AGING_MINUTES"))
    lane = case((or_(Ticket.priority_class != "normal", Ticket.arrival_at <= aged), 0), else_=1)
    mine = _lane(ticket, now)
    earlier = or_(
        Ticket.arrival_at < ticket.arrival_at,
        (Ticket.arrival_at == ticket.arrival_at) & (Ticket.id < ticket.id),
    )
    ahead = or_(lane < mine, (lane == mine) & earlier)
    return db.session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.hall_id == ticket.hall_id,
            Ticket.status == "waiting",
            Ticket.service_id == ticket.service_id,
            Ticket.id != ticket.id,
            ahead,
        )
    )


def forget_service_statistics(hall_id: int) -> None:
    """A service just finished here: this worker measures the hall's means again."""
    hall_now.forget_mean_service_times(hall_id)


def _open_counters_by_service(service_ids: list[int]) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(CounterService.service_id, func.count(Counter.id))
            .join(Counter, CounterService.counter_id == Counter.id)
            .where(CounterService.service_id.in_(service_ids), Counter.state == "open")
            .group_by(CounterService.service_id)
        ).all()
    )


def open_counters_for(service: Service) -> int:
    return db.session.scalar(
        select(func.count(Counter.id))
        .join(CounterService, CounterService.counter_id == Counter.id)
        .where(CounterService.service_id == service.id, Counter.state == "open")
    )


def wait_estimate(
    service: Service, *, now: datetime, ahead: int | None = None
) -> hall_now.Estimate:
    """The wait for someone with `ahead` tickets to be called first (rule: hall_now.estimate).

    `ahead` defaults to everyone waiting for the service on today's service day.
    """
    hall = db.session.get(Hall, service.hall_id)
    if ahead is None:
        ahead = db.session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.service_id == service.id,
                Ticket.status == "waiting",
                Ticket.service_day == hall_now.service_day(hall, now),
            )
        )
    if not ahead:
        return hall_now.estimate(0, None, 0)
    mean = hall_now.mean_service_times(hall, now=now).get(service.id)
    return hall_now.estimate(ahead, mean, open_counters_for(service))


def estimate_wait(service: Service, *, now: datetime, ahead: int | None = None) -> timedelta | None:
    """Expected wait before being called, or None when nothing honest can be said."""
    return wait_estimate(service, now=now, ahead=ahead).wait


def ticket_estimate(
    ticket: Ticket, *, now: datetime, ahead: int | None = None
) -> hall_now.Estimate | None:
    """The estimate for a waiting ticket, from its position in its queue (pass `ahead`
    when the caller already knows it)."""
    if ahead is None:
        ahead = position(ticket, now=now)
    if ahead is None:
        return None
    return wait_estimate(ticket.service, now=now, ahead=ahead)


def estimate_ticket_wait(
    ticket: Ticket, *, now: datetime, ahead: int | None = None
) -> timedelta | None:
    found = ticket_estimate(ticket, now=now, ahead=ahead)
    return found.wait if found else None


def ticket_steps(ticket: Ticket) -> list[TicketEvent]:
    return list(
        db.session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
    )


def wait_time(ticket: Ticket) -> timedelta | None:
    """From issue to the first call, from the events."""
    steps = {event.step: event.at for event in reversed(ticket_steps(ticket))}
    if "issued" in steps and "called" in steps:
        return steps["called"] - steps["issued"]
    return None


def service_time(ticket: Ticket) -> timedelta | None:
    """From start to finish at the counter, from the events."""
    steps = {event.step: event.at for event in ticket_steps(ticket)}
    if "started" in steps and "finished" in steps:
        return steps["finished"] - steps["started"]
    return None


def visit_time(visit: Visit) -> timedelta | None:
    """A visit's time in the hall: first ticket issued to last ticket finished."""
    ids = [ticket.id for ticket in visit.tickets]
    if not ids:
        return None
    first, last = db.session.execute(
        select(
            func.min(case((TicketEvent.step == "issued", TicketEvent.at)), type_=UTCDateTime),
            func.max(case((TicketEvent.step == "finished", TicketEvent.at)), type_=UTCDateTime),
        ).where(TicketEvent.ticket_id.in_(ids))
    ).one()
    if first is None or last is None:
        return None
    return last - first


def counter_served_today(counter: Counter, *, now: datetime) -> int:
    """Tickets finished at this counter since the hall's midnight."""
    hall = db.session.get(Hall, counter.hall_id)
    day = service_day_of(hall, now)
    return db.session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.counter_id == counter.id, Ticket.status == "done", Ticket.service_day == day
        )
    )


def display_board(hall: Hall, *, now: datetime, limit: int = 10) -> dict:
    """What a display board shows: the latest calls with their counters, and who waits where
    (today's waiting counts from hall_now, like every other screen).

    Plain values only, with nothing personal: ticket labels, counter numbers, counts.
    """
    day = service_day_of(hall, now)
    calls = db.session.execute(
        select(Ticket, Counter.number)
        .join(Counter, Counter.id == Ticket.counter_id)
        .where(
            Ticket.hall_id == hall.id,
            Ticket.service_day == day,
            Ticket.status.in_(("called", "serving")),
        )
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(limit)
    ).all()
    now_state = hall_now.hall_now(hall, now=now)
    return {
        "hall": hall.code,
        "calls": [
            {
                "label": ticket.label,
                "service": ticket.service.code,
                "counter": number,
                "status": ticket.status,
                "recalls": ticket.recall_count,
                "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
            }
            for ticket, number in calls
        ],
        "is_open": now_state.is_open,
        "waiting": [
            {"service": item.service.code, "waiting": item.waiting} for item in now_state.services
        ],
    }


def parked_tickets(hall_id: int, service_ids: list[int]) -> list[Ticket]:
    """Tickets held aside for these services, oldest first."""
    return list(
        db.session.scalars(
            select(Ticket)
            .where(
                Ticket.hall_id == hall_id,
                Ticket.status == "parked",
                Ticket.service_id.in_(service_ids),
            )
            .order_by(Ticket.parked_at, Ticket.id)
        )
    )


def recoverable_no_shows(hall_id: int, service_ids: list[int], *, now: datetime) -> list[Ticket]:
    """No-shows for these services still inside the recovery window, latest first."""
    since = now - timedelta(minutes=_setting("QUEUE_RECOVERY_MINUTES"))
    return list(
        db.session.scalars(
            select(Ticket)
            .where(
                Ticket.hall_id == hall_id,
                Ticket.status == "no_show",
                Ticket.service_id.in_(service_ids),
                Ticket.no_show_at >= since,
            )
            .order_by(Ticket.no_show_at.desc(), Ticket.id.desc())
        )
    )
