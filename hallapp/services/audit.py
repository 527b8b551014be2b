"""The audit trail: who did what, when, from where."""

from datetime import datetime

from sqlalchemy import or_, select

from hallapp.extensions import db
from hallapp.models import AuditEntry, Staff, utcnow


def record(
    action: str,
    *,
    actor: Staff | None = None,
    target: str | None = None,
    summary: str = "",
    hall_id: int | None = None,
    address: str | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add an audit row to the current transaction; the caller's use case commits it."""
    entry = AuditEntry(
        at=now or utcnow(),
        actor_id=actor.id if actor else None,
        hall_id=hall_id if hall_id is not None else (actor.hall_id if actor else None),
        action=action,
        target=target,
        summary=summary[:2000],
        address=address,
    )
    db.session.add(entry)
    return entry


def log_view(
    action: str,
    *,
    actor: Staff,
    target: str,
    hall_id: int | None = None,
    address: str | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """A look at a citizen's contact or identity data: written down, whoever looked."""
    entry = record(action, actor=actor, target=target, hall_id=hall_id, address=address, now=now)
    db.session.commit()
    return entry


def search_entries(
    *,
    hall_id: int | None = None,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """Newest first; `action` matches a prefix so "admin" finds every admin edit.
    A hall's view includes entries tied to no hall, such as sign-ins with unknown names."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if hall_id is not None:
        query = query.where(or_(AuditEntry.hall_id == hall_id, AuditEntry.hall_id.is_(None)))
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    return list(db.session.scalars(query.limit(limit)))
