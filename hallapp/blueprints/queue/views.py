"""The counter console: one page per counter, driven by buttons or the keyboard.

One console serves the counters of both rooms. At an enterprise-room counter it also
draws the room's part (enterprise/desk.py): which enterprise the ticket is for, and the
registration recorded as the ticket finishes (enterprise_desk.py has its steps).

Each action posts with htmx and gets the counter panel back, with the waiting list as an
out-of-band swap. The waiting list polls `?since=<version>` every second and gets 204
while the hall's version is unchanged, so an idle console costs one indexed read.
"""

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hallapp.access import COUNTER_ROOMS, counter_rooms, role_required
from hallapp.blueprints.enterprise.desk import desk_context
from hallapp.blueprints.queue import bp
from hallapp.extensions import db
from hallapp.htmx import is_partial
from hallapp.labels import COUNTER_STATE_LABELS
from hallapp.models import Counter, Service, Ticket, utcnow
from hallapp.services import enterprise as rooms
from hallapp.services import hall_now, live, queue
from hallapp.services.errors import HallError
from hallapp.validation import bounded_int

# Each role reaches only its own room's counters: _counter() answers 404 for the others.
counter_role = role_required(*COUNTER_ROOMS)

NEED_LABELS = {
    "senior": lambda: _("Senior"),
    "disabled": lambda: _("Disability"),
    "pregnant": lambda: _("Pregnant"),
    "patient": lambda: _("Patient"),
    "interpreter": lambda: _("Needs an interpreter"),
}


def _counter(number: int) -> Counter:
    """A counter of the officer's hall, in a room the officer works in."""
    counter = db.session.scalar(
        select(Counter).where(
            Counter.hall_id == current_user.hall_id,
            Counter.number == number,
            Counter.room.in_(counter_rooms(current_user)),
        )
    )
    if counter is None:
        abort(404)
    return counter


def _context(
    counter: Counter, *, message: str | None = None, error: str | None = None, **desk
) -> dict:
    now = utcnow()
    state = hall_now.hall_now(counter.hall, now=now)
    if counter.room == "enterprise":
        ticket, link = rooms.current_ticket_and_link(counter)
    else:
        ticket, link = queue.current_ticket(counter), None
    service_ids = queue.counter_service_ids(counter)
    waiting = queue.waiting_list(counter.hall_id, service_ids, now=now)
    services = db.session.scalars(
        select(Service)
        .where(Service.hall_id == counter.hall_id, Service.active.is_(True))
        .order_by(Service.code)
    )
    context = {
        "counter": counter,
        "ticket": ticket,
        "needs": [NEED_LABELS[need]() for need in ticket.visit.needs] if ticket else [],
        "waiting": waiting,
        # How many wait, and how many this counter served: from the hall now, as every
        # other screen counts them.
        "waiting_total": state.waiting_for(service_ids),
        "served_today": state.served_today.get(counter.id, 0),
        "parked": queue.parked_tickets(counter.hall_id, service_ids),
        "missed": queue.recoverable_no_shows(counter.hall_id, service_ids, now=now),
        "transfer_services": [s for s in services if not ticket or s.id != ticket.service_id],
        "version": live.current_version(counter.hall_id),
        "is_mine": counter.officer_id == current_user.id,
        "message": message,
        "error": error,
        "status_labels": queue.STATUS_LABELS,
        # The buttons the panel enables, from the ticket's state machine.
        "steps": queue.counter_steps(counter, ticket),
        "allowed_steps": queue.allowed_steps,
    }
    if counter.room == "enterprise":
        context.update(desk_context(counter, ticket, link, **desk))
    return context


@bp.get("/counters")
@counter_role
def counters():
    rows = db.session.scalars(
        select(Counter)
        .where(
            Counter.hall_id == current_user.hall_id,
            Counter.room.in_(counter_rooms(current_user)),
        )
        .order_by(Counter.number)
    )
    return render_template("queue/counters.html", counters=list(rows))


@bp.get("/counters/<int:number>")
@counter_role
def counter(number):
    counter = _counter(number)
    since = bounded_int(request.args.get("since"))
    if is_partial() and since is not None:
        # The waiting list polling: nothing changed in the hall, nothing to send.
        if live.current_version(counter.hall_id) == since:
            return "", 204
        return render_template("queue/_waiting_list.html", **_context(counter))
    # ?q= is the enterprise-room search without JavaScript: the page comes with the matches.
    context = _context(counter, query=request.args.get("q", ""))
    if is_partial():
        return render_template("queue/_counter_panel.html", **context)
    return render_template("queue/counter.html", **context)


def _panel(counter: Counter, status: int = 200, *, confirm_take_over: bool = False, **context):
    """The panel and the waiting list (out of band), from one build of the context."""
    built = _context(counter, **context)
    body = render_template(
        "queue/_counter_panel.html", confirm_take_over=confirm_take_over, **built
    )
    body += render_template("queue/_waiting_list.html", oob=True, **built)
    return body, status


def _act(number: int, action):
    """Run one step for the signed-in officer's counter; refusals come back in the panel."""
    counter = _counter(number)
    if counter.officer_id != current_user.id:
        return _panel(counter, 409, error=_("Take this counter first."))
    try:
        message = action(counter, utcnow())
    except HallError as error:
        db.session.rollback()
        counter = _counter(number)
        if isinstance(error, queue.NoTicketsWaiting):
            return _panel(counter, message=str(error.message))
        return _panel(counter, 409, error=str(error.message))
    # The step committed; the counter row it locked is this session's, fresh after commit.
    return _panel(counter, message=message)


def _current(counter: Counter) -> Ticket:
    """The counter's ticket, locked for the step about to be taken with it."""
    ticket = queue.current_ticket(counter, lock=True)
    if ticket is None:
        raise queue.IllegalStep(_("There is no ticket at this counter now."))
    return ticket


@bp.post("/counters/<int:number>/sign-in")
@counter_role
def sign_in(number):
    counter = _counter(number)
    try:
        queue.sign_in_to_counter(
            counter,
            current_user._get_current_object(),
            now=utcnow(),
            take_over=request.form.get("take_over") == "1",
        )
    except HallError as error:
        db.session.rollback()
        confirm = isinstance(error, queue.CounterTakenMidService)
        return _panel(_counter(number), 409, error=str(error.message), confirm_take_over=confirm)
    return _panel(_counter(number), message=_("You are at counter %(n)s.", n=number))


@bp.post("/counters/<int:number>/next")
@counter_role
def call_next(number):
    def step(counter, now):
        ticket = queue.call_next(counter, now=now, actor=current_user._get_current_object())
        return _("Called %(label)s.", label=ticket.label)

    return _act(number, step)


def _ticket_step(number: int, function, done_message, **kwargs):
    def step(counter, now):
        ticket = _current(counter)
        function(
            ticket, now=now, actor=current_user._get_current_object(), counter=counter, **kwargs
        )
        return done_message(ticket)

    return _act(number, step)


@bp.post("/counters/<int:number>/recall")
@counter_role
def recall(number):
    return _ticket_step(number, queue.recall, lambda t: _("%(label)s called again.", label=t.label))


@bp.post("/counters/<int:number>/start")
@counter_role
def start(number):
    return _ticket_step(number, queue.start, lambda t: _("Serving %(label)s.", label=t.label))


@bp.post("/counters/<int:number>/finish")
@counter_role
def finish(number):
    return _ticket_step(number, queue.finish, lambda t: _("%(label)s done.", label=t.label))


@bp.post("/counters/<int:number>/no-show")
@counter_role
def no_show(number):
    return _ticket_step(
        number, queue.mark_no_show, lambda t: _("%(label)s marked as a no-show.", label=t.label)
    )


@bp.post("/counters/<int:number>/park")
@counter_role
def park(number):
    return _ticket_step(number, queue.park, lambda t: _("%(label)s parked.", label=t.label))


def _held_ticket(counter: Counter, ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.service_id not in queue.counter_service_ids(counter):
        raise queue.UnknownTicket()
    return ticket


@bp.post("/counters/<int:number>/tickets/<int:ticket_id>/unpark")
@counter_role
def unpark(number, ticket_id):
    to = request.form.get("to", "head")

    def step(counter, now):
        ticket = queue.unpark(
            _held_ticket(counter, ticket_id),
            to=to,
            now=now,
            actor=current_user._get_current_object(),
        )
        return _("%(label)s is back in the queue.", label=ticket.label)

    return _act(number, step)


@bp.post("/counters/<int:number>/tickets/<int:ticket_id>/recover")
@counter_role
def recover(number, ticket_id):
    def step(counter, now):
        ticket = queue.recover_missed(
            _held_ticket(counter, ticket_id), now=now, actor=current_user._get_current_object()
        )
        return _("%(label)s is back in the queue.", label=ticket.label)

    return _act(number, step)


@bp.post("/counters/<int:number>/tickets/<int:ticket_id>/walkout")
@counter_role
def walkout(number, ticket_id):
    """The visitor left before being called: out of the waiting list, counted apart."""

    def step(counter, now):
        ticket = queue.record_walkout(
            _held_ticket(counter, ticket_id), now=now, actor=current_user._get_current_object()
        )
        return _("%(label)s recorded as walked out.", label=ticket.label)

    return _act(number, step)


@bp.post("/counters/<int:number>/tickets/<int:ticket_id>/cancel")
@counter_role
def cancel(number, ticket_id):
    """The visitor no longer needs the ticket (waiting, parked, or called here)."""

    def step(counter, now):
        ticket = queue.cancel(
            _held_ticket(counter, ticket_id),
            now=now,
            actor=current_user._get_current_object(),
            counter=counter,
        )
        return _("%(label)s cancelled.", label=ticket.label)

    return _act(number, step)


@bp.post("/counters/<int:number>/transfer")
@counter_role
def transfer(number):
    code = request.form.get("service", "")

    def step(counter, now):
        ticket = _current(counter)
        new = queue.transfer(
            ticket, code, now=now, actor=current_user._get_current_object(), counter=counter
        )
        return _("%(old)s transferred as %(new)s.", old=ticket.label, new=new.label)

    return _act(number, step)


@bp.post("/counters/<int:number>/state")
@counter_role
def set_state(number):
    state = request.form.get("state", "")

    def step(counter, now):
        queue.set_counter_state(counter, state, now=now, actor=current_user._get_current_object())
        return _("Counter is now %(state)s.", state=_state_label(state))

    return _act(number, step)


def _state_label(state: str) -> str:
    return str(COUNTER_STATE_LABELS.get(state, state))
