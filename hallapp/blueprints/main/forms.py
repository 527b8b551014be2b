from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from hallapp.forms import choices
from hallapp.i18n import PUBLIC_LANGUAGES


class PreferencesForm(FlaskForm):
    lang = SelectField(choices=choices(PUBLIC_LANGUAGES.items()), validate_choice=False)
    large_text = SelectField(choices=choices([("", ""), ("on", "on"), ("off", "off")]))
    contrast = SelectField(choices=choices([("", ""), ("on", "on"), ("off", "off")]))
    next = HiddenField()
