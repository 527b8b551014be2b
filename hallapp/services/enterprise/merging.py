"""Folding a duplicate record into the one that stays."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, delete, or_, select, update

from hallapp.extensions import db
from hallapp.models import (
    Enterprise,
    EnterpriseAppointment,
    EnterpriseMember,
    EnterpriseMerge,
    EnterpriseTicket,
    RegistrationService,
    Staff,
    StaffImport,
    utcnow,
)
from hallapp.models.enterprise import appointment_member, service_member
from hallapp.services.enterprise.register import log_change
from hallapp.services.errors import HallError, InvalidValue


class NotAllowed(HallError):
    message = _l("Only a supervisor may do this.")


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
    services = _repoint(RegistrationService, source, target)
    appointments = _repoint(EnterpriseAppointment, source, target)
    _repoint(EnterpriseTicket, source, target)
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
        services_moved=services,
        appointments_moved=appointments,
        reason=(reason or "").strip()[:300],
    )
    db.session.add(record)
    log_change(
        "enterprise.merge",
        target.id,
        (
            f"enterprise:{source.id} {source.registration_number} -> "
            f"enterprise:{target.id} {target.registration_number}; "
            f"people moved {moved}, joined {joined}, services {services}"
        ),
        actor=actor,
        hall_id=target.hall_id,
        now=now,
    )
    db.session.commit()
    return record


def _repoint(
    model: type[RegistrationService | EnterpriseAppointment | EnterpriseTicket],
    source: Enterprise,
    target: Enterprise,
) -> int:
    """Move a kind of row from the duplicate to the survivor; how many moved."""
    result = db.session.execute(
        update(model).where(model.enterprise_id == source.id).values(enterprise_id=target.id)
    )
    return cast(CursorResult, result).rowcount


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
