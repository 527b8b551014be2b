"""The guidance desk's rules: checklists with versions, identity kept masked and hashed,
cases kept open for citizens, policy notices that answer them, and the retention purge."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from hallapp.extensions import db
from hallapp.models import (
    CASE_KINDS,
    EXPRESS_STATES,
    OPEN_STATUSES,
    PRIORITY_NEEDS,
    Appointment,
    CaseTopic,
    ChecklistItem,
    ChecklistVersion,
    DeskCase,
    Hall,
    PolicyNotice,
    PolicyNoticeTopic,
    Service,
    Staff,
    StaffImport,
    Suggestion,
    Ticket,
    Visit,
    VisitorIdentity,
)
from hallapp.services import audit, hall_now, identity, live, notifications, queue
from hallapp.services.errors import HallError, InvalidValue, NotFound

DEFAULT_RETENTION_DAYS = 30


# Checklists


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


# Identity


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


# Cases


class CaseNotOpen(InvalidValue):
    message = _l("This case is already closed.")


def normalize_topics(raw: str | list[str]) -> list[str]:
    """Topics are short tags; commas, Chinese commas and semicolons separate them."""
    parts = raw if isinstance(raw, list) else re.split(r"[,，;；、\n]+", raw or "")
    seen: list[str] = []
    for part in parts:
        tag = " ".join(part.split()).lower()[:60]
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def open_case(
    hall: Hall,
    *,
    kind: str,
    owner: Staff | None,
    due_on: date | None,
    summary: str,
    actor: Staff | None,
    now: datetime,
    service: Service | None = None,
    citizen_name: str = "",
    contact_phone: str = "",
    document_number: str = "",
    address: str = "",
    what_to_take: str = "",
    visit_at: datetime | None = None,
    visit_by: str = "",
    tracking_in: str = "",
    topics: str | list[str] = "",
) -> DeskCase:
    """A citizen's matter the desk keeps open with an owner and a due date."""
    if kind not in CASE_KINDS:
        raise InvalidValue(_l("Choose the kind of case."), field="kind")
    if due_on is None:
        raise InvalidValue(_l("Give the case a due date."), field="due_on")
    if due_on < now.date():
        raise InvalidValue(_l("The due date lies in the past."), field="due_on")
    tags = normalize_topics(topics)
    if kind == "home_visit" and not address.strip():
        raise InvalidValue(_l("A home visit needs the address."), field="address")
    if kind == "policy_followup" and not tags:
        raise InvalidValue(
            _l("Tag the matter with at least one policy topic, so a new notice finds it."),
            field="topics",
        )
    if not contact_phone.strip() and not document_number.strip():
        raise InvalidValue(
            _l("Give a contact phone or the document number, so the citizen can be reached."),
            field="contact_phone",
        )
    ident = new_identity(hall, number=document_number, now=now) if document_number else None
    case = DeskCase(
        hall_id=hall.id,
        kind=kind,
        owner_id=owner.id if owner else None,
        due_on=due_on,
        summary=summary.strip(),
        service_id=service.id if service else None,
        identity=ident,
        citizen_name=citizen_name.strip()[:60] or None,
        contact_phone=contact_phone.strip()[:32] or None,
        address=address.strip()[:200] or None,
        what_to_take=what_to_take.strip(),
        visit_at=visit_at,
        visit_by=visit_by.strip()[:120],
        tracking_in=tracking_in.strip()[:40],
        express_state="awaiting_documents" if kind == "express" else None,
        created_at=now,
        topic_rows=[CaseTopic(topic=tag) for tag in tags],
    )
    db.session.add(case)
    db.session.flush()
    audit.record(
        "guidance.case.open",
        actor=actor,
        target=f"case:{case.id}",
        summary=kind,
        hall_id=hall.id,
        now=now,
    )
    db.session.commit()
    return case


def get_case(hall: Hall, case_id: int) -> DeskCase:
    case = db.session.get(DeskCase, case_id)
    if case is None or case.hall_id != hall.id:
        raise NotFound()
    return case


def update_express(
    case: DeskCase,
    *,
    express_state: str,
    tracking_in: str = "",
    tracking_out: str = "",
    actor: Staff | None,
    now: datetime,
) -> DeskCase:
    """Documents in, permit out: each step records its tracking number."""
    if case.state != "open":
        raise CaseNotOpen()
    if case.kind != "express" or express_state not in EXPRESS_STATES:
        raise InvalidValue(_l("Choose a delivery state."), field="express_state")
    if express_state in ("permit_sent", "delivered") and not (tracking_out or case.tracking_out):
        raise InvalidValue(
            _l("Give the tracking number of the parcel sent back."), field="tracking_out"
        )
    case.express_state = express_state
    if tracking_in.strip():
        case.tracking_in = tracking_in.strip()[:40]
    if tracking_out.strip():
        case.tracking_out = tracking_out.strip()[:40]
    audit.record(
        "guidance.case.express",
        actor=actor,
        target=f"case:{case.id}",
        summary=express_state,
        hall_id=case.hall_id,
        now=now,
    )
    db.session.commit()
    return case


def close_case(case: DeskCase, *, outcome: str, actor: Staff | None, now: datetime) -> DeskCase:
    """A case closes with its outcome written down."""
    if case.state != "open":
        raise CaseNotOpen()
    if not outcome.strip():
        raise InvalidValue(_l("Write the outcome before closing the case."), field="outcome")
    case.state = "closed"
    case.outcome = outcome.strip()
    case.closed_at = now
    audit.record(
        "guidance.case.close",
        actor=actor,
        target=f"case:{case.id}",
        summary=case.kind,
        hall_id=case.hall_id,
        now=now,
    )
    db.session.commit()
    return case


def open_cases(hall: Hall, *, owner: Staff | None = None) -> list[DeskCase]:
    """Open cases, the most urgent first."""
    query = select(DeskCase).where(DeskCase.hall_id == hall.id, DeskCase.state == "open")
    if owner is not None:
        query = query.where(DeskCase.owner_id == owner.id)
    return list(db.session.scalars(query.order_by(DeskCase.due_on, DeskCase.id)))


# Policy notices


def record_notice(
    hall: Hall,
    *,
    title: str,
    body: str,
    topics: str | list[str],
    effective_on: date | None,
    actor: Staff | None,
    now: datetime,
) -> PolicyNotice:
    """A new notice with its topics; the cases it answers are listed from them."""
    tags = normalize_topics(topics)
    if not title.strip():
        raise InvalidValue(_l("Give the notice a title."), field="title")
    if not tags:
        raise InvalidValue(_l("Tag the notice with at least one topic."), field="topics")
    notice = PolicyNotice(
        hall_id=hall.id,
        title=title.strip()[:200],
        body=body.strip(),
        effective_on=effective_on,
        created_at=now,
        created_by_id=actor.id if actor else None,
        topic_rows=[PolicyNoticeTopic(topic=tag) for tag in tags],
    )
    db.session.add(notice)
    db.session.flush()
    audit.record(
        "guidance.notice.record",
        actor=actor,
        target=f"notice:{notice.id}",
        summary=", ".join(tags),
        hall_id=hall.id,
        now=now,
    )
    db.session.commit()
    return notice


def cases_answered_by(notice: PolicyNotice) -> list[DeskCase]:
    """Every open case in the notice's hall tagged with one of its topics."""
    topics = notice.topics
    if not topics:
        return []
    matching = select(CaseTopic.case_id).where(CaseTopic.topic.in_(topics))
    return list(
        db.session.scalars(
            select(DeskCase)
            .where(
                DeskCase.hall_id == notice.hall_id,
                DeskCase.state == "open",
                DeskCase.id.in_(matching),
            )
            .order_by(DeskCase.due_on, DeskCase.id)
        )
    )


def list_notices(hall: Hall) -> list[PolicyNotice]:
    return list(
        db.session.scalars(
            select(PolicyNotice)
            .where(PolicyNotice.hall_id == hall.id)
            .order_by(PolicyNotice.created_at.desc())
        )
    )


# Retention


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
    appointments = db.session.execute(
        update(Appointment)
        .where(
            Appointment.created_at < cutoff,
            or_(Appointment.citizen_name.is_not(None), Appointment.identity_id.in_(old_ids)),
        )
        .values(citizen_name=None, identity_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    cases = db.session.execute(
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
    ).rowcount
    identities = 0
    if old_ids:
        identities = db.session.execute(
            VisitorIdentity.__table__.delete().where(VisitorIdentity.id.in_(old_ids))
        ).rowcount
    # Phones left with suggestions and ratings: kept while the matter is open (a callback
    # may be owed), erased like the desk's once it has been closed past the period.
    suggestion_phones = db.session.execute(
        update(Suggestion)
        .where(
            Suggestion.contact_phone.is_not(None),
            Suggestion.created_at < cutoff,
            Suggestion.closed_at.is_not(None),
            Suggestion.closed_at < cutoff,
        )
        .values(contact_phone=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    # A staff-list preview is confirmed within minutes or never: a day is plenty.
    import_previews = db.session.execute(
        StaffImport.__table__.delete().where(
            StaffImport.created_at < max(cutoff, now - IMPORT_PREVIEW_LIFETIME)
        )
    ).rowcount
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


# Triage at the desk


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
        if (items := missing_documents(current_checklist(services[code]), ticked_item_ids))
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


def check_in(hall: Hall, appointment: Appointment, *, actor: Staff | None, now: datetime) -> Ticket:
    """A booked citizen on their day gets an appointment-class ticket, once."""
    from hallapp.services.appointments import check_in_allowed

    check_in_allowed(appointment, now)
    appointment.state = "checked_in"
    appointment.checked_in_at = now
    visit = Visit(hall_id=hall.id, arrived_at=now)
    db.session.add(visit)
    if appointment.identity is not None and appointment.identity.visit_id is None:
        appointment.identity.visit = visit
    audit.record(
        "guidance.appointment.check_in",
        actor=actor,
        target=f"appointment:{appointment.id}",
        summary=appointment.code,
        hall_id=hall.id,
        now=now,
    )
    ticket = queue.issue_ticket(
        hall,
        appointment.slot.service.code,
        source="appointment",
        priority_class="appointment",
        visit=visit,
        now=now,
        actor=actor,
    )
    appointment.ticket_id = ticket.id
    db.session.commit()
    return ticket


# The hall at a glance


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
