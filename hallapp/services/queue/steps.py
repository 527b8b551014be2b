"""The ticket's state machine, stated once: which step leads from which statuses to which.

Every step function checks itself against this table (take), the console draws its
buttons from it (allowed_steps, counter_steps) and the API's documentation lists the
statuses it names. Rules beyond the status (the recovery window, a free counter, the
recall limit) stay with the step that applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from hallapp.models import AT_COUNTER_STATUSES, Counter, Staff, Ticket
from hallapp.services.devices import Device

from .at_counter import AtCounter, moved_at_once, ticket_at_counter
from .common import (
    check_counter,
    commit,
    event_columns,
    locked_ticket,
    record_event,
    refuse,
    write_ticket,
)
from .errors import IllegalStep

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

# Only the counter a ticket was called to may take a step with it.
AT_COUNTER = AT_COUNTER_STATUSES


@dataclass(frozen=True)
class Step:
    name: str
    sources: tuple[str, ...]
    target: str
    event: str  # the TicketEvent.step it writes
    verb: LazyString | None = None  # "... so you cannot <verb> it"


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("issue", (), "waiting", "issued"),
        Step("call", ("waiting",), "called", "called"),
        Step("recall", ("called",), "called", "recalled", _l("recall")),
        Step("start", ("called",), "serving", "started", _l("start")),
        Step("finish", ("serving",), "done", "finished", _l("finish")),
        Step("no_show", ("called",), "no_show", "no_show", _l("mark as a no-show")),
        Step("recover", ("no_show",), "waiting", "recovered", _l("put back in line")),
        Step(
            "walkout", ("waiting", "parked"), "walked_out", "walked_out", _l("record as walked out")
        ),
        Step("park", ("waiting", *AT_COUNTER), "parked", "parked", _l("park")),
        Step("unpark", ("parked",), "waiting", "unparked", _l("return to the queue")),
        Step(
            "transfer",
            ("waiting", *AT_COUNTER, "parked"),
            "transferred",
            "transferred",
            _l("transfer"),
        ),
        Step("cancel", ("waiting", "parked", "called"), "cancelled", "cancelled", _l("cancel")),
    )
}


def allowed_steps(ticket: Ticket) -> tuple[str, ...]:
    """The steps the state machine allows from this ticket's status, in the table's order."""
    return tuple(name for name, step in STEPS.items() if ticket.status in step.sources)


def counter_steps(counter: Counter, ticket: Ticket | None) -> frozenset[str]:
    """What the officer at a counter may do now: call the next ticket when the counter is
    open and free, otherwise the steps of the ticket it holds."""
    if ticket is None:
        return frozenset({"call"}) if counter.state == "open" else frozenset()
    return frozenset(allowed_steps(ticket))


class By(TypedDict, total=False):
    """Who takes a step: the officer, the device, the counter it is taken at."""

    actor: Staff | None
    device: Device | None
    counter: Counter | None


def take(ticket: Ticket | int, step: str, by: By) -> Ticket:
    """Lock the ticket and check that the step is allowed from its status, at this counter."""
    ticket = locked_ticket(ticket)
    if step not in allowed_steps(ticket):
        verb = STEPS[step].verb
        if verb is None:
            refuse(IllegalStep())
        refuse(
            IllegalStep(
                _l(
                    "Ticket %(label)s is %(status)s, so you cannot %(step)s it.",
                    label=ticket.label,
                    status=STATUS_LABELS[ticket.status],
                    step=verb,
                )
            )
        )
    if ticket.status in AT_COUNTER:
        check_counter(ticket, by.get("counter"))
    return ticket


def move(
    ticket: Ticket | int | AtCounter,
    step: str,
    *,
    now: datetime,
    by: By,
    detail: str = "",
    **changes: object,
) -> Ticket:
    """A step with no rule of its own: take it, set its fields, advance and commit. A
    ticket a counter device names (AtCounter) is moved in one statement where it can be
    (at_counter.py)."""
    if isinstance(ticket, AtCounter):
        columns, event = step_writes(
            step,
            hall_id=ticket.hall_id,
            counter_id=ticket.counter_id,
            now=now,
            by=by,
            detail=detail,
            changes=changes,
        )
        moved = moved_at_once(ticket, sources=STEPS[step].sources, changes=columns, event=event)
        if moved is not None:
            return moved
        ticket = ticket_at_counter(ticket)  # the usual way: its checks say why not
        by = {**by, "counter": ticket.counter}
    ticket = take(ticket, step, by)
    advance(ticket, step, now=now, by=by, detail=detail, **changes)
    commit(ticket.hall_id)
    return ticket


def step_writes(
    step: str,
    *,
    hall_id: int,
    counter_id: int,
    now: datetime,
    by: By,
    detail: str = "",
    changes: dict[str, object],
) -> tuple[dict[str, object], dict[str, object]]:
    """What the step writes, for a one-statement move (at_counter.py): the ticket's columns
    (its new status and these changes) and its event's columns, as `advance` writes them."""
    rule = STEPS[step]
    event = event_columns(
        rule.event,
        hall_id=hall_id,
        now=now,
        actor=by.get("actor"),
        counter_id=counter_id,
        device=by.get("device"),
        detail=detail,
    )
    return {"status": rule.target, **changes}, event


def advance(
    ticket: Ticket, step: str, *, now: datetime, by: By, detail: str = "", **changes: object
) -> None:
    """Move the ticket to the step's status with these other changes of its columns, and
    write the step's event (the caller commits)."""
    rule = STEPS[step]
    write_ticket(ticket, status=rule.target, **changes)
    record_event(
        ticket,
        rule.event,
        now=now,
        actor=by.get("actor"),
        device=by.get("device"),
        counter=by.get("counter"),
        detail=detail,
    )
