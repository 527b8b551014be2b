from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hallapp.blueprints.enterprise.labels import (
    DOCUMENT_LABELS,
    MEMBER_ROLE_LABELS,
    MODE_LABELS,
    OUTCOME_LABELS,
    PLACE_LABELS,
)
from hallapp.forms import choices
from hallapp.validation import coerce_id


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_int(value):
    return coerce_id(value) if value not in (None, "", "None") else None


class EnterpriseForm(FlaskForm):
    name_zh = StringField(
        _l("Name (Chinese)"),
        validators=[DataRequired(_l("Enter the enterprise's Chinese name.")), Length(max=200)],
    )
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    place = SelectField(_l("Place of incorporation"), choices=choices(PLACE_LABELS.items()))
    registration_number = StringField(
        _l("Registration number"),
        description=_l("Hong Kong: CR No. 1234567 or BR No. 12345678-001. Macau: SO12345."),
        validators=[DataRequired(_l("Enter the registration number.")), Length(max=40)],
    )
    mainland_address = StringField(_l("Address on the mainland"), validators=[Length(max=300)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=120)])
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=40)])
    clerk_id = SelectField(_l("Assigned clerk"), coerce=_optional_int, validate_choice=False)
    status = SelectField(
        _l("Status"), choices=choices([("active", _l("Active")), ("inactive", _l("Inactive"))])
    )


class MemberForm(FlaskForm):
    name = StringField(
        _lp("person", "Name"),
        validators=[DataRequired(_l("Enter the person's name.")), Length(max=120)],
    )
    document_type = SelectField(_l("Document type"), choices=choices(DOCUMENT_LABELS.items()))
    document_number = StringField(
        _l("Document number"),
        validators=[DataRequired(_l("Enter the document number.")), Length(max=40)],
    )
    role = SelectField(
        _l("Role in the enterprise"), choices=choices(MEMBER_ROLE_LABELS.items()), default="staff"
    )
    phone = StringField(_l("Phone"), validators=[Length(max=40)])


class ImportForm(FlaskForm):
    file = FileField(
        _l("Staff list (.xlsx or .csv)"),
        description=_l(
            "First row: Name, Document type, Document number, and optionally Role and Phone "
            "(Chinese headers work too). At most 2,000 people."
        ),
        validators=[FileRequired(_l("Choose a file to upload."))],
    )


class AppointmentForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(_l("Enter a date."))])
    time = TimeField(_l("Time"), validators=[DataRequired(_l("Enter a time."))])
    member_ids = CheckboxList(_l("People expected"), coerce=coerce_id, validate_choice=False)
    note = StringField(_l("Note"), validators=[Length(max=300)])


class ConsoleServiceForm(FlaskForm):
    """What the counter console asks: it knows the counter, and the ticket says whether the
    visitor came by appointment."""

    member_ids = CheckboxList(_l("People served"), coerce=coerce_id, validate_choice=False)
    outcome = SelectField(_l("Outcome"), choices=choices(OUTCOME_LABELS.items()))
    documents_checked = TextAreaField(
        _l("Documents checked"),
        description=_l("For example: business registration certificate, articles, ID copies."),
        validators=[Length(max=2000)],
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class ServiceForm(ConsoleServiceForm):
    mode = SelectField(_l("How they came"), choices=choices(MODE_LABELS.items()))
    counter_id = SelectField(_l("Counter"), coerce=_optional_int, validate_choice=False)
    appointment_id = HiddenField()


class MergeForm(FlaskForm):
    target_id = SelectField(
        _l("Merge into"),
        coerce=_optional_int,
        validate_choice=False,
        validators=[DataRequired(_l("Choose the record that stays."))],
    )
    reason = StringField(_l("Reason"), validators=[Length(max=300)])


class FiguresForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
