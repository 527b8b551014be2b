"""Recording a registration service from an enterprise's page (a booking, or someone served
without a ticket). At a counter, the one console records it as the ticket finishes; the
room's old console addresses lead there."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.access import role_required
from hallapp.blueprints.enterprise import bp
from hallapp.blueprints.enterprise.common import (
    back_to_record,
    enterprise_or_404,
    hall,
    in_hall,
    page_or_partial,
    room_staff,
)
from hallapp.blueprints.enterprise.forms import ServiceForm
from hallapp.extensions import db
from hallapp.forms import submit
from hallapp.models import Counter, Enterprise, EnterpriseAppointment
from hallapp.services import enterprise as rooms
from hallapp.validation import bounded_int


def _service_form(enterprise: Enterprise, **kwargs) -> ServiceForm:
    form = ServiceForm(**kwargs)
    form.member_ids.choices = [(member.id, member.name) for member in enterprise.active_members]
    form.counter_id.choices = [
        (counter.id, _("Counter %(number)s", number=counter.number))
        for counter in rooms.exclusive_counters(hall())
    ]
    return form


def _booking(enterprise: Enterprise, appointment_id: int | None):
    """The booking the service is given for, when the form came from one."""
    if not appointment_id:
        return None
    appointment = in_hall(EnterpriseAppointment, appointment_id)
    if appointment.enterprise_id != enterprise.id:
        abort(404)
    return appointment


@bp.route(
    "/enterprises/<int:enterprise_id>/services",
    methods=["GET", "POST"],
    endpoint="record_service",
)
@room_staff
def record_service(enterprise_id):
    enterprise = enterprise_or_404(enterprise_id)
    appointment_id = bounded_int(request.values.get("appointment_id"), minimum=1)
    appointment = _booking(enterprise, appointment_id)
    context = {"enterprise": enterprise, "appointment": appointment}
    if request.method == "GET":
        form = _service_form(enterprise, appointment_id=appointment_id or "")
        if appointment is not None:
            form.mode.data = "appointment"
            form.member_ids.data = [member.id for member in appointment.members]
        return render_template("enterprise/service_form.html", form=form, **context)
    form = _service_form(enterprise)

    def save():
        counter = db.session.get(Counter, form.counter_id.data or 0)
        if counter is None:
            raise rooms.WrongCounter()
        return rooms.record_service(
            enterprise,
            member_ids=form.member_ids.data or [],
            mode=form.mode.data,
            counter=counter,
            clerk=current_user,
            outcome=form.outcome.data,
            documents_checked=form.documents_checked.data,
            note=form.note.data,
            appointment=appointment,
        )

    return submit(
        form,
        save,
        done=lambda _service: back_to_record(enterprise.id, _("The service was recorded.")),
        invalid=lambda: page_or_partial(
            "enterprise/service_form.html", "enterprise/_service_form.html", form=form, **context
        ),
    )


@bp.get("/counters", endpoint="counters")
@role_required("enterprise")
def counters():
    """Bookmarked on the room's tablets: the counters are the one console's now."""
    return redirect(url_for("queue.counters"), 301)


@bp.get("/counters/<int:number>", endpoint="console")
@role_required("enterprise")
def console(number):
    return redirect(url_for("queue.counter", number=number), 301)
