"""The register of Hong Kong and Macau enterprises: one record per place and number.

Registration numbers, as this hall accepts them (normalized before they are stored, so
one enterprise has one spelling and duplicates are caught):

- Hong Kong, Companies Registry number (CR No.): 7 or 8 digits, e.g. ``1234567`` or
  ``72345678``. Leading zeros are part of the number and are kept.
- Hong Kong, Business Registration number (BR No.): 8 digits, optionally followed by a
  3-digit branch number: ``12345678`` or ``12345678-001``. The head office's branch
  ``-000`` is the same as no suffix and is dropped. An 8-digit number is accepted as either
  kind; the two registers are not told apart.
- Macau, Commercial and Movable Property Registry number: 1 to 6 digits, with the prefix
  ``SO`` for companies (sociedades): ``SO12345``; plain digits for individual
  entrepreneurs. Leading zeros are dropped (``SO 012345`` is ``SO12345``).

Everywhere, spaces, full-width characters and a leading "CR No." / "BR No." / "No." are
tolerated and removed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from hallapp.extensions import db
from hallapp.models import PLACES, Enterprise, EnterpriseMember, Hall, Staff, utcnow
from hallapp.services import audit
from hallapp.services.errors import Duplicate, InvalidValue
from hallapp.services.identity import DOCUMENT_TYPES, guess_type, keyed_hash


class InvalidRegistrationNumber(InvalidValue):
    field = "registration_number"


class DuplicateEnterprise(Duplicate):
    field = "registration_number"

    def __init__(self, existing: Enterprise):
        self.existing = existing
        super().__init__(
            _l(
                "This enterprise is already registered: %(name)s (%(number)s).",
                name=existing.name_zh,
                number=existing.registration_number,
            )
        )


def folded(text: str) -> str:
    """Text as compared for matching: full-width folded, lower-cased, without spaces or dashes."""
    return re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


def normalize_registration_number(place: str, raw: str) -> str:
    """The one spelling of a registration number for its place; raises when it cannot be one."""
    if place not in PLACES:
        raise InvalidValue(_l("Choose Hong Kong or Macau."), field="place")
    value = unicodedata.normalize("NFKC", raw or "").upper()
    value = re.sub(r"\s+", "", value)
    value = re.sub(r"^(CR|BR)?(NO\.?|NUMBER)?[:：#]?", "", value)
    if not value:
        raise InvalidRegistrationNumber(_l("Enter the registration number."))
    if place == "hong_kong":
        match = re.fullmatch(r"(\d{7,8})(?:-?(\d{3}))?", value)
        if not match or (match.group(2) and len(match.group(1)) != 8):
            raise InvalidRegistrationNumber(
                _l(
                    "A Hong Kong number is a CR No. of 7 or 8 digits, or a BR No. of 8 digits "
                    "with an optional 3-digit branch, such as 12345678-001."
                )
            )
        number, branch = match.groups()
        return number if branch in (None, "000") else f"{number}-{branch}"
    match = re.fullmatch(r"(SO)?-?(\d{1,6})", value)
    if not match or int(match.group(2)) == 0:
        raise InvalidRegistrationNumber(
            _l(
                "A Macau commercial registry number has up to 6 digits, with SO in front "
                "for companies, such as SO12345."
            )
        )
    return f"{match.group(1) or ''}{int(match.group(2))}"


def _find_duplicate(
    hall: Hall, place: str, number: str, other_than: Enterprise | None
) -> Enterprise | None:
    existing = db.session.scalar(
        select(Enterprise).where(
            Enterprise.hall_id == hall.id,
            Enterprise.place == place,
            Enterprise.registration_number == number,
        )
    )
    return existing if existing is not None and existing is not other_than else None


def save_enterprise(
    enterprise: Enterprise | None,
    *,
    hall: Hall,
    name_zh: str,
    name_en: str,
    place: str,
    registration_number: str,
    mainland_address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    clerk_id: int | None = None,
    status: str = "active",
    actor: Staff,
    now: datetime | None = None,
) -> Enterprise:
    """Register an enterprise or change its record; one record per place and number."""
    now = now or utcnow()
    name_zh = (name_zh or "").strip()
    if not name_zh:
        raise InvalidValue(_l("Enter the enterprise's Chinese name."), field="name_zh")
    number = normalize_registration_number(place, registration_number)
    if status not in ("active", "inactive"):
        raise InvalidValue(_l("Choose active or inactive."), field="status")
    if clerk_id is not None:
        clerk = db.session.get(Staff, clerk_id)
        if clerk is None or clerk.hall_id != hall.id or not clerk.has_role("enterprise"):
            raise InvalidValue(
                _l("The assigned clerk must be an enterprise-room clerk of this hall."),
                field="clerk_id",
            )
    duplicate = _find_duplicate(hall, place, number, enterprise)
    if duplicate is not None:
        raise DuplicateEnterprise(duplicate)
    creating = enterprise is None
    if enterprise is None:
        enterprise = Enterprise(hall_id=hall.id, created_at=now)
        db.session.add(enterprise)
    elif enterprise.status == "merged":
        raise InvalidValue(_l("This record was merged into another; edit that one instead."))
    enterprise.name_zh = name_zh
    enterprise.name_en = (name_en or "").strip()
    enterprise.place = place
    enterprise.registration_number = number
    enterprise.mainland_address = (mainland_address or "").strip()
    enterprise.contact_name = (contact_name or "").strip()
    enterprise.contact_phone = (contact_phone or "").strip()
    enterprise.clerk_id = clerk_id
    enterprise.status = status
    enterprise.updated_at = now
    try:
        db.session.flush()
    except IntegrityError:
        # Two clerks registering the same enterprise at once: the constraint decides.
        db.session.rollback()
        existing = _find_duplicate(hall, place, number, None)
        if existing is not None:
            raise DuplicateEnterprise(existing) from None
        raise
    log_change(
        "enterprise.create" if creating else "enterprise.update",
        enterprise.id,
        f"{place} {number} {name_zh}",
        actor=actor,
        hall_id=hall.id,
        now=now,
    )
    db.session.commit()
    return enterprise


def search_enterprises(hall: Hall, query: str = "", limit: int = 50) -> list[Enterprise]:
    """Enterprises whose name, registration number or person matches; a typed document
    number finds its holder through the keyed hash, since numbers are not stored."""
    statement = select(Enterprise).where(Enterprise.hall_id == hall.id)
    text = (query or "").strip()
    if text:
        like = f"%{text.lower()}%"
        members = select(EnterpriseMember.enterprise_id).where(
            func.lower(EnterpriseMember.name).like(like)
        )
        conditions = [
            func.lower(Enterprise.name_zh).like(like),
            func.lower(Enterprise.name_en).like(like),
            func.lower(Enterprise.registration_number).like(f"%{folded(text)}%"),
            Enterprise.id.in_(members),
        ]
        document_type = guess_type(text)
        if document_type:
            key = current_app.config["IDENTITY_HASH_KEY"]
            hashes = [keyed_hash(kind, text, key) for kind in DOCUMENT_TYPES]
            conditions.append(
                Enterprise.id.in_(
                    select(EnterpriseMember.enterprise_id).where(
                        EnterpriseMember.document_hash.in_(hashes)
                    )
                )
            )
        statement = statement.where(or_(*conditions))
    statement = statement.order_by(
        (Enterprise.status == "merged").asc(), Enterprise.name_zh, Enterprise.id
    )
    return list(db.session.scalars(statement.limit(limit)))


def enterprise_clerks(hall: Hall) -> list[Staff]:
    """Staff of this hall who may be assigned to enterprises."""
    staff = db.session.scalars(
        select(Staff).where(Staff.hall_id == hall.id, Staff.active).order_by(Staff.full_name)
    )
    return [member for member in staff if member.has_role("enterprise")]


def log_change(
    action: str,
    enterprise_id: int,
    summary: str,
    *,
    actor: Staff,
    hall_id: int,
    now: datetime | None,
) -> None:
    """Every change to an enterprise's records leaves an audit row naming the enterprise;
    the use case that made the change commits it."""
    audit.record(
        action,
        actor=actor,
        target=f"enterprise:{enterprise_id}",
        summary=summary,
        hall_id=hall_id,
        now=now,
    )
