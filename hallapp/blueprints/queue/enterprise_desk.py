"""The enterprise room's steps on the one console: find the enterprise a ticket is for,
link them, and record the registration service as the ticket finishes. Every other key
(call, recall, start, finish, no-show, transfer, walkout, cancel) is the console's own."""

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.access import role_required
from hallapp.blueprints.enterprise.desk import console_form, desk_context
from hallapp.blueprints.queue import bp
from hallapp.blueprints.queue.views import _act, _counter, _current, _panel
from hallapp.forms import submit
from hallapp.models import Counter, Enterprise, utcnow
from hallapp.services import enterprise as rooms
from hallapp.services.halls import get_in_hall
from hallapp.validation import bounded_int

clerk_role = role_required("enterprise")


def _room_counter(number: int) -> Counter:
    counter = _counter(number)
    if counter.room != "enterprise":
        abort(404)
    return counter


@bp.get("/counters/<int:number>/enterprises")
@clerk_role
def find_enterprise(number):
    """The enterprises matching what the clerk types, each with a button to link it."""
    counter = _room_counter(number)
    ticket, link = rooms.current_ticket_and_link(counter)
    context = desk_context(counter, ticket, link, query=request.args.get("q", ""))
    return render_template("queue/_enterprise_matches.html", counter=counter, **context)


@bp.post("/counters/<int:number>/enterprise/link")
@clerk_role
def link_enterprise(number):
    # The rule that only an enterprise-room ticket is linked stands for the room check.
    enterprise_id = bounded_int(request.form.get("enterprise_id")) or 0

    def step(counter, now):
        enterprise = get_in_hall(Enterprise, enterprise_id, counter.hall_id)
        ticket = _current(counter)
        rooms.link_ticket(ticket, enterprise, actor=current_user._get_current_object(), now=now)
        return _("%(label)s is for %(name)s.", label=ticket.label, name=enterprise.name_zh)

    return _act(number, step)


@bp.post("/counters/<int:number>/enterprise/serve")
@clerk_role
def serve_enterprise(number):
    """Record the registration service for the linked enterprise and finish the ticket."""
    counter = _room_counter(number)
    if counter.officer_id != current_user.id:
        return _panel(counter, 409, error=_("Take this counter first."))
    ticket, link = rooms.current_ticket_and_link(counter)
    if ticket is None or link is None:
        return _panel(counter, 422, error=_("Call a ticket and link it to an enterprise first."))
    label, name = ticket.label, link.enterprise.name_zh
    form = console_form(link.enterprise)
    return submit(
        form,
        lambda: rooms.serve_ticket(
            ticket,
            counter=counter,
            clerk=current_user._get_current_object(),
            member_ids=form.member_ids.data or [],
            outcome=form.outcome.data,
            documents_checked=form.documents_checked.data,
            note=form.note.data,
            now=utcnow(),
        ),
        done=lambda _service: _panel(
            counter,
            message=_(
                "%(ticket)s finished; the service for %(name)s was recorded.",
                ticket=label,
                name=name,
            ),
        ),
        # The panel again, the clerk's ticks and notes kept, each refusal by its field.
        invalid=lambda: _panel(_counter(number), form=form)[0],
        default_field="member_ids",
    )
