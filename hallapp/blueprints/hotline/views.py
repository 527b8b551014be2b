"""The hotline desk: one page for a whole call, each step answered in its own panel."""

from datetime import date

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from hallapp.access import role_required
from hallapp.blueprints.hotline import bp
from hallapp.blueprints.hotline.forms import (
    BookingForm,
    CallerForm,
    CallSuggestionForm,
    LookupForm,
    PolicyFollowUpForm,
    TextChecklistForm,
)
from hallapp.forms import submit
from hallapp.htmx import is_partial
from hallapp.i18n import format_local, localized, service_day, to_local
from hallapp.models import utcnow
from hallapp.phone_links import checklist_url, phone_url
from hallapp.services import appointments, checklists, hotline, notifications
from hallapp.services.errors import HallError
from hallapp.validation import bounded_int

operators = role_required("hotline", "supervisor")


def _locale() -> str:
    return str(get_locale() or "zh_Hans_CN")


def _masked(phone: str | None) -> str:
    """The caller's phone as the officer reads it back: the number texted, partly hidden."""
    return notifications.mask_phone(notifications.normalize_phone(phone or ""))


def _services(hall):
    return [s for s in hall.services if s.active]


def _lookup_form(hall, formdata=None):
    form = LookupForm(formdata=formdata)
    form.service.choices = [(s.id, f"{s.code} · {localized(s)}") for s in _services(hall)]
    if form.day.data is None:
        form.day.data = service_day(utcnow())
    return form


def _submit_step(form, save, *, done, again):
    """forms.submit for a step of the call. A refused caller's phone is said above the form:
    the officer typed it once, at the top of the page."""

    def invalid():
        for message in form.phone.errors:
            form.form_errors.append(_("Caller's phone: %(message)s", message=message))
        return again()

    return submit(form, save, done=done, invalid=invalid)


def _slot_choices(slots):
    return [
        (
            slot.id,
            _(
                "%(time)s · %(n)d free",
                time=to_local(slot.starts_at).strftime("%H:%M"),
                n=slot.free,
            ),
        )
        for slot in slots
    ]


def _lookup_context(hall, service, day, **given):
    now = utcnow()
    slots = appointments.bookable_slots(hall, day, now=now, service=service)
    booking = given.get("booking") or BookingForm(formdata=None)
    booking.slot.choices = _slot_choices(slots)
    return {
        "service": service,
        "version": checklists.current_checklist(service),
        "link": checklist_url(service),
        "day": day,
        "slots": slots,
        "booking": booking,
        "text_form": given.get("text_form") or TextChecklistForm(formdata=None),
        "texted": given.get("texted"),
        "booked": given.get("booked"),
    }


def _desk_context(hall, lookup=None, **extra):
    return {
        "hall": hall,
        "caller": CallerForm(request.args),
        "lookup": lookup or _lookup_form(hall),
        "suggestion": CallSuggestionForm(formdata=None),
        "follow_up": PolicyFollowUpForm(formdata=None),
        **extra,
    }


@bp.get("/", endpoint="desk")
@operators
def desk():
    return render_template("hotline/desk.html", **_desk_context(current_user.hall))


@bp.get("/service", endpoint="service")
@operators
def service():
    """The service the caller asks about: its checklist to read out, and its free times."""
    hall = current_user.hall
    form = _lookup_form(hall, request.args)
    if not form.validate():
        return render_template("hotline/_lookup_errors.html", form=form), 422
    try:
        found = hotline.find_service(hall, form.service.data)
    except HallError as error:
        return render_template("hotline/_lookup_errors.html", form=form, error=error), 404
    context = _lookup_context(hall, found, form.day.data)
    if is_partial():
        return render_template("hotline/_service.html", **context)
    # Opened as a page (a link, no JavaScript): the whole desk with the service shown.
    return render_template("hotline/desk.html", **_desk_context(hall, lookup=form, **context))


def _service_for_post(hall, raw_id):
    """The service a posted form names; None for a missing, foreign or out-of-range id."""
    service_id = bounded_int(raw_id, minimum=1)
    try:
        return hotline.find_service(hall, service_id)
    except HallError:
        return None


@bp.post("/checklist/text", endpoint="text_checklist")
@operators
def text_checklist():
    hall = current_user.hall
    form = TextChecklistForm()
    found = _service_for_post(hall, request.form.get("service"))
    if found is None:
        return render_template("hotline/_lookup_errors.html", form=form), 422
    day = service_day(utcnow())
    return _submit_step(
        form,
        lambda: hotline.text_checklist(
            hall,
            found,
            phone=form.phone.data or "",
            link=checklist_url(found),
            actor=current_user,
            now=utcnow(),
            locale=_locale(),
        ),
        done=lambda _message: render_template(
            "hotline/_service.html",
            **_lookup_context(hall, found, day, texted=_masked(form.phone.data)),
        ),
        again=lambda: render_template(
            "hotline/_service.html", **_lookup_context(hall, found, day, text_form=form)
        ),
    )


@bp.post("/book", endpoint="book")
@operators
def book():
    hall = current_user.hall
    found = _service_for_post(hall, request.form.get("service"))
    if found is None:
        form = BookingForm()
        return render_template("hotline/_lookup_errors.html", form=form), 422
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        day = service_day(utcnow())
    form = BookingForm()
    form.slot.choices = _slot_choices(
        appointments.bookable_slots(hall, day, now=utcnow(), service=found)
    )

    def booked(appointment):
        return render_template(
            "hotline/_service.html",
            **_lookup_context(
                hall,
                found,
                day,
                booked={
                    "code": appointment.code,
                    "phone": _masked(form.phone.data),
                    "at": format_local(appointment.slot.starts_at),
                },
            ),
        )

    return _submit_step(
        form,
        lambda: hotline.book_and_text(
            hall,
            form.slot.data,
            phone=form.phone.data or "",
            citizen_name=form.citizen_name.data or "",
            actor=current_user,
            now=utcnow(),
            locale=_locale(),
        ),
        done=booked,
        again=lambda: render_template(
            "hotline/_service.html", **_lookup_context(hall, found, day, booking=form)
        ),
    )


@bp.post("/suggestion", endpoint="suggestion")
@operators
def suggestion():
    hall = current_user.hall
    form = CallSuggestionForm()
    return _submit_step(
        form,
        lambda: hotline.record_suggestion(
            hall,
            line=form.line.data,
            category=form.category.data,
            text=form.text.data,
            phone=form.phone.data or "",
            wants_reply=form.wants_reply.data,
            track_link=lambda s: phone_url(
                "feedback.track", hall_code=hall.code, code=s.tracking_code
            ),
            actor=current_user,
            now=utcnow(),
            locale=_locale(),
        ),
        done=lambda recorded: render_template(
            "hotline/_suggestion.html",
            form=CallSuggestionForm(formdata=None, line=form.line.data),
            recorded=recorded,
        ),
        again=lambda: render_template("hotline/_suggestion.html", form=form, recorded=None),
    )


@bp.post("/follow-up", endpoint="follow_up")
@operators
def follow_up():
    hall = current_user.hall
    form = PolicyFollowUpForm()
    return _submit_step(
        form,
        lambda: hotline.open_policy_follow_up(
            hall,
            topics=form.topics.data,
            summary=form.summary.data,
            phone=form.phone.data or "",
            citizen_name=form.citizen_name.data or "",
            actor=current_user,
            now=utcnow(),
        ),
        done=lambda case: render_template(
            "hotline/_follow_up.html", form=PolicyFollowUpForm(formdata=None), case=case
        ),
        again=lambda: render_template("hotline/_follow_up.html", form=form, case=None),
    )
