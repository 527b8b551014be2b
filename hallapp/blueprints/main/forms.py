from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length


class PreferencesForm(FlaskForm):
    """Each button sends one preference; the view ignores values it does not know."""

    lang = StringField(validators=[Length(max=16)])
    large_text = StringField(validators=[Length(max=3)])
    contrast = StringField(validators=[Length(max=3)])
    next = HiddenField()
