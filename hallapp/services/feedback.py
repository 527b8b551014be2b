"""Citizen suggestions: received, triaged, acted on, replied to, closed, and shown back.

Each workflow step is one function. A step the workflow does not allow raises
`IllegalStep` before anything changes. Deadlines count working days on the hall's calendar.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import (
    FOLLOW_UP_KINDS,
    SUGGESTION_CATEGORIES,
    SUGGESTION_CHANNELS,
    SUGGESTION_OPEN_STATUSES,
    SUGGESTION_STATUSES,
    URGENCIES,
    Hall,
    ReplyDeadline,
    Staff,
    Suggestion,
    SuggestionAction,
    SuggestionEvent,
    SuggestionFollowUp,
    SuggestionNote,
)
from hallapp.services import audit
from hallapp.services.calendar import working_day_deadline
from hallapp.services.errors import HallError, InvalidValue, NotFound

# No 0/O, 1/I/L: a code read aloud on the hotline or copied from a slip stays unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_TEXT = 4000
DEFAULT_REPLY_DAYS = 5
# The roles that can open a suggestion and act on it; only they may own one.
ACTING_ROLES = ("supervisor",)
# Mainland mobiles, landlines with area code, optionally +86: what the hall can call back.
PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}\d{7,8})$")


class IllegalStep(HallError):
    message = _l("This step is not possible for the suggestion as it stands.")


class ReplyRequired(IllegalStep):
    message = _l("The citizen asked for a reply: publish a reply before closing.")


class CallbackRequired(IllegalStep):
    message = _l("The citizen left a phone number: log a callback before closing.")


class UnknownTrackingCode(NotFound):
    message = _l("We found no suggestion with this tracking code. Please check it and try again.")


def _event(
    suggestion: Suggestion,
    kind: str,
    *,
    actor: Staff | None,
    now: datetime,
    from_status: str | None = None,
    detail: str = "",
) -> SuggestionEvent:
    event = SuggestionEvent(
        kind=kind,
        actor_id=actor.id if actor else None,
        at=now,
        from_status=from_status,
        to_status=suggestion.status,
        detail=detail[:4000],
    )
    suggestion.events.append(event)
    # Every step is in the audit log too, beside the hall's other changes.
    audit.record(
        f"feedback.{kind}",
        actor=actor,
        hall_id=suggestion.hall_id,
        target=f"suggestion:{suggestion.tracking_code}",
        summary=suggestion.status,
        now=now,
    )
    return event


# The workflow of a suggestion in one table: the statuses each step may be taken from.
STEPS: dict[str, tuple[str, ...]] = {
    "triage": SUGGESTION_OPEN_STATUSES,
    "start": ("triaged",),
    "action": ("new", "triaged", "in_progress", "replied"),
    "reply": ("triaged", "in_progress", "replied"),
    "close": ("triaged", "in_progress", "replied"),
    "duplicate": SUGGESTION_OPEN_STATUSES,
    "reopen": ("replied", "closed"),
    "publish": ("closed",),
    "unpublish": ("closed",),
    "follow_up": SUGGESTION_STATUSES,
    "note": SUGGESTION_STATUSES,
}


def allowed_steps(suggestion: Suggestion) -> frozenset[str]:
    """The steps the workflow allows the suggestion as it stands: the screen offers these
    buttons and each step refuses when it is not among them."""
    steps = {step for step, starts in STEPS.items() if suggestion.status in starts}
    # "You said, we did" shows the work of the original, never a duplicate's, and once.
    if suggestion.duplicate_of_id is not None or suggestion.published:
        steps.discard("publish")
    if not suggestion.published:
        steps.discard("unpublish")
    return frozenset(steps)


def _check(suggestion: Suggestion, step: str, refusal: IllegalStep | None = None) -> str:
    """Refuse a step the workflow does not allow; the status it starts from."""
    if step not in allowed_steps(suggestion):
        raise refusal or IllegalStep()
    return suggestion.status


def _move(suggestion: Suggestion, step: str, to: str) -> str:
    before = _check(suggestion, step)
    suggestion.status = to
    return before


def clean_text(text: str | None, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidValue(_l("Please write your suggestion."), field=field)
    if len(text) > MAX_TEXT:
        raise InvalidValue(
            _l(
                "Please keep it under %(max)d characters (you wrote %(count)d).",
                max=MAX_TEXT,
                count=len(text),
            ),
            field=field,
        )
    return text


def normalize_phone(value: str | None) -> str | None:
    """A phone number the hall can dial, or None when left empty; anything else is refused."""
    value = re.sub(r"[\s\-()]", "", value or "")
    if not value:
        return None
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not PHONE.match(value):
        raise InvalidValue(
            _l("This is not a phone number we can call: e.g. 13812345678 or 020-12345678."),
            field="contact_phone",
        )
    return value


def normalize_code(code: str | None) -> str:
    return re.sub(r"[\s\-]", "", code or "").upper()


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Suggestion.id).where(Suggestion.tracking_code == code)) is None:
            return code


def reply_days(hall: Hall, category: str) -> int:
    days = db.session.scalar(
        select(ReplyDeadline.working_days).where(
            ReplyDeadline.hall_id == hall.id, ReplyDeadline.category == category
        )
    )
    return days or DEFAULT_REPLY_DAYS


def submit_suggestion(hall: Hall, *, text: str, now: datetime, **details: Any) -> Suggestion:
    """Take a suggestion in the citizen's own words; its reply deadline starts now.

    `details` are new_suggestion's: category, contact_phone, wants_reply, channel, ..."""
    suggestion = new_suggestion(hall, text=clean_text(text), now=now, **details)
    db.session.commit()
    return suggestion


def new_suggestion(
    hall: Hall,
    *,
    text: str,
    category: str,
    now: datetime,
    contact_phone: str | None = None,
    wants_reply: bool = False,
    channel: str = "form",
    recorded_by: Staff | None = None,
    visit_ref: str | None = None,
    callback_required: bool = False,
    working_days: int | None = None,
) -> Suggestion:
    """A suggestion added to the caller's transaction (other use cases open them too)."""
    if category not in SUGGESTION_CATEGORIES:
        raise InvalidValue(_l("Choose what your suggestion is about."), field="category")
    if channel not in SUGGESTION_CHANNELS:
        raise InvalidValue(_l("Choose how the suggestion came in."), field="channel")
    phone = normalize_phone(contact_phone)
    days = working_days or reply_days(hall, category)
    suggestion = Suggestion(
        hall_id=hall.id,
        tracking_code=_new_code(),
        channel=channel,
        category=category,
        text=text,
        contact_phone=phone,
        wants_reply=bool(wants_reply),
        visit_ref=(visit_ref or "").strip()[:64] or None,
        recorded_by_id=recorded_by.id if recorded_by else None,
        created_at=now,
        due_at=working_day_deadline(hall, now, days),
        callback_required=bool(callback_required and phone),
        status="new",
    )
    db.session.add(suggestion)
    _event(suggestion, "submitted", actor=recorded_by, now=now, detail=channel)
    return suggestion


def find_by_code(hall: Hall, code: str) -> Suggestion:
    """The citizen's own suggestion, by the code on their slip; nothing else."""
    code = normalize_code(code)
    suggestion = None
    if len(code) == CODE_LENGTH:
        suggestion = db.session.scalar(
            select(Suggestion).where(
                Suggestion.hall_id == hall.id, Suggestion.tracking_code == code
            )
        )
    if suggestion is None:
        raise UnknownTrackingCode(field="code")
    return suggestion


def triage(
    suggestion: Suggestion,
    *,
    actor: Staff,
    now: datetime,
    category: str,
    owner: Staff | None,
    urgency: str = "normal",
) -> Suggestion:
    """Sort a suggestion: its category (which sets the deadline), who owns it, how urgent."""
    if category not in SUGGESTION_CATEGORIES:
        raise InvalidValue(field="category")
    if urgency not in URGENCIES:
        raise InvalidValue(field="urgency")
    if owner is not None and owner.hall_id != suggestion.hall_id:
        raise InvalidValue(_l("The owner must work in this hall."), field="owner")
    if owner is not None and not can_act(owner):
        raise InvalidValue(
            _l("%(name)s cannot open suggestions; choose a supervisor.", name=owner.full_name),
            field="owner",
        )
    before = _check(suggestion, "triage")
    if before == "new":
        suggestion.status = "triaged"
    if category != suggestion.category:
        suggestion.category = category
        suggestion.due_at = working_day_deadline(
            suggestion.hall, suggestion.created_at, reply_days(suggestion.hall, category)
        )
    suggestion.owner_id = owner.id if owner else None
    suggestion.urgency = urgency
    detail = f"{category}, {urgency}, {owner.full_name if owner else '-'}"
    _event(suggestion, "triaged", actor=actor, now=now, from_status=before, detail=detail)
    db.session.commit()
    return suggestion


def start_work(suggestion: Suggestion, *, actor: Staff, now: datetime) -> Suggestion:
    """The owner starts on it."""
    before = _move(suggestion, "start", "in_progress")
    _event(suggestion, "started", actor=actor, now=now, from_status=before)
    db.session.commit()
    return suggestion


def reply(suggestion: Suggestion, *, actor: Staff, now: datetime, text: str) -> Suggestion:
    """Publish the reply the citizen reads on the tracking page; a later reply replaces it."""
    text = clean_text(text, field="reply")
    before = _move(suggestion, "reply", "replied")
    suggestion.public_reply = text
    if suggestion.replied_at is None:
        suggestion.replied_at = now
    _event(suggestion, "replied", actor=actor, now=now, from_status=before, detail=text)
    db.session.commit()
    return suggestion


def has_callback(suggestion: Suggestion) -> bool:
    return any(f.kind in ("callback", "call") for f in suggestion.follow_ups)


def close(suggestion: Suggestion, *, actor: Staff, now: datetime) -> Suggestion:
    """Close it: a citizen who asked for a reply must have one, a callback must be logged."""
    _check(suggestion, "close")
    if suggestion.wants_reply and not suggestion.public_reply:
        raise ReplyRequired()
    if suggestion.callback_required and not has_callback(suggestion):
        raise CallbackRequired()
    before = _move(suggestion, "close", "closed")
    suggestion.closed_at = now
    _event(suggestion, "closed", actor=actor, now=now, from_status=before)
    db.session.commit()
    return suggestion


def reopen(suggestion: Suggestion, *, actor: Staff, now: datetime, reason: str) -> Suggestion:
    """Open a replied or closed suggestion again, saying why; it leaves the public page."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidValue(_l("Say why it is reopened."), field="reason")
    before = _move(suggestion, "reopen", "in_progress")
    suggestion.closed_at = None
    suggestion.duplicate_of_id = None
    suggestion.published = False
    _event(suggestion, "reopened", actor=actor, now=now, from_status=before, detail=reason)
    db.session.commit()
    return suggestion


def mark_duplicate(
    suggestion: Suggestion, *, original_code: str, actor: Staff, now: datetime
) -> Suggestion:
    """Close it as the same matter as another suggestion of the hall, which carries the work."""
    original = db.session.scalar(
        select(Suggestion).where(
            Suggestion.hall_id == suggestion.hall_id,
            Suggestion.tracking_code == normalize_code(original_code),
        )
    )
    if original is None:
        raise InvalidValue(_l("No suggestion of this hall has that code."), field="original")
    if original.id == suggestion.id or original.duplicate_of_id == suggestion.id:
        raise InvalidValue(_l("A suggestion cannot duplicate itself."), field="original")
    before = _move(suggestion, "duplicate", "closed")
    suggestion.duplicate_of_id = original.id
    suggestion.closed_at = now
    _event(
        suggestion,
        "duplicate",
        actor=actor,
        now=now,
        from_status=before,
        detail=original.tracking_code,
    )
    db.session.commit()
    return suggestion


def add_note(suggestion: Suggestion, *, actor: Staff, now: datetime, text: str) -> SuggestionNote:
    """An internal note for colleagues; the citizen never sees it."""
    _check(suggestion, "note")
    text = clean_text(text, field="text")
    note = SuggestionNote(author_id=actor.id, at=now, text=text)
    suggestion.notes.append(note)
    _event(suggestion, "note", actor=actor, now=now, from_status=suggestion.status)
    db.session.commit()
    return note


def record_action(
    suggestion: Suggestion, *, actor: Staff, now: datetime, text: str
) -> SuggestionAction:
    """What the hall did about it."""
    _check(suggestion, "action")
    text = clean_text(text, field="text")
    action = SuggestionAction(author_id=actor.id, at=now, text=text)
    suggestion.actions.append(action)
    _event(suggestion, "action", actor=actor, now=now, from_status=suggestion.status, detail=text)
    db.session.commit()
    return action


def record_follow_up(
    suggestion: Suggestion,
    *,
    actor: Staff,
    now: datetime,
    kind: str,
    happened_on: date,
    outcome: str,
) -> SuggestionFollowUp:
    """A call or an invitation to come and try, with the date and what the citizen said."""
    _check(suggestion, "follow_up")
    if kind not in FOLLOW_UP_KINDS:
        raise InvalidValue(field="kind")
    if happened_on > now.astimezone(ZoneInfo(suggestion.hall.timezone)).date():
        raise InvalidValue(_l("A follow-up cannot be in the future."), field="happened_on")
    outcome = clean_text(outcome, field="outcome")
    follow_up = SuggestionFollowUp(
        author_id=actor.id, at=now, kind=kind, happened_on=happened_on, outcome=outcome
    )
    suggestion.follow_ups.append(follow_up)
    _event(
        suggestion,
        "follow_up",
        actor=actor,
        now=now,
        from_status=suggestion.status,
        detail=f"{kind} {happened_on.isoformat()}: {outcome}",
    )
    db.session.commit()
    return follow_up


def publish(suggestion: Suggestion, *, actor: Staff, now: datetime, change: str) -> Suggestion:
    """Show a closed suggestion on "you said, we did", with the change in public words."""
    _check(
        suggestion,
        "publish",
        IllegalStep(_l("Only a closed suggestion that is not a duplicate can be published.")),
    )
    suggestion.published_change = clean_text(change, field="change")
    suggestion.published = True
    _event(suggestion, "published", actor=actor, now=now, from_status=suggestion.status)
    db.session.commit()
    return suggestion


def unpublish(suggestion: Suggestion, *, actor: Staff, now: datetime) -> Suggestion:
    """Take it off "you said, we did" again."""
    _check(suggestion, "unpublish")
    suggestion.published = False
    _event(suggestion, "unpublished", actor=actor, now=now, from_status=suggestion.status)
    db.session.commit()
    return suggestion


def view_contact(
    suggestion: Suggestion, *, actor: Staff, now: datetime, address: str | None = None
) -> str | None:
    """The citizen's phone, for a supervisor; every look is written to the audit log."""
    audit.record(
        "feedback.contact.view",
        actor=actor,
        hall_id=suggestion.hall_id,
        target=f"suggestion:{suggestion.id}",
        summary=suggestion.tracking_code,
        address=address,
        now=now,
    )
    db.session.commit()
    return suggestion.contact_phone


def can_act(staff: Staff) -> bool:
    """Whether this person can open a suggestion and take its steps."""
    return staff.active and staff.has_role(*ACTING_ROLES)


def possible_owners(hall: Hall) -> list[Staff]:
    """Only people who can act on a suggestion are offered as its owner."""
    return [
        staff
        for staff in db.session.scalars(
            select(Staff).where(Staff.hall_id == hall.id, Staff.active).order_by(Staff.full_name)
        )
        if can_act(staff)
    ]
