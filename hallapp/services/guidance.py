"""The guidance desk's rules: identity kept masked and hashed, triage into tickets, and the
hall at a glance. (Checklists, cases and notices, the retention purge and the check-in of a
booking have modules of their own.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import (
    OPEN_STATUSES,
    PRIORITY_NEEDS,
    Appointment,
    ChecklistItem,
    DeskCase,
    Hall,
    Service,
    Staff,
    Ticket,
    Visit,
    VisitorIdentity,
)
from hallapp.services import checklists, hall_now, identity, live, notifications, queue
from hallapp.services.errors import HallError, InvalidValue


def new_identity(
    hall: Hall,
    *,
    number: str = "",
    document_type: str | None = None,
    phone: str = "",
    now: datetime,
) -> VisitorIdentity | None:
    """Check a swiped or typed number and add its masked form and keyed hash (no commit).

    Returns None when neither a number nor a phone was given."""
    number = (number or "").strip()
    phone = (phone or "").strip()
    if not number and not phone:
        return None
    row = VisitorIdentity(hall_id=hall.id, created_at=now, phone=phone[:32] or None)
    if number:
        document_type = document_type or identity.guess_type(number)
        if document_type is None:
            raise identity.InvalidDocumentNumber(
                _l("This number matches no identity card, permit or passport format.")
            )
        document = identity.check_document(
            document_type, number, today=queue.service_day_of(hall, now)
        )
        row.document_type = document.type
        row.masked_number = document.masked
        row.number_hash = document.keyed_hash(current_app.config["IDENTITY_HASH_KEY"])
    db.session.add(row)
    return row


def hash_of(number: str, document_type: str | None = None) -> str | None:
    """The keyed hash a number would be stored under, for looking a visitor up."""
    document_type = document_type or identity.guess_type(number)
    if document_type is None:
        return None
    return identity.keyed_hash(document_type, number, current_app.config["IDENTITY_HASH_KEY"])


def open_tickets_today(hall: Hall, number: str, *, now: datetime) -> list[Ticket]:
    """Tickets still open today for the holder of this document: the same visitor again."""
    key = hash_of(number)
    if key is None:
        return []
    return list(
        db.session.scalars(
            select(Ticket)
            .join(VisitorIdentity, VisitorIdentity.visit_id == Ticket.visit_id)
            .where(
                VisitorIdentity.hall_id == hall.id,
                VisitorIdentity.number_hash == key,
                Ticket.service_day == queue.service_day_of(hall, now),
                Ticket.status.in_(OPEN_STATUSES),
            )
            .order_by(Ticket.issued_at, Ticket.id)
            .distinct()
        )
    )


def senior_lane_age(document: identity.Document, *, today: date) -> int | None:
    """The holder's age when the card's birth date puts them in the senior lane (70+ unless
    the hall sets SENIOR_LANE_AGE), else None."""
    born = identity.birth_date(document)
    if born is None:
        return None
    age = identity.age_on(born, today)
    return age if age >= current_app.config["SENIOR_LANE_AGE"] else None


@dataclass
class VisitorHistory:
    identities: list[VisitorIdentity] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    cases: list[DeskCase] = field(default_factory=list)


def find_visitor(hall: Hall, number: str) -> VisitorHistory:
    """Earlier visits, appointments and open cases of the holder of this document number."""
    key = hash_of(number)
    if key is None:
        return VisitorHistory()
    identities = list(
        db.session.scalars(
            select(VisitorIdentity)
            .where(VisitorIdentity.hall_id == hall.id, VisitorIdentity.number_hash == key)
            .order_by(VisitorIdentity.created_at.desc())
        )
    )
    ids = [row.id for row in identities]
    if not ids:
        return VisitorHistory()
    appointments = list(
        db.session.scalars(
            select(Appointment)
            .where(Appointment.identity_id.in_(ids))
            .order_by(Appointment.id.desc())
        )
    )
    cases = list(
        db.session.scalars(
            select(DeskCase)
            .where(DeskCase.identity_id.in_(ids), DeskCase.state == "open")
            .order_by(DeskCase.due_on)
        )
    )
    return VisitorHistory(identities, appointments, cases)


class MissingDocuments(HallError):
    """The visitor lacks required documents: a ticket now would fail at the counter."""

    message = _l("Required documents are missing.")

    def __init__(self, missing: dict[str, list[ChecklistItem]]):
        super().__init__()
        self.missing = missing

    @property
    def items(self) -> list[ChecklistItem]:
        """Each missing document once, though several chosen services ask for it."""
        seen: dict[str, ChecklistItem] = {}
        for items in self.missing.values():
            for item in items:
                seen.setdefault(item.text_zh.strip(), item)
        return list(seen.values())


class VisitorHasOpenTickets(HallError):
    """The same document already holds open tickets today: reuse them, or confirm anew."""

    message = _l("This visitor already has open tickets today.")

    def __init__(self, tickets: list[Ticket]):
        super().__init__()
        self.tickets = tickets


@dataclass(frozen=True)
class TriageResult:
    visit: Visit
    tickets: list[Ticket]
    identity: VisitorIdentity | None
    refused: list[tuple[Service, str]] = field(default_factory=list)


NEEDS = (*PRIORITY_NEEDS, "interpreter")


def triage(
    hall: Hall,
    service_codes: list[str],
    *,
    ticked_item_ids: set[int],
    needs: dict[str, bool],
    document_number: str = "",
    phone: str = "",
    again: bool = False,
    actor: Staff | None,
    now: datetime,
) -> TriageResult:
    """One visit, one ticket per chosen service, only when every required document is there.

    A document that already holds open tickets today gets none until the officer confirms
    (`again`): the same card swiped twice must not queue one person four times.
    The priority class comes from the needs through the queue's own rule (issue_ticket)."""
    codes = list(dict.fromkeys(code.upper() for code in service_codes if code))
    if not codes:
        raise InvalidValue(_l("Choose what the visitor came for."), field="services")
    services = {s.code: s for s in hall.services if s.active}
    unknown = [code for code in codes if code not in services]
    if unknown:
        raise InvalidValue(_l("There is no such service in this hall."), field="services")
    missing = {
        code: items
        for code in codes
        if (
            items := checklists.missing_documents(
                checklists.current_checklist(services[code]), ticked_item_ids
            )
        )
    }
    if missing:
        raise MissingDocuments(missing)
    if document_number.strip() and not again:
        already = open_tickets_today(hall, document_number, now=now)
        if already:
            raise VisitorHasOpenTickets(already)
    # A mistyped phone is refused before anything is saved, not after the tickets exist.
    phone = notifications.normalize_phone(phone) if phone.strip() else ""
    flags = {need: bool(needs.get(need)) for need in NEEDS}
    visit = Visit(hall_id=hall.id, arrived_at=now, **flags)
    db.session.add(visit)
    ident = new_identity(hall, number=document_number, phone=phone, now=now)
    if ident is not None:
        ident.visit = visit
    tickets: list[Ticket] = []
    refused: list[tuple[Service, str]] = []
    # issue_ticket commits each ticket (with the visit and identity, the first time). A
    # refusal of the first saves nothing; a later one leaves the tickets already issued
    # and is reported service by service, never dropped silently.
    for code in codes:
        try:
            tickets.append(
                queue.issue_ticket(hall, code, source="desk", visit=visit, now=now, actor=actor)
            )
        except HallError as error:
            if not tickets:
                raise
            refused.append((services[code], str(error.message)))
    if phone:
        # "3 people ahead of you", "please go to counter 5 now" by text message.
        for ticket in tickets:
            notifications.subscribe(ticket, phone, now=now)
    return TriageResult(visit, tickets, ident, refused)


@dataclass(frozen=True)
class Overview:
    version: int
    state: hall_now.HallNow

    @property
    def services(self) -> list[hall_now.ServiceNow]:
        return self.state.services_in()

    @property
    def counters_open(self) -> int:
        return self.state.counters_in("open")

    @property
    def visitors_now(self) -> int:
        return len(self.state.visitors)

    @property
    def longest_here(self) -> timedelta | None:
        return self.state.longest_in_hall


def overview(hall: Hall, *, now: datetime) -> Overview:
    """What the guide needs in one look: queues, open counters, who is in the hall how long."""
    return Overview(version=live.current_version(hall.id), state=hall_now.hall_now(hall, now=now))
