"""Identity documents: validate what the card reader or the officer typed, and keep only
a masked form and a keyed hash. The full number is never stored anywhere.

Document types the hall sees:
- resident_id: mainland resident identity card, 18 characters with an ISO 7064 check
  character (python-stdnum), birth date not in the future.
- hk_id: Hong Kong identity card, one or two letters, six digits, check character.
- macau_id: Macau resident identity card, 1/5/7 + six digits + check digit.
- hk_macau_permit: mainland residents' permit to Hong Kong and Macau (往来港澳通行证),
  C + 8 digits, or C + letter + 7 digits.
- home_return_permit: Hong Kong/Macau residents' permit to the mainland (回乡证),
  H or M + 8 digits (10 on older cards).
- taiwan_permit: permits between Taiwan and the mainland, 8 digits (台胞证) or
  T + 8 digits (mainland residents' permit to Taiwan).
- passport: Chinese passports (E + 8 digits, E + letter + 7 digits, G + 8 digits), or a
  foreign passport of 5 to 20 letters and digits.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from hallapp.i18n import service_day
from hallapp.models.base import utcnow
from hallapp.services.errors import InvalidValue

DOCUMENT_TYPES = (
    "resident_id",
    "hk_id",
    "macau_id",
    "hk_macau_permit",
    "home_return_permit",
    "taiwan_permit",
    "passport",
)

_PATTERNS = {
    "macau_id": re.compile(r"^[157]\d{6}\d$"),
    "hk_macau_permit": re.compile(r"^C(\d{8}|[A-Z]\d{7})$"),
    "home_return_permit": re.compile(r"^[HM](\d{8}|\d{10})$"),
    "taiwan_permit": re.compile(r"^(\d{8}|T\d{8})$"),
    "passport": re.compile(r"^(E\d{8}|E[A-Z]\d{7}|G\d{8}|[A-Z0-9]{5,20})$"),
}


class InvalidDocumentNumber(InvalidValue):
    message = _l("This document number is not valid.")
    field = "document_number"


@dataclass(frozen=True)
class Document:
    """A checked document number, ready to be masked and hashed, never stored as is."""

    type: str
    number: str

    @property
    def masked(self) -> str:
        return mask(self.number)

    def keyed_hash(self, key: str) -> str:
        return keyed_hash(self.type, self.number, key)


def normalize(number: str) -> str:
    """What card readers and people type: spaces, dashes, brackets, lower-case x."""
    return re.sub(r"[\s\-()（）]", "", number or "").upper()


def check_document(document_type: str, number: str, today: date | None = None) -> Document:
    """Validate a document number for its type; raises InvalidDocumentNumber with the reason."""
    if document_type not in DOCUMENT_TYPES:
        raise InvalidValue(_l("Choose the type of document."), field="document_type")
    value = normalize(number)
    if not value:
        raise InvalidDocumentNumber(_l("Enter the document number."))
    checker = _CHECKERS.get(document_type)
    if checker:
        # The hall's date, not the machine's: the server may keep UTC or any other zone.
        checker(value, today or service_day(utcnow()))
    elif not _PATTERNS[document_type].match(value):
        raise InvalidDocumentNumber(_FORMAT_MESSAGES[document_type])
    return Document(document_type, value)


def birth_date(document: Document) -> date | None:
    """The holder's birth date, where the document carries one (mainland identity cards)."""
    if document.type != "resident_id":
        return None
    return ric.get_birth_date(document.number)


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def guess_type(number: str) -> str | None:
    """The most likely type of a swiped number, so the reader needs no extra tap."""
    value = normalize(number)
    if re.fullmatch(r"\d{17}[\dX]", value):
        return "resident_id"
    if re.fullmatch(r"[A-Z]{1,2}\d{6}[\dA]", value):
        return "hk_id"
    for document_type in ("hk_macau_permit", "home_return_permit", "macau_id", "taiwan_permit"):
        if _PATTERNS[document_type].match(value):
            return document_type
    if _PATTERNS["passport"].match(value):
        return "passport"
    return None


def _check_resident_id(value: str, today: date) -> None:
    # Not ric.validate as the whole check: it refuses a birth year before the region code's
    # listed start, but codes were given when cards were issued, not at birth, so most older
    # people's cards would fail. Checksum, a real past date, and a region code known at any time.
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise InvalidDocumentNumber(_l("A resident identity card number has 18 characters."))
    if value[-1] != ric.calc_check_digit(value):
        raise InvalidDocumentNumber(
            _l("The last character does not match: the number was mistyped or misread.")
        )
    try:
        birth_date = ric.get_birth_date(value)
    except ValidationError as error:
        raise InvalidDocumentNumber(
            _l("The birth date in this identity card number is not a real date.")
        ) from error
    if birth_date > today:
        raise InvalidDocumentNumber(_l("The birth date in this number lies in the future."))
    if not region_known(value[:6]):
        raise InvalidDocumentNumber(
            _l("The region code at the start of this identity card number does not exist.")
        )


def region_known(code: str) -> bool:
    """A six-digit administrative code that exists (or existed) in any period."""
    info = {}
    for _part, props in numdb.get("cn/loc").info(code):
        info.update(props)
    return bool(info.get("county"))


def _check_hk_id(value: str, _today: date) -> None:
    match = re.fullmatch(r"([A-Z]{1,2})(\d{6})([\dA])", value)
    if not match:
        raise InvalidDocumentNumber(_l("A Hong Kong identity card number looks like A123456(3)."))
    letters, digits, check = match.groups()
    # Letters count A=10..Z=35; a single-letter number has a space (36) in front.
    values = ([36] if len(letters) == 1 else []) + [ord(c) - 55 for c in letters]
    values += [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    expected = (11 - total % 11) % 11
    if check != ("A" if expected == 10 else str(expected)):
        raise InvalidDocumentNumber(
            _l("The check character in brackets does not match this Hong Kong identity number.")
        )


_CHECKERS = {"resident_id": _check_resident_id, "hk_id": _check_hk_id}

_FORMAT_MESSAGES = {
    "macau_id": _l("A Macau identity card number has 8 digits and starts with 1, 5 or 7."),
    "hk_macau_permit": _l("A permit to Hong Kong and Macau starts with C and has 9 characters."),
    "home_return_permit": _l("A home return permit starts with H or M followed by digits."),
    "taiwan_permit": _l("A Taiwan permit number has 8 digits (or T and 8 digits)."),
    "passport": _l("A passport number has 5 to 20 letters and digits."),
}


def mask(number: str) -> str:
    """First three and last two characters, the rest starred: 110***********02X."""
    value = normalize(number)
    if len(value) <= 5:
        return "*" * len(value)
    head, tail = (3, 3) if len(value) >= 15 else (2, 2)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def keyed_hash(document_type: str, number: str, key: str) -> str:
    """HMAC-SHA256 of type and number: finds a returning visitor, reveals nothing."""
    if not key:
        raise RuntimeError("IDENTITY_HASH_KEY is not configured")
    message = f"{document_type}:{normalize(number)}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
