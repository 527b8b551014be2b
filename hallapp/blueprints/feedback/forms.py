from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from hallapp.blueprints.feedback.labels import (
    AGE_LABELS,
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    FOLLOW_UP_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
)
from hallapp.forms import choices
from hallapp.services.feedback import MAX_TEXT

CATEGORY_CHOICES = choices(CATEGORY_LABELS.items())
TEXT_TOO_LONG = _l("Please keep it under %(max)d characters.", max=MAX_TEXT)


def _text_field(label, message, description=""):
    return TextAreaField(
        label,
        description=description,
        validators=[DataRequired(message), Length(max=MAX_TEXT, message=TEXT_TOO_LONG)],
    )


class SuggestionForm(FlaskForm):
    category = RadioField(
        _l("What is it about?"),
        choices=CATEGORY_CHOICES,
        default="other",
        validators=[DataRequired(_l("Choose what your suggestion is about."))],
    )
    text = _text_field(
        _l("Your suggestion"),
        _l("Please write your suggestion."),
        _l("In your own words. Up to %(max)d characters.", max=MAX_TEXT),
    )
    contact_phone = StringField(
        _l("Phone (optional)"),
        description=_l("Only supervisors see it, to call you back."),
        validators=[Optional(), Length(max=30)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    wants_reply = BooleanField(_l("I would like a reply"))
    # Honeypot: hidden from people by CSS, tempting to bots that fill every field.
    website = StringField(
        _l("Leave this empty"), render_kw={"tabindex": "-1", "autocomplete": "off"}
    )
    started = HiddenField()


class StaffSuggestionForm(FlaskForm):
    channel = SelectField(
        _l("How it came in"),
        choices=choices((key, CHANNEL_LABELS[key]) for key in CHANNEL_LABELS if key != "rating"),
        default="desk",
    )
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES, default="other")
    text = _text_field(
        _l("The citizen's words"),
        _l("Please write the suggestion."),
        _l("As the citizen said or wrote it."),
    )
    contact_phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=30)])
    wants_reply = BooleanField(_l("The citizen wants a reply"))
    visit_ref = StringField(
        _l("Visit or ticket (optional)"),
        description=_l("For example the ticket number and date it concerns."),
        validators=[Optional(), Length(max=64)],
    )


class TrackForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(
        _l("Tracking code"), validators=[DataRequired(_l("Enter your tracking code."))]
    )


class InboxFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=choices([("", _l("All open")), *STATUS_LABELS.items(), ("all", _l("Everything"))]),
        default="",
    )
    category = SelectField(
        _l("Category"), choices=choices([("", _l("Any category")), *CATEGORY_LABELS.items()])
    )
    age = SelectField(_l("Age"), choices=choices(AGE_LABELS.items()))
    owner = SelectField(_l("Owner"), choices=[])


class TriageForm(FlaskForm):
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES)
    owner = SelectField(_l("Owner"), choices=[])
    urgency = SelectField(_l("Urgency"), choices=choices(URGENCY_LABELS.items()))


class ReplyForm(FlaskForm):
    reply = _text_field(
        _l("Public reply"),
        _l("Write the reply."),
        _l("The citizen reads this on the tracking page."),
    )


class TextForm(FlaskForm):
    text = _text_field(_l("Text"), _l("Write something first."))


class ReasonForm(FlaskForm):
    reason = StringField(
        _l("Why reopen?"),
        validators=[DataRequired(_l("Say why it is reopened.")), Length(max=500)],
    )


class DuplicateForm(FlaskForm):
    original = StringField(
        _l("Tracking code of the original"),
        validators=[DataRequired(_l("Enter the tracking code of the original."))],
    )


class FollowUpForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(FOLLOW_UP_LABELS.items()))
    happened_on = DateField(_l("Date"), validators=[DataRequired(_l("Enter the date."))])
    outcome = _text_field(_l("What the citizen said"), _l("Write what the citizen said."))


class PublishForm(FlaskForm):
    change = _text_field(
        _l("The change made, in public words"),
        _l("Describe the change."),
        _l("Shown on the public page. No names or personal details."),
    )


class TemplateForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give it a title.")), Length(max=120)]
    )
    body = _text_field(_l("Reply text"), _l("Write the reply text."))


class DeadlineForm(FlaskForm):
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES)
    working_days = IntegerField(
        _l("Working days to reply"),
        validators=[
            DataRequired(_l("Enter a whole number of days.")),
            NumberRange(min=1, max=60, message=_l("Between 1 and 60 working days.")),
        ],
    )


class DisplayForm(FlaskForm):
    show_on_display = BooleanField(_l('Show "you said, we did" on the display board'))


class FiguresForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[DataRequired(_l("Enter the date."))])
    end = DateField(_l("To"), validators=[DataRequired(_l("Enter the date."))])
