"""Appointments at the desk: the day's slots and bookings, booking a citizen, adding slots,
importing an online platform's bookings, and marking the day's no-shows."""

from datetime import date, timedelta

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hallapp.blueprints.guidance import bp
from hallapp.blueprints.guidance.forms import BookingForm, CsrfOnlyForm, ImportForm, SlotsForm
from hallapp.blueprints.guidance.views.common import (
    desk_staff,
    hall,
    service,
    service_choices,
    supervisors,
    today,
)
from hallapp.extensions import db
from hallapp.forms import submit
from hallapp.htmx import is_partial, redirect_after_post, render_page, render_shape
from hallapp.i18n import HALL_TIMEZONE
from hallapp.models import Appointment, utcnow
from hallapp.services import appointment_import, appointments, audit
from hallapp.services.errors import InvalidValue

PAGE = "guidance/appointments.html"


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return today()


def _slot_label(slot) -> str:
    start = slot.starts_at.astimezone(HALL_TIMEZONE).strftime("%H:%M")
    free = _("%(n)d free", n=slot.free)
    return f"{start} {slot.service.code} · {free}"


def _appointments_context(day: date, **forms):
    desk = hall()
    # The bookings table shows names and masked documents: every look is audited.
    audit.log_view(
        "guidance.bookings.view",
        actor=current_user,
        target=f"day:{day.isoformat()}",
        hall_id=desk.id,
        address=request.remote_addr,
        now=utcnow(),
    )
    slots = appointments.slots_on(desk, day)
    # Fresh forms must not pick up the request's data: a booked citizen's number is cleared.
    booking = forms.get("booking") or BookingForm(prefix="book", formdata=None)
    booking.slot.choices = [
        (s.id, _slot_label(s)) for s in appointments.bookable_slots(desk, day, now=utcnow())
    ]
    slots_form = forms.get("slots_form") or SlotsForm(
        prefix="slots", formdata=None, first_day=day, last_day=day
    )
    slots_form.service.choices = service_choices(desk)
    slot_ids = [s.id for s in slots]
    bookings = (
        list(
            db.session.scalars(
                select(Appointment)
                .where(Appointment.slot_id.in_(slot_ids))
                .order_by(Appointment.slot_id, Appointment.id)
            )
        )
        if slot_ids
        else []
    )
    return {
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "slots": slots,
        "bookings": bookings,
        "booking": booking,
        "slots_form": slots_form,
        "import_form": forms.get("import_form") or ImportForm(prefix="import", formdata=None),
        "import_result": forms.get("import_result"),
        "booked": forms.get("booked"),
        "oob": forms.get("oob", False),
    }


@bp.get("/appointments", endpoint="appointments")
@desk_staff
def appointments_page():
    return render_template(PAGE, **_appointments_context(_day_arg()))


@bp.post("/appointments/book", endpoint="book")
@desk_staff
def book():
    day = _day_arg()
    form = BookingForm(prefix="book")
    # The context gives the form its slots to choose from before it is validated.
    context = _appointments_context(day, booking=form)
    return submit(
        form,
        lambda: appointments.book(
            hall(),
            form.slot.data,
            citizen_name=form.citizen_name.data or "",
            document_number=form.document_number.data or "",
            phone=form.phone.data or "",
            actor=current_user,
            now=utcnow(),
        ),
        done=lambda booked: render_page(
            PAGE,
            "guidance/_booking_form.html",
            **_appointments_context(day, booked=booked, oob=is_partial()),
        ),
        invalid=lambda: render_shape(PAGE, "guidance/_booking_form.html", **context),
        default_field="slot",
    )


@bp.post("/appointments/slots", endpoint="create_slots")
@supervisors
def create_slots():
    form = SlotsForm(prefix="slots")
    form.service.choices = service_choices(hall())

    def added(made: int):
        flash(_("%(n)d slots added.", n=made), "success")
        return redirect_after_post(
            url_for("guidance.appointments", day=form.first_day.data.isoformat())
        )

    return submit(
        form,
        lambda: appointments.create_slots(
            hall(),
            service(int(form.service.data)),
            first_day=form.first_day.data,
            last_day=form.last_day.data,
            minutes=form.minutes.data,
            capacity=form.capacity.data,
            actor=current_user,
            now=utcnow(),
        ),
        done=added,
        invalid=lambda: render_shape(
            PAGE, "guidance/_slots_form.html", **_appointments_context(_day_arg(), slots_form=form)
        ),
    )


def _import(form: ImportForm) -> appointment_import.ImportResult:
    upload = form.file.data
    data = upload.read() if upload else b""
    if not data:
        raise InvalidValue(_("Choose the CSV file to import."), field="file")
    return appointment_import.import_bookings(hall(), data, actor=current_user, now=utcnow())


@bp.post("/appointments/import", endpoint="import_bookings")
@desk_staff
def import_bookings():
    form = ImportForm(prefix="import")

    def shown(result=None):
        imported = result is not None and result.ok
        context = _appointments_context(
            _day_arg(), import_form=form, import_result=result, oob=is_partial() and imported
        )
        return render_shape(PAGE, "guidance/_import_form.html", **context)

    # A file with a bad row is refused whole: its lines and reasons, as 422.
    return submit(
        form,
        lambda: _import(form),
        done=lambda result: (shown(result), 200 if result.ok else 422),
        invalid=shown,
    )


@bp.post("/appointments/no-shows", endpoint="mark_no_shows")
@desk_staff
def mark_no_shows():
    form = CsrfOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    count = appointments.mark_no_shows(hall(), now=utcnow())
    flash(_("%(n)d bookings marked as not come.", n=count), "success")
    return redirect_after_post(url_for("guidance.appointments", day=_day_arg().isoformat()))
