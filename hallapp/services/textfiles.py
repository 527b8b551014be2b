"""Uploaded text files: what both imports (bookings and enterprise staff) read the same way."""

from flask_babel import lazy_gettext as _l

from hallapp.services.errors import InvalidValue

# Booking platforms and office spreadsheets on Chinese Windows export UTF-8 (often with a
# BOM) or GB18030; GB18030 decodes almost any bytes, so UTF-8 is tried first.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV file, or InvalidValue on the form's file field."""
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidValue(
        _l("The file is neither UTF-8 nor GB18030 text. Export it again as CSV."), field="file"
    )
