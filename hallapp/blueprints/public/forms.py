from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length


class KioskTicketForm(FlaskForm):
    """Each service tile is a submit button carrying its code as `service`."""

    service = StringField(validators=[DataRequired(), Length(max=1)])
    senior = BooleanField(_l("Senior (65+)"))
    disabled = BooleanField(_l("Disability"))
    pregnant = BooleanField(_l("Pregnant"))
    patient = BooleanField(_l("Illness or injury"))


class KioskSwipeForm(FlaskForm):
    """The card reader types the number into this field and presses Enter."""

    document_number = StringField(
        _l("Or swipe your identity card"), validators=[DataRequired(), Length(max=40)]
    )


class KioskSetupForm(FlaskForm):
    token = StringField(_l("Kiosk token"), validators=[DataRequired(), Length(max=200)])
    seniors = BooleanField(_l("Large text and high contrast by default"))


class DisplaySetupForm(FlaskForm):
    """Posted by the board's script with the token from the set-up link or the browser's
    storage; nobody types into it."""

    token = HiddenField(validators=[DataRequired(), Length(max=200)])
