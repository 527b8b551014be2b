"""Free photocopies and photos, one tap at the desk: counted per hall-local day."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import FREE_SERVICE_KINDS, FreeService, Hall, Staff
from hallapp.services.errors import InvalidValue
from hallapp.services.reports.scope import zone


def record_free_service(hall: Hall, kind: str, *, now: datetime, actor: Staff | None) -> int:
    """Count one free photocopy or photo; returns today's count of that kind."""
    if kind not in FREE_SERVICE_KINDS:
        raise InvalidValue(_l("Choose photocopy or photo."), field="kind")
    day = now.astimezone(zone(hall)).date()
    db.session.add(
        FreeService(
            hall_id=hall.id,
            kind=kind,
            service_day=day,
            at=now,
            recorded_by_id=actor.id if actor else None,
        )
    )
    db.session.commit()
    return free_services_today(hall, now=now)[kind]


def free_services_today(hall: Hall, *, now: datetime) -> dict[str, int]:
    """Today's count of each kind, for the desk's buttons."""
    day = now.astimezone(zone(hall)).date()
    counts = dict(
        db.session.execute(
            select(FreeService.kind, func.count(FreeService.id))
            .where(FreeService.hall_id == hall.id, FreeService.service_day == day)
            .group_by(FreeService.kind)
        ).all()
    )
    return {kind: counts.get(kind, 0) for kind in FREE_SERVICE_KINDS}
