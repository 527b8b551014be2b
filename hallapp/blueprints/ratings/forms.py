"""The forms of a visit's rating: the citizen's, the tablet's set-up, an appeal, a decision."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hallapp.blueprints.feedback.forms import TEXT_TOO_LONG
from hallapp.blueprints.feedback.labels import RATING_LABELS, REASON_LABELS
from hallapp.forms import choices
from hallapp.services.feedback import MAX_TEXT


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RatingForm(FlaskForm):
    level = RadioField(
        _l("How satisfied are you with this visit?"),
        choices=choices((str(level), label) for level, label in RATING_LABELS.items()),
        validators=[InputRequired(_l("Choose how satisfied you are."))],
    )
    reasons = CheckboxList(
        _l("What was the matter? (optional)"), choices=choices(REASON_LABELS.items())
    )
    comment = TextAreaField(
        _l("Anything to add? (optional)"),
        validators=[Optional(), Length(max=MAX_TEXT, message=TEXT_TOO_LONG)],
    )
    contact_phone = StringField(
        _l("Phone (optional)"),
        description=_l("Leave it if you would like a call back."),
        validators=[Optional(), Length(max=30)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    source = HiddenField(default="tracking")


class AppealForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this rating unfair?"),
        validators=[DataRequired(_l("Say why the rating is unfair.")), Length(max=2000)],
    )


class DecisionForm(FlaskForm):
    upheld = RadioField(
        _l("Decision"),
        choices=choices(
            [
                ("yes", _l("Uphold: remove the rating from the figures")),
                ("no", _l("Reject: the rating stands")),
            ]
        ),
        validators=[InputRequired(_l("Choose a decision."))],
    )
    note = TextAreaField(
        _l("Reason for the decision"),
        validators=[DataRequired(_l("Write down the reason for the decision.")), Length(max=2000)],
    )


class TabletSetupForm(FlaskForm):
    token = StringField(_l("Counter device token"), validators=[DataRequired(), Length(max=200)])
