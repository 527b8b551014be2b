"""The enterprise room's bookings: made from an enterprise's page, listed by day, cancelled,
and checked in to the queue when the people arrive."""

from datetime import datetime, timedelta

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.blueprints.enterprise import bp
from hallapp.blueprints.enterprise.common import (
    appointment_form,
    detail_context,
    enterprise_or_404,
    hall,
    in_hall,
    room_staff,
)
from hallapp.extensions import db
from hallapp.forms import submit
from hallapp.htmx import redirect_after_post
from hallapp.i18n import HALL_TIMEZONE, service_day
from hallapp.models import EnterpriseAppointment, utcnow
from hallapp.services import enterprise as rooms
from hallapp.services.errors import HallError


@bp.post("/enterprises/<int:enterprise_id>/appointments", endpoint="book_appointment")
@room_staff
def book_appointment(enterprise_id):
    enterprise = enterprise_or_404(enterprise_id)
    form = appointment_form(enterprise)
    return submit(
        form,
        lambda: rooms.book_appointment(
            enterprise,
            starts_at=datetime.combine(form.day.data, form.time.data, tzinfo=HALL_TIMEZONE),
            member_ids=form.member_ids.data or [],
            note=form.note.data,
            actor=current_user,
        ),
        done=lambda _booking: render_template(
            "enterprise/_appointments.html", **detail_context(enterprise)
        ),
        invalid=lambda: render_template(
            "enterprise/_appointments.html", **detail_context(enterprise, appointment_form=form)
        ),
    )


def _refused_as_flash(step) -> None:
    try:
        step()
    except HallError as error:
        db.session.rollback()
        flash(str(error.message), "error")


@bp.post("/appointments/<int:appointment_id>/cancel", endpoint="cancel_appointment")
@room_staff
def cancel_appointment(appointment_id):
    appointment = in_hall(EnterpriseAppointment, appointment_id)
    enterprise_id = appointment.enterprise_id
    _refused_as_flash(lambda: rooms.cancel_appointment(appointment, actor=current_user))
    return redirect_after_post(url_for("enterprise.enterprise", enterprise_id=enterprise_id))


@bp.get("/appointments", endpoint="appointments")
@room_staff
def appointments():
    try:
        day = datetime.strptime(request.args.get("day", ""), "%Y-%m-%d").date()
    except ValueError:
        day = service_day(utcnow())
    return render_template(
        "enterprise/appointments.html",
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        bookings=rooms.appointments_on(hall(), day),
    )


@bp.post("/appointments/<int:appointment_id>/check-in", endpoint="check_in")
@room_staff
def check_in(appointment_id):
    appointment = in_hall(EnterpriseAppointment, appointment_id)
    day = service_day(appointment.starts_at).isoformat()

    def check_in_and_say():
        ticket = rooms.check_in_appointment(appointment, actor=current_user)
        flash(
            _("Checked in: ticket %(ticket)s for the enterprise room.", ticket=ticket.label),
            "success",
        )

    _refused_as_flash(check_in_and_say)
    return redirect_after_post(url_for("enterprise.appointments", day=day))
