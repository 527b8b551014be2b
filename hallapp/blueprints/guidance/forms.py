from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from hallapp.blueprints.guidance.labels import CASE_KIND_LABELS, EXPRESS_STATE_LABELS
from hallapp.forms import choices
from hallapp.validation import coerce_id


class CsrfOnlyForm(FlaskForm):
    """Forms whose fields are drawn by hand (checklist rows, ticks) still carry the token."""


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Document number or booking code"), validators=[Length(max=40)])


class SlotsForm(FlaskForm):
    service = SelectField(_l("Service"))
    first_day = DateField(_l("First day"), validators=[DataRequired(_l("Enter a date."))])
    last_day = DateField(_l("Last day"), validators=[DataRequired(_l("Enter a date."))])
    minutes = IntegerField(
        _l("Minutes per slot"),
        default=30,
        validators=[
            DataRequired(_l("Enter a whole number of minutes.")),
            NumberRange(min=1, max=24 * 60, message=_l("Between 1 and 1440 minutes.")),
        ],
    )
    capacity = IntegerField(
        _l("Citizens per slot"),
        default=4,
        validators=[
            DataRequired(_l("Enter a whole number.")),
            NumberRange(min=1, max=500, message=_l("Between 1 and 500.")),
        ],
    )


class BookingForm(FlaskForm):
    slot = SelectField(
        _l("Time"),
        coerce=coerce_id,
        validate_choice=False,
        validators=[DataRequired(_l("Choose a time."))],
    )
    citizen_name = StringField(_l("Name (optional)"), validators=[Length(max=60)])
    document_number = StringField(
        _l("Document number"),
        description=_l("Stored only masked and hashed."),
        validators=[Length(max=40)],
    )
    phone = StringField(_l("Phone"), validators=[Length(max=32)])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file from the booking platform"))


class CheckInForm(FlaskForm):
    code = StringField(
        _l("Booking code, phone or document number"),
        validators=[
            DataRequired(_l("Enter the booking code or the phone, or swipe the card.")),
            Length(max=40),
        ],
    )


class CaseForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(CASE_KIND_LABELS.items()))
    service = SelectField(_l("Service"), validate_choice=False)
    owner = SelectField(_l("Owner"), coerce=coerce_id, validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[DataRequired(_l("Enter a date."))])
    summary = TextAreaField(_l("What the citizen needs"), validators=[Length(max=2000)])
    citizen_name = StringField(_lp("person", "Name"), validators=[Length(max=60)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=32)])
    document_number = StringField(
        _l("Document number"),
        description=_l("Stored only masked and hashed."),
        validators=[Length(max=40)],
    )
    address = StringField(_l("Address (home visit)"), validators=[Length(max=200)])
    what_to_take = TextAreaField(_l("What to take (home visit)"), validators=[Length(max=2000)])
    visit_at = DateTimeLocalField(
        _l("Visit time (home visit)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    visit_by = StringField(_l("Who goes (home visit)"), validators=[Length(max=120)])
    tracking_in = StringField(_l("Tracking number in (express)"), validators=[Length(max=40)])
    topics = StringField(
        _l("Policy topics"),
        description=_l("Separate topics with commas, e.g. talent endorsement, business visa."),
        validators=[Length(max=400)],
    )


class CloseCaseForm(FlaskForm):
    outcome = TextAreaField(
        _l("Outcome"),
        validators=[
            DataRequired(_l("Write the outcome before closing the case.")),
            Length(max=2000),
        ],
    )


class ExpressForm(FlaskForm):
    express_state = SelectField(_l("Delivery state"), choices=choices(EXPRESS_STATE_LABELS.items()))
    tracking_in = StringField(_l("Tracking number in"), validators=[Length(max=40)])
    tracking_out = StringField(_l("Tracking number back"), validators=[Length(max=40)])


class NoticeForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the notice a title.")), Length(max=200)]
    )
    body = TextAreaField(_l("Text"), validators=[Length(max=5000)])
    topics = StringField(
        _l("Topics"),
        description=_l("Separate topics with commas, e.g. talent endorsement, business visa."),
        validators=[DataRequired(_l("Tag the notice with at least one topic.")), Length(max=400)],
    )
    effective_on = DateField(_l("Effective from"), validators=[Optional()])
