"""The enterprise room: the register of Hong Kong and Macau enterprises and their people,
appointments, the registration services clerks give at exclusive counters, and the figures
the office reports ("495 people from 320 enterprises served by appointment ...").

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

import csv
import io
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from hallapp import spreadsheets
from hallapp.extensions import db
from hallapp.i18n import service_day
from hallapp.models import (
    MEMBER_ROLES,
    PLACES,
    SERVICE_MODES,
    SERVICE_OUTCOMES,
    Counter,
    Enterprise,
    EnterpriseAppointment,
    EnterpriseMember,
    EnterpriseMerge,
    EnterpriseTicket,
    Hall,
    RegistrationService,
    Service,
    Staff,
    StaffImport,
    Ticket,
    utcnow,
)
from hallapp.models.enterprise import appointment_member, service_member
from hallapp.services import audit, queue
from hallapp.services.errors import Duplicate, HallError, InvalidValue, NotFound
from hallapp.services.identity import (
    DOCUMENT_TYPES,
    InvalidDocumentNumber,
    check_document,
    guess_type,
    keyed_hash,
    mask,
)
from hallapp.services.textfiles import decode_csv

MAX_IMPORT_ROWS = 2000
MAX_IMPORT_COLUMNS = 30
MAX_IMPORT_CELL_CHARS = 500
IMPORT_COLUMNS = ("name", "document_type", "document_number", "role", "phone")
REQUIRED_IMPORT_COLUMNS = ("name", "document_type", "document_number")

# Headers a staff list may carry, in either language; compared lower-cased without spaces.
_HEADER_ALIASES = {
    "name": {"name", "fullname", "姓名", "名字"},
    "document_type": {"documenttype", "document_type", "doctype", "证件类型", "证件种类"},
    "document_number": {
        "documentnumber",
        "document_number",
        "docnumber",
        "documentno",
        "证件号码",
        "证件号",
    },
    "role": {"role", "roleintheenterprise", "position", "职务", "身份", "角色"},
    "phone": {"phone", "telephone", "mobile", "电话", "联系电话", "手机"},
}

_DOCUMENT_ALIASES = {
    "resident_id": {"居民身份证", "身份证", "residentid", "residentidentitycard"},
    "hk_id": {"香港身份证", "香港身份證", "hkid", "hongkongidentitycard", "hongkongid"},
    "macau_id": {"澳门身份证", "澳門身份證", "macauid", "macauidentitycard"},
    "hk_macau_permit": {"往来港澳通行证", "港澳通行证", "hkmacaupermit", "exit-entrypermit"},
    "home_return_permit": {
        "港澳居民来往内地通行证",
        "回乡证",
        "回鄉證",
        "homereturnpermit",
        "mainlandtravelpermit",
    },
    "taiwan_permit": {"台湾通行证", "台胞证", "taiwanpermit"},
    "passport": {"护照", "護照", "passport"},
}

_ROLE_ALIASES = {
    "legal_representative": {"法定代表人", "法人代表", "legalrepresentative"},
    "director": {"董事", "director"},
    "shareholder": {"股东", "股東", "shareholder"},
    "manager": {"经理", "經理", "manager"},
    "staff": {"员工", "職員", "职员", "staff", "employee"},
    "contact": {"联系人", "聯絡人", "contact"},
}


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


class DuplicateMember(Duplicate):
    message = _l("This person is already registered for this enterprise.")
    field = "document_number"


class NotAllowed(HallError):
    message = _l("Only a supervisor may do this.")


class ImportRejected(HallError):
    message = _l("This file cannot be imported.")
    field = "file"


class ImportNotClean(HallError):
    message = _l("Fix the rows marked as problems and upload the file again; nothing was saved.")


class WrongCounter(HallError):
    message = _l("Enterprise registrations are recorded at an exclusive enterprise-room counter.")
    field = "counter"


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


def _lookup(aliases: dict[str, set[str]], value: str) -> str | None:
    wanted = _key(value)
    for code, names in aliases.items():
        if wanted == _key(code) or wanted in {_key(name) for name in names}:
            return code
    return None


# Registration numbers


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


# The register


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
    if creating:
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
    audit.record(
        "enterprise.create" if creating else "enterprise.update",
        actor=actor,
        target=f"enterprise:{enterprise.id}",
        summary=f"{place} {number} {name_zh}",
        hall_id=hall.id,
        now=now,
    )
    db.session.commit()
    return enterprise


def get_enterprise(hall: Hall, enterprise_id: int) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.hall_id != hall.id:
        raise NotFound(_l("There is no such enterprise in this hall."))
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
            func.lower(Enterprise.registration_number).like(f"%{_key(text)}%"),
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


# People


def add_member(
    enterprise: Enterprise,
    *,
    name: str,
    document_type: str,
    document_number: str,
    role: str = "staff",
    phone: str = "",
    actor: Staff,
    now: datetime | None = None,
    today: date | None = None,
) -> EnterpriseMember:
    """Add a person to an enterprise; the document is checked, then kept masked and hashed."""
    now = now or utcnow()
    name = (name or "").strip()
    if not name:
        raise InvalidValue(_l("Enter the person's name."), field="name")
    if role not in MEMBER_ROLES:
        raise InvalidValue(_l("Choose the person's role in the enterprise."), field="role")
    document = check_document(document_type, document_number, today=today or service_day(now))
    digest = document.keyed_hash(current_app.config["IDENTITY_HASH_KEY"])
    existing = db.session.scalar(
        select(EnterpriseMember).where(
            EnterpriseMember.enterprise_id == enterprise.id,
            EnterpriseMember.document_hash == digest,
        )
    )
    if existing is not None:
        raise DuplicateMember()
    member = EnterpriseMember(
        enterprise_id=enterprise.id,
        name=name,
        document_type=document.type,
        document_masked=document.masked,
        document_hash=digest,
        role=role,
        phone=(phone or "").strip()[:40],
        created_at=now,
    )
    db.session.add(member)
    db.session.flush()
    audit.record(
        "enterprise.member.add",
        actor=actor,
        target=f"enterprise:{enterprise.id}",
        summary=f"{name} {document.masked}",
        hall_id=enterprise.hall_id,
        now=now,
    )
    db.session.commit()
    return member


def set_member_active(
    member: EnterpriseMember, active: bool, *, actor: Staff, now: datetime | None = None
) -> EnterpriseMember:
    """People who leave an enterprise are kept for the figures, marked as no longer active."""
    member.active = active
    audit.record(
        "enterprise.member.activate" if active else "enterprise.member.deactivate",
        actor=actor,
        target=f"enterprise:{member.enterprise_id}",
        summary=f"{member.name} {member.document_masked}",
        hall_id=member.enterprise.hall_id,
        now=now,
    )
    db.session.commit()
    return member


# Merging duplicates


def merge_enterprises(
    source: Enterprise,
    target: Enterprise,
    *,
    actor: Staff,
    reason: str = "",
    now: datetime | None = None,
) -> EnterpriseMerge:
    """A supervisor folds a duplicate record into the one that stays. People, services and
    appointments move over (a person on both records becomes one), the duplicate stays as
    a "merged" record pointing at the survivor, and a merge row keeps what it was."""
    now = now or utcnow()
    if not actor.has_role("supervisor"):
        raise NotAllowed()
    if source.id == target.id or source.hall_id != target.hall_id:
        raise InvalidValue(_l("Choose two different enterprises of this hall."), field="target")
    if source.status == "merged" or target.status == "merged":
        raise InvalidValue(_l("A record that was already merged cannot be merged again."))
    target_hashes = {
        member.document_hash: member
        for member in db.session.scalars(
            select(EnterpriseMember).where(EnterpriseMember.enterprise_id == target.id)
        )
    }
    moved = joined = 0
    for member in list(
        db.session.scalars(
            select(EnterpriseMember).where(EnterpriseMember.enterprise_id == source.id)
        )
    ):
        survivor = target_hashes.get(member.document_hash)
        if survivor is None:
            member.enterprise_id = target.id
            target_hashes[member.document_hash] = member
            moved += 1
            continue
        # The same person on both records: keep the survivor's row, repoint the history.
        for table, column in (
            (service_member, "service_id"),
            (appointment_member, "appointment_id"),
        ):
            owners = select(table.c[column]).where(table.c.member_id == survivor.id)
            db.session.execute(
                delete(table).where(table.c.member_id == member.id, table.c[column].in_(owners))
            )
            db.session.execute(
                update(table).where(table.c.member_id == member.id).values(member_id=survivor.id)
            )
        survivor.active = survivor.active or member.active
        db.session.delete(member)
        joined += 1
    services = db.session.execute(
        update(RegistrationService)
        .where(RegistrationService.enterprise_id == source.id)
        .values(enterprise_id=target.id)
    ).rowcount
    appointments = db.session.execute(
        update(EnterpriseAppointment)
        .where(EnterpriseAppointment.enterprise_id == source.id)
        .values(enterprise_id=target.id)
    ).rowcount
    db.session.execute(
        update(EnterpriseTicket)
        .where(EnterpriseTicket.enterprise_id == source.id)
        .values(enterprise_id=target.id)
    )
    db.session.execute(
        delete(StaffImport).where(
            StaffImport.enterprise_id == source.id, StaffImport.confirmed_at.is_(None)
        )
    )
    source.status = "merged"
    source.merged_into_id = target.id
    source.updated_at = now
    target.updated_at = now
    record = EnterpriseMerge(
        source_id=source.id,
        target_id=target.id,
        actor_id=actor.id,
        at=now,
        source_name=source.name_zh,
        source_place=source.place,
        source_number=source.registration_number,
        members_moved=moved,
        members_joined=joined,
        services_moved=services or 0,
        appointments_moved=appointments or 0,
        reason=(reason or "").strip()[:300],
    )
    db.session.add(record)
    audit.record(
        "enterprise.merge",
        actor=actor,
        target=f"enterprise:{target.id}",
        summary=(
            f"enterprise:{source.id} {source.registration_number} -> "
            f"enterprise:{target.id} {target.registration_number}; "
            f"people moved {moved}, joined {joined}, services {services}"
        ),
        hall_id=target.hall_id,
        now=now,
    )
    db.session.commit()
    return record


def merge_history(enterprise: Enterprise) -> list[EnterpriseMerge]:
    return list(
        db.session.scalars(
            select(EnterpriseMerge)
            .where(
                or_(
                    EnterpriseMerge.target_id == enterprise.id,
                    EnterpriseMerge.source_id == enterprise.id,
                )
            )
            .order_by(EnterpriseMerge.at.desc())
        )
    )


# Staff lists from spreadsheets


@dataclass
class ImportRow:
    line: int
    name: str = ""
    document_type: str = ""
    masked: str = ""
    hash: str = ""
    role: str = "staff"
    phone: str = ""
    status: str = "new"  # new, existing (skipped) or error
    problems: list[str] = field(default_factory=list)


def _too_many(count: int) -> ImportRejected:
    return ImportRejected(
        _(
            "The file has %(count)s rows; at most %(limit)s people can be imported at once. "
            "Split the list into smaller files.",
            count=f"{count:,}",
            limit=f"{MAX_IMPORT_ROWS:,}",
        )
    )


def _bounded_rows(rows) -> list[list[str]]:
    """Rows as stripped text, stopping as soon as there are more than the import allows."""
    kept: list[list[str]] = []
    for row in rows:
        cells = ["" if cell is None else str(cell).strip() for cell in row]
        if any(len(cell) > MAX_IMPORT_CELL_CHARS for cell in cells):
            raise ImportRejected(
                _l("A cell holds more than %(n)d characters.", n=MAX_IMPORT_CELL_CHARS)
            )
        if any(cells):
            kept.append(cells)
        if len(kept) - 1 > MAX_IMPORT_ROWS:  # the header is not a person
            raise ImportRejected(
                _l(
                    "The file has more than %(limit)s rows; split the list into smaller files.",
                    limit=f"{MAX_IMPORT_ROWS:,}",
                )
            )
    return kept


def _read_rows(filename: str, data: bytes) -> list[list[str]]:
    """All rows of the first sheet (xlsx) or of a CSV file, as text, the header first."""
    name = (filename or "").lower()
    if not data:
        raise ImportRejected(_l("The file is empty."))
    if name.endswith(".csv"):
        try:
            text = decode_csv(data)
        except InvalidValue as error:
            raise ImportRejected(error.message) from error
        try:
            return _bounded_rows(csv.reader(io.StringIO(text)))
        except csv.Error as error:  # e.g. a field beyond the csv module's 128 KiB
            raise ImportRejected(_l("The CSV file could not be read.")) from error
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise ImportRejected(_l("The Excel file could not be read.")) from error
        try:
            sheet = workbook.worksheets[0]
            # The sheet's recorded size refuses a huge file before reading any of it.
            if sheet.max_row and sheet.max_row - 1 > MAX_IMPORT_ROWS:
                raise _too_many(sheet.max_row - 1)
            # Read-only mode streams the sheet; rows are counted as they come, since the
            # recorded size above is whatever the file claims (and would cut rows off).
            sheet.reset_dimensions()
            return _bounded_rows(sheet.iter_rows(values_only=True, max_col=MAX_IMPORT_COLUMNS))
        finally:
            workbook.close()
    raise ImportRejected(_l("Upload an Excel workbook (.xlsx) or a CSV file."))


def parse_staff_list(
    enterprise: Enterprise, filename: str, data: bytes, *, today: date
) -> list[ImportRow]:
    """Every row of a staff list checked, none saved: the preview the clerk confirms."""
    rows = _read_rows(filename, data)
    rows = [row for row in rows if any(cell for cell in row)]
    if not rows:
        raise ImportRejected(_l("The file is empty."))
    header, body = rows[0], rows[1:]
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = _lookup(_HEADER_ALIASES, title)
        if column and column not in positions:
            positions[column] = index
    missing = [column for column in REQUIRED_IMPORT_COLUMNS if column not in positions]
    if missing:
        names = {
            "name": pgettext("person", "Name"),
            "document_type": _("Document type"),
            "document_number": _("Document number"),
        }
        raise ImportRejected(
            _(
                "The first row must name the columns. Missing: %(columns)s.",
                columns=", ".join(names[column] for column in missing),
            )
        )
    if not body:
        raise ImportRejected(_l("The file has a header row but no people."))
    if len(body) > MAX_IMPORT_ROWS:
        raise _too_many(len(body))
    key = current_app.config["IDENTITY_HASH_KEY"]
    known = set(
        db.session.scalars(
            select(EnterpriseMember.document_hash).where(
                EnterpriseMember.enterprise_id == enterprise.id
            )
        )
    )
    seen: dict[str, int] = {}
    parsed = []
    for offset, cells in enumerate(body, start=2):

        def cell(column: str, cells=cells) -> str:
            index = positions.get(column)
            return cells[index] if index is not None and index < len(cells) else ""

        row = ImportRow(line=offset, name=cell("name")[:120], phone=cell("phone")[:40])
        if not row.name:
            row.problems.append(_("The name is missing."))
        raw_type, raw_number = cell("document_type"), cell("document_number")
        row.masked = mask(raw_number) if raw_number else ""
        document_type = _lookup(_DOCUMENT_ALIASES, raw_type)
        if document_type is None:
            row.problems.append(
                _("Unknown document type “%(value)s”.", value=raw_type)
                if raw_type
                else _("The document type is missing.")
            )
        else:
            row.document_type = document_type
            try:
                document = check_document(document_type, raw_number, today=today)
            except InvalidDocumentNumber as error:
                row.problems.append(str(error.message))
            else:
                row.masked = document.masked
                row.hash = document.keyed_hash(key)
        raw_role = cell("role")
        if raw_role:
            role = _lookup(_ROLE_ALIASES, raw_role)
            if role is None:
                row.problems.append(_("Unknown role “%(value)s”.", value=raw_role))
            else:
                row.role = role
        if row.hash:
            if row.hash in seen:
                row.problems.append(_("The same document as row %(line)s.", line=seen[row.hash]))
            else:
                seen[row.hash] = row.line
        if row.problems:
            row.status = "error"
        elif row.hash in known:
            row.status = "existing"
        parsed.append(row)
    return parsed


def preview_staff_import(
    enterprise: Enterprise,
    *,
    filename: str,
    data: bytes,
    actor: Staff,
    now: datetime | None = None,
) -> StaffImport:
    """Check an uploaded staff list and keep the checked rows (masked, hashed) under a token."""
    now = now or utcnow()
    rows = parse_staff_list(enterprise, filename, data, today=service_day(now))
    pending = StaffImport(
        token=secrets.token_urlsafe(24),
        enterprise_id=enterprise.id,
        created_by_id=actor.id,
        created_at=now,
        filename=(filename or "")[:200],
        rows_json=json.dumps([row.__dict__ for row in rows], ensure_ascii=False),
        error_count=sum(1 for row in rows if row.status == "error"),
    )
    db.session.add(pending)
    db.session.commit()
    return pending


def import_rows(pending: StaffImport) -> list[ImportRow]:
    return [ImportRow(**row) for row in json.loads(pending.rows_json)]


def get_import(enterprise: Enterprise, token: str) -> StaffImport:
    pending = db.session.scalar(
        select(StaffImport).where(
            StaffImport.token == token, StaffImport.enterprise_id == enterprise.id
        )
    )
    if pending is None:
        raise NotFound(_l("This preview is no longer available; upload the file again."))
    return pending


def confirm_staff_import(
    enterprise: Enterprise, token: str, *, actor: Staff, now: datetime | None = None
) -> int:
    """Save a previewed staff list, only when every row is clean; returns people added."""
    now = now or utcnow()
    pending = get_import(enterprise, token)
    if pending.confirmed_at is not None:
        raise InvalidValue(_l("This list was already imported."))
    if pending.error_count:
        raise ImportNotClean()
    known = set(
        db.session.scalars(
            select(EnterpriseMember.document_hash).where(
                EnterpriseMember.enterprise_id == enterprise.id
            )
        )
    )
    added = 0
    for row in import_rows(pending):
        if row.status != "new" or row.hash in known:
            continue
        db.session.add(
            EnterpriseMember(
                enterprise_id=enterprise.id,
                name=row.name,
                document_type=row.document_type,
                document_masked=row.masked,
                document_hash=row.hash,
                role=row.role,
                phone=row.phone,
                created_at=now,
            )
        )
        known.add(row.hash)
        added += 1
    pending.confirmed_at = now
    audit.record(
        "enterprise.member.import",
        actor=actor,
        target=f"enterprise:{enterprise.id}",
        summary=f"{pending.filename}: {added} added",
        hall_id=enterprise.hall_id,
        now=now,
    )
    db.session.commit()
    return added


# Appointments and registration services


def book_appointment(
    enterprise: Enterprise,
    *,
    starts_at: datetime,
    member_ids: Iterable[int],
    note: str = "",
    actor: Staff,
    now: datetime | None = None,
) -> EnterpriseAppointment:
    """Book a time for an enterprise and the people it will send."""
    now = now or utcnow()
    if enterprise.status != "active":
        raise InvalidValue(_l("Only an active enterprise can be booked."))
    if starts_at < now:
        raise InvalidValue(_l("Choose a time that has not passed."), field="starts_at")
    members = _members_of(enterprise, member_ids)
    appointment = EnterpriseAppointment(
        hall_id=enterprise.hall_id,
        enterprise_id=enterprise.id,
        starts_at=starts_at,
        note=(note or "").strip()[:300],
        created_by_id=actor.id,
        created_at=now,
        members=members,
    )
    db.session.add(appointment)
    db.session.flush()
    audit.record(
        "enterprise.appointment.book",
        actor=actor,
        target=f"enterprise:{enterprise.id}",
        summary=f"appointment:{appointment.id} {starts_at.isoformat()} {len(members)} people",
        hall_id=enterprise.hall_id,
        now=now,
    )
    db.session.commit()
    return appointment


def cancel_appointment(
    appointment: EnterpriseAppointment, *, actor: Staff, now: datetime | None = None
) -> EnterpriseAppointment:
    """A booking not yet checked in can be cancelled."""
    if appointment.status != "booked":
        raise InvalidValue(_l("Only a booked appointment can be cancelled."))
    appointment.status = "cancelled"
    audit.record(
        "enterprise.appointment.cancel",
        actor=actor,
        target=f"enterprise:{appointment.enterprise_id}",
        summary=f"appointment:{appointment.id}",
        hall_id=appointment.hall_id,
        now=now,
    )
    db.session.commit()
    return appointment


def appointments_on(hall: Hall, day: date) -> list[EnterpriseAppointment]:
    """The enterprise room's bookings for one service day, earliest first."""
    rows = db.session.scalars(
        select(EnterpriseAppointment)
        .where(EnterpriseAppointment.hall_id == hall.id)
        .order_by(EnterpriseAppointment.starts_at)
    )
    return [row for row in rows if service_day(row.starts_at) == day]


def upcoming_appointments(enterprise: Enterprise) -> list[EnterpriseAppointment]:
    return list(
        db.session.scalars(
            select(EnterpriseAppointment)
            .where(EnterpriseAppointment.enterprise_id == enterprise.id)
            .order_by(EnterpriseAppointment.starts_at.desc())
            .limit(20)
        )
    )


def _members_of(enterprise: Enterprise, member_ids: Iterable[int]) -> list[EnterpriseMember]:
    wanted = {int(member_id) for member_id in member_ids}
    if not wanted:
        raise InvalidValue(_l("Choose at least one person."), field="member_ids")
    members = list(
        db.session.scalars(
            select(EnterpriseMember).where(
                EnterpriseMember.id.in_(wanted), EnterpriseMember.enterprise_id == enterprise.id
            )
        )
    )
    if len(members) != len(wanted):
        raise InvalidValue(_l("Choose people registered for this enterprise."), field="member_ids")
    return members


def exclusive_counters(hall: Hall) -> list[Counter]:
    """The enterprise room's counters, where registrations are recorded."""
    return list(
        db.session.scalars(
            select(Counter)
            .where(Counter.hall_id == hall.id, Counter.room == "enterprise")
            .order_by(Counter.number)
        )
    )


def record_service(
    enterprise: Enterprise,
    *,
    member_ids: Iterable[int],
    mode: str,
    counter: Counter,
    clerk: Staff,
    outcome: str = "completed",
    documents_checked: str = "",
    note: str = "",
    appointment: EnterpriseAppointment | None = None,
    now: datetime | None = None,
    commit: bool = True,
) -> RegistrationService:
    """Record one registration service at an exclusive counter: who was served, how, by whom.
    A service started from an appointment counts as "by appointment" and closes the booking."""
    now = now or utcnow()
    if enterprise.status == "merged":
        raise InvalidValue(_l("This record was merged into another; serve that one instead."))
    if mode not in SERVICE_MODES:
        raise InvalidValue(_l("Choose by appointment or on the spot."), field="mode")
    if outcome not in SERVICE_OUTCOMES:
        raise InvalidValue(_l("Choose the outcome."), field="outcome")
    if counter.hall_id != enterprise.hall_id or counter.room != "enterprise":
        raise WrongCounter()
    if appointment is not None:
        if appointment.enterprise_id != enterprise.id:
            raise InvalidValue(_l("This appointment belongs to another enterprise."))
        if appointment.status in ("served", "cancelled"):
            raise InvalidValue(_l("This appointment is already closed."))
        mode = "appointment"
        appointment.status = "served"
    members = _members_of(enterprise, member_ids)
    service = RegistrationService(
        hall_id=enterprise.hall_id,
        enterprise_id=enterprise.id,
        mode=mode,
        counter_id=counter.id,
        clerk_id=clerk.id,
        appointment_id=appointment.id if appointment else None,
        served_at=now,
        service_day=service_day(now),
        outcome=outcome,
        documents_checked=(documents_checked or "").strip(),
        note=(note or "").strip(),
        members=members,
    )
    db.session.add(service)
    db.session.flush()
    audit.record(
        "enterprise.service.record",
        actor=clerk,
        target=f"enterprise:{enterprise.id}",
        summary=f"service:{service.id} {mode} counter {counter.number}, {len(members)} people",
        hall_id=enterprise.hall_id,
        now=now,
    )
    if commit:
        db.session.commit()
    return service


# The enterprise room's queue


class NotAnEnterpriseTicket(HallError):
    message = _l("This ticket is not for the enterprise room.")


class TicketNotHere(HallError):
    message = _l("This ticket is not at your counter now; call it first.")


class NoEnterpriseService(HallError):
    message = _l("This hall has no active enterprise-room service to issue tickets for.")


def enterprise_service(hall: Hall) -> Service:
    """The service whose tickets queue for the enterprise room (E in the standard hall)."""
    service = db.session.scalar(
        select(Service)
        .where(Service.hall_id == hall.id, Service.room == "enterprise", Service.active)
        .order_by(Service.code)
        .limit(1)
    )
    if service is None:
        raise NoEnterpriseService()
    return service


def get_room_counter(hall: Hall, number: int) -> Counter:
    """An exclusive counter of the enterprise room, by its number."""
    counter = db.session.scalar(
        select(Counter).where(
            Counter.hall_id == hall.id, Counter.number == number, Counter.room == "enterprise"
        )
    )
    if counter is None:
        raise NotFound(_l("Counter %(number)s is not in the enterprise room.", number=number))
    return counter


def check_in_appointment(
    appointment: EnterpriseAppointment, *, actor: Staff, now: datetime | None = None
) -> Ticket:
    """The enterprise's people have arrived for their booking: they get an appointment-class
    ticket of the enterprise service, linked to the enterprise, through the queue's rules."""
    now = now or utcnow()
    if appointment.status != "booked":
        raise InvalidValue(_l("Only a booked appointment can be checked in."))
    hall = db.session.get(Hall, appointment.hall_id)
    service = enterprise_service(hall)
    appointment_id, enterprise_id = appointment.id, appointment.enterprise_id
    # Set before the queue commits, so a refused ticket leaves the booking as it was.
    appointment.status = "checked_in"
    appointment.checked_in_at = now
    ticket = queue.issue_ticket(
        hall,
        service.code,
        source="appointment",
        priority_class="appointment",
        now=now,
        actor=actor,
    )
    appointment = db.session.get(EnterpriseAppointment, appointment_id)
    appointment.ticket_id = ticket.id
    db.session.add(
        EnterpriseTicket(
            ticket_id=ticket.id,
            enterprise_id=enterprise_id,
            appointment_id=appointment_id,
            linked_by_id=actor.id,
            linked_at=now,
        )
    )
    audit.record(
        "enterprise.appointment.check_in",
        actor=actor,
        target=f"enterprise:{enterprise_id}",
        summary=f"appointment:{appointment_id} ticket {ticket.label}",
        hall_id=hall.id,
        now=now,
    )
    db.session.commit()
    return ticket


def ticket_link(ticket: Ticket) -> EnterpriseTicket | None:
    return db.session.get(EnterpriseTicket, ticket.id)


def link_ticket(
    ticket: Ticket, enterprise: Enterprise, *, actor: Staff, now: datetime | None = None
) -> EnterpriseTicket:
    """Say which enterprise the visitor holding this enterprise-room ticket comes for."""
    now = now or utcnow()
    if ticket.service.room != "enterprise":
        raise NotAnEnterpriseTicket()
    if enterprise.hall_id != ticket.hall_id or enterprise.status == "merged":
        raise InvalidValue(_l("Choose an enterprise of this hall that was not merged away."))
    link = ticket_link(ticket)
    if link is None:
        link = EnterpriseTicket(ticket_id=ticket.id)
        db.session.add(link)
    link.enterprise_id = enterprise.id
    link.linked_by_id = actor.id
    link.linked_at = now
    audit.record(
        "enterprise.ticket.link",
        actor=actor,
        target=f"enterprise:{enterprise.id}",
        summary=f"ticket {ticket.label}",
        hall_id=ticket.hall_id,
        now=now,
    )
    db.session.commit()
    return link


def serve_ticket(
    ticket: Ticket,
    *,
    counter: Counter,
    clerk: Staff,
    member_ids: Iterable[int],
    outcome: str = "completed",
    documents_checked: str = "",
    note: str = "",
    now: datetime | None = None,
) -> RegistrationService:
    """Record the service given to the enterprise of the ticket at this counter, and finish
    the ticket: the registration and the ticket's last step are one transaction. A ticket
    from an appointment's check-in counts as by appointment, any other as on the spot."""
    now = now or utcnow()
    if ticket.counter_id != counter.id or ticket.status not in ("called", "serving"):
        raise TicketNotHere()
    link = ticket_link(ticket)
    if link is None:
        raise InvalidValue(
            _l("Link the ticket to an enterprise before recording the service."),
            field="enterprise",
        )
    enterprise = link.enterprise
    appointment = link.appointment
    if appointment is not None and appointment.status not in ("booked", "checked_in"):
        appointment = None
    mode = "appointment" if appointment is not None or ticket.source == "appointment" else None
    # Check everything the registration needs before the queue moves the ticket on.
    _members_of(enterprise, member_ids)
    if outcome not in SERVICE_OUTCOMES:
        raise InvalidValue(_l("Choose the outcome."), field="outcome")
    ticket_id = ticket.id
    if ticket.status == "called":
        queue.start(ticket, now=now, actor=clerk, counter=counter)
    ticket = db.session.get(Ticket, ticket_id)
    service = record_service(
        enterprise,
        member_ids=member_ids,
        mode=mode or "on_the_spot",
        counter=counter,
        clerk=clerk,
        outcome=outcome,
        documents_checked=documents_checked,
        note=note,
        appointment=appointment,
        now=now,
        commit=False,
    )
    service.ticket_id = ticket.id
    # finish() commits the registration with the ticket's step, or rolls both back.
    queue.finish(ticket, now=now, actor=clerk, counter=counter)
    return service


def services_of(enterprise: Enterprise, limit: int = 50) -> list[RegistrationService]:
    return list(
        db.session.scalars(
            select(RegistrationService)
            .where(RegistrationService.enterprise_id == enterprise.id)
            .order_by(RegistrationService.served_at.desc())
            .limit(limit)
        )
    )


# Figures


@dataclass
class FigureRow:
    key: str
    label: object  # a lazy string for codes, translated when drawn; a clerk's name as it is
    services: int = 0
    enterprises: int = 0
    people: int = 0


@dataclass
class Figures:
    start: date
    end: date
    total: FigureRow
    by_mode: list[FigureRow]
    by_place: list[FigureRow]
    by_clerk: list[FigureRow]


PLACE_LABELS = {"hong_kong": _l("Hong Kong"), "macau": _l("Macau")}
MODE_LABELS = {"appointment": _l("By appointment"), "on_the_spot": _l("On the spot")}


def figures(hall: Hall, start: date, end: date) -> Figures:
    """Enterprises and people served between two service days, both included.

    A person is the holder of one document (the keyed hash), so someone served twice, or
    for two enterprises, counts once in each line and once in the total. An enterprise
    merged into another counts as the one it was merged into. A line's people and
    enterprises are counted within that line, so the lines of one split can add up to
    more than the total when someone was served both ways."""
    if end < start:
        raise InvalidValue(_l("The end date is before the start date."), field="end")
    rows = db.session.execute(
        select(
            RegistrationService.id,
            RegistrationService.enterprise_id,
            RegistrationService.mode,
            RegistrationService.clerk_id,
            Enterprise.place,
            EnterpriseMember.document_hash,
        )
        .join(Enterprise, Enterprise.id == RegistrationService.enterprise_id)
        .outerjoin(service_member, service_member.c.service_id == RegistrationService.id)
        .outerjoin(EnterpriseMember, EnterpriseMember.id == service_member.c.member_id)
        .where(
            RegistrationService.hall_id == hall.id,
            RegistrationService.service_day >= start,
            RegistrationService.service_day <= end,
        )
    ).all()
    buckets: dict[tuple[str, object], tuple[set, set, set]] = {}

    def add(split: str, key: object, row) -> None:
        services, enterprises, people = buckets.setdefault((split, key), (set(), set(), set()))
        services.add(row.id)
        enterprises.add(row.enterprise_id)
        if row.document_hash:
            people.add(row.document_hash)

    for row in rows:
        add("total", None, row)
        add("mode", row.mode, row)
        add("place", row.place, row)
        add("clerk", row.clerk_id, row)

    def line(split: str, key: object, label: object) -> FigureRow:
        services, enterprises, people = buckets.get((split, key), (set(), set(), set()))
        return FigureRow(str(key or ""), label, len(services), len(enterprises), len(people))

    clerk_ids = [key for split, key in buckets if split == "clerk"]
    clerks = {
        staff.id: staff.full_name
        for staff in db.session.scalars(
            select(Staff).where(Staff.id.in_([i for i in clerk_ids if i is not None]))
        )
    }
    by_clerk = [
        line("clerk", clerk_id, clerks.get(clerk_id) or _l("(no clerk recorded)"))
        for clerk_id in clerk_ids
    ]
    by_clerk.sort(key=lambda row: (-row.people, str(row.label)))
    return Figures(
        start=start,
        end=end,
        total=line("total", None, _l("All services")),
        by_mode=[line("mode", mode, MODE_LABELS[mode]) for mode in SERVICE_MODES],
        by_place=[line("place", place, PLACE_LABELS[place]) for place in PLACES],
        by_clerk=by_clerk,
    )


def figure_table(result: Figures) -> list[list[object]]:
    """The figures as a table, header first: what both exports write."""
    table: list[list[object]] = [
        [
            _("Split"),
            pgettext("line of business", "Line"),
            _("Services"),
            _("Enterprises"),
            _("People"),
        ]
    ]
    sections = [
        (_("Total"), [result.total]),
        (_("How they came"), result.by_mode),
        (_("Place of incorporation"), result.by_place),
        (_("Clerk"), result.by_clerk),
    ]
    for title, lines in sections:
        for row in lines:
            table.append([title, str(row.label), row.services, row.enterprises, row.people])
    return table


def _range_line(result: Figures) -> str:
    return _(
        "Enterprise room, %(start)s to %(end)s",
        start=result.start.isoformat(),
        end=result.end.isoformat(),
    )


def figures_csv(result: Figures) -> str:
    """The figures' CSV; spreadsheets.csv_text neutralises any cell that looks like a formula."""
    return spreadsheets.csv_text(
        [[_range_line(result)], *figure_table(result), [], [counting_rule()]]
    )


def figures_xlsx(result: Figures) -> bytes:
    """An Excel workbook with the same table as the page and the CSV."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Figures"
    spreadsheets.append_row(sheet, [_range_line(result)])
    sheet["A1"].font = Font(bold=True)
    for index, row in enumerate(figure_table(result)):
        spreadsheets.append_row(sheet, row)
        if index == 0:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
    sheet.append([])
    spreadsheets.append_row(sheet, [counting_rule()])
    for column, width in zip("ABCDE", (22, 28, 12, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def counting_rule() -> str:
    return _(
        "How we count: a person is one identity document, counted once however many times "
        "they were served in the period; an enterprise is counted once however many visits. "
        "Each line counts within itself, so a person served both by appointment and on the "
        "spot appears in both lines but once in the total."
    )
