"""The people of an enterprise, added one by one or from a staff list (xlsx or CSV)."""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from openpyxl import load_workbook
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.i18n import service_day
from hallapp.models import MEMBER_ROLES, Enterprise, EnterpriseMember, Staff, StaffImport, utcnow
from hallapp.services.enterprise.register import folded, log_change
from hallapp.services.errors import Duplicate, HallError, InvalidValue, NotFound
from hallapp.services.identity import InvalidDocumentNumber, check_document, mask
from hallapp.services.textfiles import decode_csv

MAX_IMPORT_ROWS = 2000
MAX_IMPORT_COLUMNS = 30
MAX_IMPORT_CELL_CHARS = 500
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


class DuplicateMember(Duplicate):
    message = _l("This person is already registered for this enterprise.")
    field = "document_number"


class ImportRejected(HallError):
    message = _l("This file cannot be imported.")
    field = "file"


class ImportNotClean(HallError):
    message = _l("Fix the rows marked as problems and upload the file again; nothing was saved.")


def _lookup(aliases: dict[str, set[str]], value: str) -> str | None:
    wanted = folded(value)
    for code, names in aliases.items():
        if wanted == folded(code) or wanted in {folded(name) for name in names}:
            return code
    return None


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
    log_change(
        "enterprise.member.add",
        enterprise.id,
        f"{name} {document.masked}",
        actor=actor,
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
    log_change(
        "enterprise.member.activate" if active else "enterprise.member.deactivate",
        member.enterprise_id,
        f"{member.name} {member.document_masked}",
        actor=actor,
        hall_id=member.enterprise.hall_id,
        now=now,
    )
    db.session.commit()
    return member


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
    log_change(
        "enterprise.member.import",
        enterprise.id,
        f"{pending.filename}: {added} added",
        actor=actor,
        hall_id=enterprise.hall_id,
        now=now,
    )
    db.session.commit()
    return added


def members_of(enterprise: Enterprise, member_ids: Iterable[int]) -> list[EnterpriseMember]:
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
