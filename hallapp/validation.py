"""One validation layer for everything a request carries, applied to every route.

Path parameters go through the URL converters registered here (bounded integers, strings
without control characters); query strings, form fields and JSON bodies are checked by one
before_request hook before any view or service sees them. The rules are the same everywhere:

- text has no NUL, no other control character (tab and line breaks only in form fields),
  no bidirectional override, no unpaired surrogate or noncharacter, and a bounded length;
- a value written as a whole number fits a signed 64-bit column, and a number the app
  parses (path ids, ?since=, typed form fields) fits the 32-bit INTEGER columns;
- a value written as a date lies between 1900 and 2100;
- a JSON body is small and shallow.

Anything else is refused with 400 (422 for forms) and a page in the user's language,
so bad input never reaches the database as a 500.
"""

import json
import re
import unicodedata
from datetime import date, datetime

from flask import Flask, abort, current_app, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, IntegerConverter, PathConverter, ValidationError

INT64_MAX = 2**63 - 1
# Ids and numbers live in INTEGER columns, 32-bit on PostgreSQL: a number the address or a
# typed field carries must fit there (and so fits any 64-bit column too).
ID_MAX = 2**31 - 1
FIRST_YEAR = 1900
LAST_YEAR = 2100
MAX_PATH_SEGMENT = 200  # characters in one path parameter
MAX_QUERY_VALUE = 500  # characters in one query-string value
MAX_FORM_VALUE = 20_000  # characters in one form field (the longest text areas are far shorter)
MAX_PARAMETERS = 200  # query or form fields in one request
MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 20

# Right-to-left marks are fine in prose; embeddings, overrides and isolates can reorder
# what a colleague reads (a username, a suggestion) and are refused everywhere.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FORM_WHITESPACE = frozenset("\t\n\r")

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_DATE_LIKE = re.compile(r"\+?([0-9]{4,6})-([0-9]{1,2})-([0-9]{1,2})(?:[T ][0-9:.]*)?")


class BadParameter(Exception):
    """A value the layer refuses; `where` names the part of the request."""

    def __init__(self, where: str, name: str, reason: str):
        super().__init__(f"{where} {name!r}: {reason}")
        self.where = where
        self.name = name
        self.reason = reason


def text_problem(value: str, *, allow_line_breaks: bool = False) -> str | None:
    """Why this text may not enter the hall, or None when it may."""
    if value.isascii() and value.isprintable():
        return None  # most values, every poll's: checked in C, not character by character
    for char in value:
        code = ord(char)
        if code < 0x20 or 0x7F <= code < 0xA0:
            if allow_line_breaks and char in FORM_WHITESPACE:
                continue
            return "control character"
        if char in BIDI_CONTROLS:
            return "bidirectional control"
        if 0xD800 <= code <= 0xDFFF:
            return "unpaired surrogate"
        if (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            return "noncharacter"
    return None


def value_problem(value: str) -> str | None:
    """Numbers and dates written in any parameter must be ones the database can store."""
    stripped = value.strip()
    if _WHOLE_NUMBER.fullmatch(stripped) and abs(int(stripped)) > INT64_MAX:
        return "integer out of range"
    match = _DATE_LIKE.fullmatch(stripped)
    if match and not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        return "date out of range"
    return None


def is_clean_name(value: str) -> bool:
    """Usernames: letters, digits and punctuation only; no space, control, format (such as
    right-to-left marks) or unassigned characters."""
    return bool(value) and all(unicodedata.category(char)[0] not in "CZ" for char in value)


def bounded_int(value, *, minimum: int = 0, maximum: int = ID_MAX) -> int | None:
    """An ASCII whole number within bounds, or None: for ?since=, ?after= and the like."""
    if value is None:
        return None
    text = str(value).strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def coerce_id(value) -> int:
    """WTForms `coerce=` for ids and numbers: ValueError (an invalid choice) when out of range."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        number = bounded_int(value, minimum=-ID_MAX)
    if number is None or abs(number) > ID_MAX:
        raise ValueError("not a whole number within range")
    return number


def sane_date(value: date | datetime | None) -> bool:
    """A date the hall can compute with: no year 1 or 9999."""
    return value is None or FIRST_YEAR <= value.year <= LAST_YEAR


class BoundedIntConverter(IntegerConverter):
    """`<int:...>`: ASCII digits only, never beyond an INTEGER column; else 404."""

    regex = r"[0-9]+"  # Werkzeug's \d+ also matches other scripts' digits

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        self.max = ID_MAX if max is None else max
        if self.min is None and signed:
            self.min = -ID_MAX


class CleanStringConverter(BaseConverter):
    """`<name>` path segments: printable text of a bounded length; else 404."""

    def to_python(self, value: str) -> str:
        if len(value) > MAX_PATH_SEGMENT or text_problem(value) or value_problem(value):
            raise ValidationError()
        return value


class CleanPathConverter(PathConverter):
    def to_python(self, value: str) -> str:
        if len(value) > 4 * MAX_PATH_SEGMENT or text_problem(value):
            raise ValidationError()
        return value


def register_converters(app: Flask) -> None:
    """Before any blueprint adds a rule: every `<x>` and `<int:x>` goes through these."""
    app.url_map.converters["default"] = CleanStringConverter
    app.url_map.converters["string"] = CleanStringConverter
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["path"] = CleanPathConverter


def _check_fields(where: str, items, *, limit: int, line_breaks: bool) -> None:
    for count, (name, value) in enumerate(items, start=1):
        if count > MAX_PARAMETERS:
            raise BadParameter(where, "*", "too many parameters")
        for text in (name, value):
            if len(text) > limit:
                raise BadParameter(where, name, "too long")
            problem = text_problem(text, allow_line_breaks=line_breaks and text is value)
            problem = problem or value_problem(text)
            if problem:
                raise BadParameter(where, name, problem)


def json_depth_problem(data: bytes) -> str | None:
    """Scan the raw body before parsing: a parser recursing 50,000 levels is the 500."""
    depth = 0
    in_string = False
    escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return "nested too deep"
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return None


def _check_json_value(value, path: str = "$") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _check_json_value(key, path)
            _check_json_value(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_value(item, f"{path}[{index}]")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > INT64_MAX:
            raise BadParameter("json", path, "integer out of range")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadParameter("json", path, "not a number")
    elif isinstance(value, str):
        if len(value) > MAX_FORM_VALUE:
            raise BadParameter("json", path, "too long")
        problem = text_problem(value) or value_problem(value)
        if problem:
            raise BadParameter("json", path, problem)


def _check_json_body() -> None:
    length = request.content_length
    if length is not None and length > current_app.config["MAX_JSON_BYTES"]:
        abort(413)
    data = request.get_data(cache=True)
    if len(data) > current_app.config["MAX_JSON_BYTES"]:
        abort(413)
    g.json_body = None  # what checked_json gives the view: None for no or malformed JSON
    if not data.strip():
        return
    problem = json_depth_problem(data)
    if problem:
        raise BadParameter("json", "$", problem)
    try:
        body = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return  # the view answers malformed JSON in its own words
    _check_json_value(body)
    g.json_body = body


def checked_json():
    """The request's JSON body as check_request parsed and checked it (parsed once): None
    when it is missing, malformed, or not JSON (NaN and Infinity are not)."""
    return g.get("json_body")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def query_problem(args) -> bool:
    """Whether check_request would refuse this query string."""
    try:
        _check_fields("query", args.items(multi=True), limit=MAX_QUERY_VALUE, line_breaks=False)
    except BadParameter:
        return True
    return False


def check_request():
    """before_request hook: refuse what no view may receive, before any view runs."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    try:
        _check_fields(
            "query", request.args.items(multi=True), limit=MAX_QUERY_VALUE, line_breaks=False
        )
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.is_json:
                _check_json_body()
            else:
                _check_fields(
                    "form",
                    request.form.items(multi=True),
                    limit=MAX_FORM_VALUE,
                    line_breaks=True,
                )
                for name, upload in request.files.items(multi=True):
                    if upload.filename and text_problem(upload.filename):
                        raise BadParameter("file", name, "file name")
    except BadParameter as error:
        current_app.logger.info("refused %s", error)  # the name and why, never the value
        raise RefusedInput(form=error.where in ("form", "file")) from None
    return None


class RefusedInput(HTTPException):
    """400 for the address or a JSON body, 422 for a form; explained in the user's language."""

    def __init__(self, *, form: bool):
        self.code = 422 if form else 400
        if form:
            explanation = _(
                "A field holds something the hall cannot accept: a control character, "
                "or a number or date out of range. Please correct it and try again."
            )
        else:
            explanation = _(
                "The address or data holds something the hall cannot accept: a control "
                "character, or a number or date out of range."
            )
        super().__init__(description=explanation)
        self.explanation = explanation


def register(app: Flask) -> None:
    app.config.setdefault("MAX_JSON_BYTES", MAX_JSON_BYTES)
    app.before_request(check_request)
