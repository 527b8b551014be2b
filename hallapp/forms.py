"""Form helpers shared by every area."""

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import SelectChoice

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
