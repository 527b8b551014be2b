from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hallapp.forms import choices
from hallapp.labels import DEVICE_KIND_LABELS, ROLE_LABELS, ROOM_LABELS, WEEKDAY_LABELS
from hallapp.models import ROLES

ROOM_CHOICES = choices(ROOM_LABELS.items())
WEEKDAY_CHOICES = choices(WEEKDAY_LABELS.items())
ROLE_CHOICES = choices((role, ROLE_LABELS[role]) for role in ROLES)


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class HallForm(FlaskForm):
    code = StringField(
        _l("Hall code"), validators=[DataRequired(_l("Enter a hall code.")), Length(max=32)]
    )
    name_zh = StringField(
        _l("Name (Chinese)"), validators=[DataRequired(_l("Enter the name.")), Length(max=120)]
    )
    name_en = StringField(
        _l("Name (English)"), validators=[DataRequired(_l("Enter the name.")), Length(max=120)]
    )
    name_hant = StringField(
        _l("Name (Traditional Chinese)"),
        description=_l("For visitors from Hong Kong and Macau; empty shows the Chinese name."),
        validators=[Optional(), Length(max=120)],
    )
    opens_at = TimeField(_l("Opens at"), validators=[DataRequired(_l("Enter a time."))])
    closes_at = TimeField(_l("Closes at"), validators=[DataRequired(_l("Enter a time."))])
    open_weekdays = CheckboxList(_l("Open on"), choices=WEEKDAY_CHOICES)
    target_minutes = IntegerField(
        _l("Target minutes per visit"),
        validators=[
            DataRequired(_l("Enter a whole number of minutes.")),
            NumberRange(min=1, max=240, message=_l("Between 1 and 240 minutes.")),
        ],
    )


class ServiceForm(FlaskForm):
    code = StringField(
        _l("Code letter"), validators=[DataRequired(_l("Enter a code letter.")), Length(max=1)]
    )
    name_zh = StringField(
        _l("Name (Chinese)"), validators=[DataRequired(_l("Enter the name.")), Length(max=120)]
    )
    name_en = StringField(
        _l("Name (English)"), validators=[DataRequired(_l("Enter the name.")), Length(max=120)]
    )
    name_hant = StringField(
        _l("Name (Traditional Chinese)"),
        description=_l("For visitors from Hong Kong and Macau; empty shows the Chinese name."),
        validators=[Optional(), Length(max=120)],
    )
    room = SelectField(_l("Room"), choices=ROOM_CHOICES)
    daily_limit = IntegerField(
        _l("Daily limit"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100000, message=_l("A whole number from 1.")),
        ],
    )
    active = BooleanField(_l("Active"), default=True)


class CounterForm(FlaskForm):
    number = IntegerField(
        _l("Counter number"),
        validators=[
            DataRequired(_l("Enter the counter number as a whole number.")),
            NumberRange(min=1, max=999, message=_l("A whole number from 1 to 999.")),
        ],
    )
    room = SelectField(_l("Room"), choices=ROOM_CHOICES)
    exclusive = BooleanField(_l("Exclusive counter"))
    service_codes = StringField(
        _l("Services, most preferred first"),
        validators=[Length(max=60)],
        description=_l("Code letters separated by spaces, e.g. A B C"),
    )


class StaffCreateForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(_l("Enter a username.")), Length(max=64)]
    )
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the full name.")), Length(max=120)]
    )
    hall = SelectField(_l("Hall"))
    roles = CheckboxList(_l("Roles"), choices=ROLE_CHOICES)
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(_l("Enter an initial password.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )


class StaffEditForm(FlaskForm):
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the full name.")), Length(max=120)]
    )
    hall = SelectField(_l("Hall"))
    roles = CheckboxList(_l("Roles"), choices=ROLE_CHOICES)
    active = BooleanField(_l("May sign in"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )


class DeviceForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(DEVICE_KIND_LABELS.items()))
    counter = IntegerField(
        _l("Counter number"),
        validators=[
            Optional(),
            NumberRange(min=1, max=999, message=_l("A whole number from 1 to 999.")),
        ],
        description=_l("Only for a counter caller pad."),
    )
    label = StringField(
        _l("Where it stands"),
        validators=[Length(max=120)],
        description=_l("e.g. Entrance, left kiosk"),
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Staff username"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
