"""Issuing tickets: the service day's next number, during opening hours, within the daily limit."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from hallapp.extensions import db
from hallapp.models import (
    PRIORITY_CLASSES,
    PRIORITY_NEEDS,
    TICKET_SOURCES,
    Hall,
    Service,
    Staff,
    Ticket,
    TicketCounter,
    Visit,
)
from hallapp.services import hall_now, remembered
from hallapp.services.devices import Device
from hallapp.services.errors import InvalidValue

from . import writes
from .common import commit, core, core_alone, event_columns, insert_row, inserted, refuse
from .errors import (
    DailyLimitReached,
    HallClosedToday,
    OutsideOpeningHours,
    ServiceInactive,
    UnknownService,
    UnknownTicket,
)
from .numbers import numbered_insert, take_number
from .steps import STEPS


def tracking_path(ticket: Ticket) -> str:
    """Where a citizen follows their ticket on their own phone."""
    return f"/t/{ticket.public_id}"


def get_ticket_by_public_id(public_id: str) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.public_id == public_id))
    if ticket is None:
        raise UnknownTicket()
    return ticket


def get_service(hall: Hall, service_code: str) -> Service:
    """The hall's service by its code, as the worker read it a moment ago (remembered.py)."""
    service = remembered.service(hall.id, service_code)
    if service is None:
        raise UnknownService()
    return service


def _priority_for(priority_class: str, needs: Mapping[str, object]) -> str:
    if priority_class != "normal":
        return priority_class
    return next((need for need in PRIORITY_NEEDS if needs.get(need)), "normal")


def limit_reached(hall: Hall, service: Service, now: datetime) -> bool:
    """The service's daily limit is used up already (read without a lock: a kiosk pressed
    after the last ticket went is refused before it queues for a number). On PostgreSQL
    the numbering statement looks first, and refuses by writing nothing: this read is made
    only then, so that an issue within the limit reads nothing before its statement."""
    if service.daily_limit is None:
        return False
    issued = db.session.scalar(
        select(TicketCounter.issued).where(
            TicketCounter.hall_id == hall.id,
            TicketCounter.service_id == service.id,
            TicketCounter.service_day == hall_now.service_day(hall, now),
        )
    )
    return issued is not None and issued >= service.daily_limit


# A visit not yet in the database: its columns' values, to insert with its first ticket.
NewVisit = dict[str, object]


def numbered_ticket(
    hall: Hall,
    service: Service,
    visit: Visit | NewVisit,
    *,
    now: datetime,
    issuing: bool,
    issued_event: dict[str, object] | None = None,
    alone: bool = False,
    **fields,
) -> Ticket:
    """A new ticket with the service day's next number (see numbers.take_number), refused
    when an issue would pass the service's daily limit; for a NewVisit, that visit is
    inserted with it. With `issued_event` (event_columns), the ticket's event is written
    with it, and on PostgreSQL the hall's version is bumped in the same statement (the
    step's commit then has nothing left to send). Take it last before the commit. With
    `alone`, the caller writes nothing else: when nothing was sent before it either, that
    statement is the whole transaction (common.core_alone)."""
    day = hall_now.service_day(hall, now)
    new_visit = visit if isinstance(visit, dict) else None
    values = {
        "hall_id": hall.id,
        "service_id": service.id,
        "service_day": day,
        "status": STEPS["issue"].target,
        "public_id": secrets.token_urlsafe(16),
        "issued_at": now,
        **fields,
    }
    if not isinstance(visit, dict):
        values["visit_id"] = visit.id
    ticket = _numbered_at_once(
        values, new_visit, issued_event, issuing=issuing, limit=service.daily_limit, alone=alone
    )
    if ticket is None:  # SQLite, the day's first number, or past the limit
        if issuing and limit_reached(hall, service, now):
            refuse(DailyLimitReached())
        if isinstance(visit, dict):
            visit = insert_row(Visit, visit)
            values["visit_id"] = visit.id
        number, issued = take_number(hall.id, service.id, day, issuing=issuing)
        if issuing and service.daily_limit is not None and issued > service.daily_limit:
            refuse(DailyLimitReached())
        ticket = insert_row(Ticket, values | {"number": number})
        if issued_event is not None:
            writes.ticket_event(db.session(), {"ticket_id": ticket.id, **issued_event})
    else:  # the statement wrote what came with it: a new visit, the event, the bump
        if isinstance(visit, dict):
            visit = inserted(Visit, {"id": ticket.visit_id, **visit})
        if issued_event is not None:
            writes.bumped(db.session(), hall.id)
    set_committed_value(ticket, "service", service)  # its label needs it, loaded already
    set_committed_value(ticket, "visit", visit)
    db.session.expire(visit, ["tickets"])
    return ticket


def _numbered_at_once(
    values: dict,
    new_visit: NewVisit | None,
    issued_event: dict[str, object] | None,
    *,
    issuing: bool,
    limit: int | None,
    alone: bool,
) -> Ticket | None:
    """On PostgreSQL, the number and the ticket (and a new visit, its event and the hall's
    version) in one statement (numbers.numbered_insert): the day's counter row is locked
    from it to the commit, with no round trip between."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    visit = new_visit or {}
    event = issued_event or {}
    run = core_alone if alone else core
    row = run(
        numbered_insert(tuple(values), tuple(visit), tuple(event)),
        {
            "b_hall": values["hall_id"],
            "b_service": values["service_id"],
            "b_day": values["service_day"],
            "b_counts": 1 if issuing else 0,
            "b_limit": limit if issuing else None,
        }
        | {f"t_{name}": value for name, value in values.items()}
        | {f"v_{name}": value for name, value in visit.items()}
        | {f"e_{name}": value for name, value in event.items()},
    ).first()
    return inserted(Ticket, dict(row._mapping)) if row is not None else None


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
    device: Device | None = None,
    idempotency_key: str | None = None,
) -> Ticket:
    """Give a visitor the next number of a service today (A001, A002 ...), during opening hours.

    With an `idempotency_key` (the device's retry of a request whose answer was lost), a
    ticket already issued under that key is returned as it is, and nothing new is made.
    """
    if source not in TICKET_SOURCES:
        refuse(InvalidValue(_l("Unknown ticket source."), field="source"))
    if priority_class not in PRIORITY_CLASSES:
        refuse(InvalidValue(_l("Unknown priority class."), field="priority_class"))
    if priority_class == "appointment" and source != "appointment":
        # Only checking in a booking earns the appointment's place; a kiosk may not claim it.
        refuse(
            InvalidValue(
                _l("Only an appointment check-in gives appointment priority."),
                field="priority_class",
            )
        )
    if idempotency_key is not None:
        earlier = ticket_by_idempotency_key(idempotency_key)
        if earlier is not None:
            return earlier
    service = get_service(hall, service_code)
    if not service.active:
        refuse(ServiceInactive())
    opening = hall_now.opening_state(hall, now)
    if opening in ("inactive", "closed_today"):
        refuse(HallClosedToday())
    if opening == "outside_hours":
        refuse(OutsideOpeningHours())
    said = {
        need: bool(value)
        for need, value in (needs or {}).items()
        if need in (*PRIORITY_NEEDS, "interpreter")
    }
    if visit is None:
        # Inserted with the ticket (numbered_ticket), every column given: its object is
        # then the whole row.
        columns: NewVisit = {"hall_id": hall.id, "arrived_at": now} | {
            need: said.get(need, False) for need in (*PRIORITY_NEEDS, "interpreter")
        }
        new: Visit | NewVisit = columns
        visit_needs: Mapping[str, object] = columns
    else:
        for need, value in said.items():
            setattr(visit, need, value)
        new = visit
        visit_needs = {need: getattr(visit, need) for need in PRIORITY_NEEDS}
        # Everything but the ticket is written before its number is taken: from then on
        # other kiosks of the service wait for this commit.
        db.session.flush()
    issued_event = event_columns(
        STEPS["issue"].event, hall_id=hall.id, now=now, actor=actor, device=device, detail=source
    )
    ticket = numbered_ticket(
        hall,
        service,
        new,
        now=now,
        issuing=True,
        issued_event=issued_event,
        alone=True,
        source=source,
        priority_class=_priority_for(priority_class, visit_needs),
        arrival_at=now,
        idempotency_key=idempotency_key,
    )
    commit(hall.id)
    return ticket


def ticket_by_idempotency_key(key: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.idempotency_key == key))
