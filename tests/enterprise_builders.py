"""Test data for the enterprise room: enterprises, people and services, committed."""

from datetime import UTC, datetime

from flask import current_app

from hallapp.extensions import db
from hallapp.i18n import service_day
from hallapp.models import Enterprise, EnterpriseMember, RegistrationService
from hallapp.services.identity import check_document

# Valid Hong Kong identity numbers (check character computed by hand in test_identity.py's way).
HK_IDS = ["A123456(3)", "AB987654(3)"]


def make_enterprise(hall, number: str, place: str = "hong_kong", **fields) -> Enterprise:
    enterprise = Enterprise(
        hall_id=hall.id,
        name_zh=fields.pop("name_zh", f"企业{number}"),
        name_en=fields.pop("name_en", f"Enterprise {number}"),
        place=place,
        registration_number=number,
        **fields,
    )
    db.session.add(enterprise)
    db.session.commit()
    return enterprise


def make_member(
    enterprise, name: str, number: str, document_type: str = "hk_macau_permit", **fields
) -> EnterpriseMember:
    document = check_document(document_type, number)
    member = EnterpriseMember(
        enterprise_id=enterprise.id,
        name=name,
        document_type=document.type,
        document_masked=document.masked,
        document_hash=document.keyed_hash(current_app.config["IDENTITY_HASH_KEY"]),
        **fields,
    )
    db.session.add(member)
    db.session.commit()
    return member


def make_service(enterprise, members, *, mode, counter, clerk, at: datetime):
    service = RegistrationService(
        hall_id=enterprise.hall_id,
        enterprise_id=enterprise.id,
        mode=mode,
        counter_id=counter.id,
        clerk_id=clerk.id,
        served_at=at,
        service_day=service_day(at),
        members=list(members),
    )
    db.session.add(service)
    db.session.commit()
    return service


def utc(year, month, day, hour=2, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
