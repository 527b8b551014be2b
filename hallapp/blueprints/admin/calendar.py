"""The hall calendar: public holidays and make-up working days, which every deadline and the
hall's open days run on. Kept by supervisors, at the address it had under feedback."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from hallapp.access import role_required
from hallapp.blueprints.admin import bp
from hallapp.forms import choices, submit
from hallapp.htmx import render_shape
from hallapp.i18n import service_day
from hallapp.models import utcnow
from hallapp.services import calendar

supervisors = role_required("supervisor")


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(_l("Enter the date."))])
    kind = SelectField(
        _l("Kind"),
        choices=choices(
            [("holiday", _l("Public holiday")), ("workday", _l("Make-up working day"))]
        ),
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=120)])


def _route(rule: str, endpoint: str, **options):
    """A rule outside /admin: bookmarks and the supervisors' habits keep the old address."""

    def register(view):
        bp.record_once(
            lambda state: state.app.add_url_rule(rule, f"{bp.name}.{endpoint}", view, **options)
        )
        return view

    return register


def _calendar_page(form=None, saved=None) -> str:
    hall = current_user.hall
    today = service_day(utcnow())
    return render_shape(
        "admin/calendar.html",
        "admin/_calendar.html",
        hall=hall,
        days=calendar.list_days(hall, start=today.replace(month=1, day=1)),
        form=form or CalendarDayForm(formdata=None),
        saved=saved,
    )


@_route("/feedback/calendar", "calendar", methods=["GET"])
@supervisors
def calendar_page():
    return _calendar_page()


@_route("/feedback/calendar", "add_calendar_day", methods=["POST"])
@supervisors
def add_calendar_day():
    form = CalendarDayForm()
    return submit(
        form,
        lambda: calendar.add_day(
            current_user.hall, form.day.data, form.kind.data, form.note.data, actor=current_user
        ),
        done=lambda _day: _calendar_page(saved=_("Date added.")),
        invalid=lambda: _calendar_page(form=form),
    )


@_route("/feedback/calendar/<int:day_id>/remove", "remove_calendar_day", methods=["POST"])
@supervisors
def remove_calendar_day(day_id):
    calendar.remove_day(current_user.hall, day_id, actor=current_user)
    return _calendar_page(saved=_("Date removed."))
