from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from hallapp.blueprints.feedback.forms import CATEGORY_CHOICES
from hallapp.blueprints.feedback.labels import CHANNEL_LABELS
from hallapp.forms import choices
from hallapp.services.hotline import LINES
from hallapp.validation import coerce_id


class CallerForm(FlaskForm):
    """The caller's phone, typed once and sent with every step of the call."""

    class Meta:
        csrf = False

    phone = StringField(
        _l("Caller's phone"),
        description=_l("Texts go to this number."),
        validators=[Optional(), Length(max=30)],
        id="hotline-phone",
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )


class LookupForm(FlaskForm):
    class Meta:
        csrf = False

    service = SelectField(_l("Service"), coerce=coerce_id, validators=[InputRequired()])
    day = DateField(_l("Day for a booking"), validators=[Optional()])


class TextChecklistForm(FlaskForm):
    service = IntegerField(validators=[InputRequired()])
    phone = StringField(validators=[Length(max=30)])


class BookingForm(FlaskForm):
    slot = RadioField(
        _l("Time"),
        coerce=coerce_id,
        validators=[InputRequired(_l("Choose a time for the caller."))],
    )
    citizen_name = StringField(
        _l("Caller's name (optional)"), validators=[Length(max=60)], id="hotline-book-name"
    )
    phone = StringField(validators=[Length(max=30)])


class CallSuggestionForm(FlaskForm):
    line = SelectField(
        _lp("phone line", "Line"), choices=choices((key, CHANNEL_LABELS[key]) for key in LINES)
    )
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES, default="other")
    text = TextAreaField(
        _l("The caller's words"),
        validators=[DataRequired(_l("Write down what the caller said.")), Length(max=4000)],
    )
    wants_reply = BooleanField(_l("The caller would like a reply"))
    phone = StringField(validators=[Length(max=30)])


class PolicyFollowUpForm(FlaskForm):
    topics = StringField(
        _l("Policy topics"),
        description=_l("Short tags, separated by commas, e.g. 港澳 团队旅游签注"),
        validators=[DataRequired(_l("Tag the matter with at least one policy topic."))],
    )
    summary = TextAreaField(
        _l("What the caller is waiting for"),
        validators=[DataRequired(_l("Write down what the caller is waiting for."))],
    )
    citizen_name = StringField(
        _l("Caller's name (optional)"), validators=[Length(max=60)], id="hotline-follow-up-name"
    )
    phone = StringField(validators=[Length(max=30)])
