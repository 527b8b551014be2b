"""Form helpers shared by every area."""

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from hallapp.extensions import db
from hallapp.services.errors import HallError


def attach_error(form: FlaskForm, error: HallError, default_field: str | None = None) -> None:
    """Show a domain error beside the field it concerns, or above the form."""
    name = error.field or default_field
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms options."""
    return [SelectChoice(value, label) for value, label in pairs]


def submit(form: FlaskForm, save, *, done, invalid, default_field: str | None = None):
    """The one way a screen saves a form.

    A valid form goes to `save` (one use case, one transaction) and its result to `done`.
    Bad input, or a rule of the hall refusing (HallError), shows the form again with the
    message beside its field, as 422, after rolling back whatever the refused use case
    had begun: nothing half-written survives a refusal.
    """
    if form.validate_on_submit():
        try:
            result = save()
        except HallError as error:
            db.session.rollback()
            attach_error(form, error, default_field)
        else:
            return done(result)
    return invalid(), 422
