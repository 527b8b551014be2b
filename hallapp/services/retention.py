"""How long the hall keeps what identifies a citizen, and the daily purge of what is older."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from hallapp.extensions import db
from hallapp.models import Appointment, DeskCase, StaffImport, Suggestion, VisitorIdentity
from hallapp.services import audit
from hallapp.services.bulk import rows_changed

DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    identities: int
    appointments: int
    cases: int
    suggestion_phones: int = 0
    import_previews: int = 0


def retention_days() -> int:
    return int(current_app.config.get("IDENTITY_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)


IMPORT_PREVIEW_LIFETIME = timedelta(days=1)


def purge_identity_data(*, now: datetime, days: int | None = None) -> PurgeReport:
    """Erase masked numbers, keyed hashes, phones and names older than the retention period.

    Open cases keep their contact until they close; tickets, times and counts stay for reports."""
    days = retention_days() if days is None else days
    cutoff = now - timedelta(days=days)
    in_open_case = select(DeskCase.identity_id).where(
        DeskCase.state == "open", DeskCase.identity_id.is_not(None)
    )
    old_ids = list(
        db.session.scalars(
            select(VisitorIdentity.id).where(
                VisitorIdentity.created_at < cutoff, VisitorIdentity.id.not_in(in_open_case)
            )
        )
    )
    appointments = rows_changed(
        update(Appointment)
        .where(
            Appointment.created_at < cutoff,
            or_(Appointment.citizen_name.is_not(None), Appointment.identity_id.in_(old_ids)),
        )
        .values(citizen_name=None, identity_id=None)
        .execution_options(synchronize_session=False)
    )
    cases = rows_changed(
        update(DeskCase)
        .where(
            DeskCase.state == "closed",
            DeskCase.closed_at < cutoff,
            or_(
                DeskCase.citizen_name.is_not(None),
                DeskCase.contact_phone.is_not(None),
                DeskCase.address.is_not(None),
                DeskCase.identity_id.is_not(None),
            ),
        )
        .values(citizen_name=None, contact_phone=None, address=None, identity_id=None)
        .execution_options(synchronize_session=False)
    )
    identities = 0
    if old_ids:
        identities = rows_changed(
            delete(VisitorIdentity)
            .where(VisitorIdentity.id.in_(old_ids))
            .execution_options(synchronize_session=False)
        )
    # Phones left with suggestions and ratings: kept while the matter is open (a callback
    # may be owed), erased like the desk's once it has been closed past the period.
    suggestion_phones = rows_changed(
        update(Suggestion)
        .where(
            Suggestion.contact_phone.is_not(None),
            Suggestion.created_at < cutoff,
            Suggestion.closed_at.is_not(None),
            Suggestion.closed_at < cutoff,
        )
        .values(contact_phone=None)
        .execution_options(synchronize_session=False)
    )
    # A staff-list preview is confirmed within minutes or never: a day is plenty.
    import_previews = rows_changed(
        delete(StaffImport)
        .where(StaffImport.created_at < max(cutoff, now - IMPORT_PREVIEW_LIFETIME))
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "guidance.purge",
        summary=(
            f"{identities} identities, {appointments} appointments, {cases} cases, "
            f"{suggestion_phones} suggestion phones, {import_previews} import previews"
        ),
        now=now,
    )
    db.session.commit()
    return PurgeReport(cutoff, identities, appointments, cases, suggestion_phones, import_previews)
