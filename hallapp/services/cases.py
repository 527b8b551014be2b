"""Matters the desk keeps open for a citizen (home visits, two-way express delivery, waiting
for a policy), and the policy notices that answer them by topic."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import (
    CASE_KINDS,
    EXPRESS_STATES,
    CaseTopic,
    DeskCase,
    Hall,
    PolicyNotice,
    PolicyNoticeTopic,
    Service,
    Staff,
)
from hallapp.services import audit
from hallapp.services.errors import InvalidValue
from hallapp.services.guidance import new_identity


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
