"""A service's checklist of documents, kept in versions: the desk shows the newest, the
hotline reads it out and texts it, and triage refuses a ticket while a required one is missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import ChecklistItem, ChecklistVersion, Service, Staff
from hallapp.services import audit
from hallapp.services.errors import InvalidValue


@dataclass(frozen=True)
class ItemInput:
    text_zh: str
    text_en: str = ""
    required: bool = True
    note_zh: str = ""
    note_en: str = ""


def current_checklist(service: Service) -> ChecklistVersion | None:
    """The newest version of the service's checklist: the one the desk shows."""
    return db.session.scalar(
        select(ChecklistVersion)
        .where(ChecklistVersion.service_id == service.id)
        .order_by(ChecklistVersion.number.desc())
        .limit(1)
    )


def checklist_history(service: Service) -> list[ChecklistVersion]:
    return list(
        db.session.scalars(
            select(ChecklistVersion)
            .where(ChecklistVersion.service_id == service.id)
            .order_by(ChecklistVersion.number.desc())
        )
    )


def save_checklist(
    service: Service,
    items: list[ItemInput],
    *,
    actor: Staff | None,
    now: datetime,
    note: str = "",
) -> ChecklistVersion:
    """Every change is a new version; earlier versions stay as they were."""
    cleaned = [item for item in items if item.text_zh.strip() or item.text_en.strip()]
    if not cleaned:
        raise InvalidValue(_l("A checklist needs at least one item."), field="items")
    for item in cleaned:
        if not item.text_zh.strip():
            raise InvalidValue(_l("Every item needs its Chinese text."), field="items")
    latest = db.session.scalar(
        select(func.max(ChecklistVersion.number)).where(ChecklistVersion.service_id == service.id)
    )
    version = ChecklistVersion(
        service_id=service.id,
        number=(latest or 0) + 1,
        created_at=now,
        created_by_id=actor.id if actor else None,
        note=note.strip()[:200],
        items=[
            ChecklistItem(
                position=position,
                text_zh=item.text_zh.strip()[:200],
                text_en=item.text_en.strip()[:200],
                required=item.required,
                note_zh=item.note_zh.strip()[:200],
                note_en=item.note_en.strip()[:200],
            )
            for position, item in enumerate(cleaned)
        ],
    )
    db.session.add(version)
    audit.record(
        "guidance.checklist.save",
        actor=actor,
        target=f"service:{service.id}",
        summary=f"{service.code} v{version.number}, {len(cleaned)} items",
        hall_id=service.hall_id,
        now=now,
    )
    db.session.commit()
    return version


def missing_documents(version: ChecklistVersion | None, ticked_item_ids: set[int]) -> list:
    """Required items the visitor does not have: a ticket now would fail at the counter."""
    if version is None:
        return []
    return [item for item in version.items if item.required and item.id not in ticked_item_ids]
