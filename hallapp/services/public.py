"""What the hall's public screens show: the display board, the kiosk, the citizen's ticket.

Reads only (the kiosk issues through queue.issue_ticket). Nothing here returns a name,
a document number or a phone number: public screens show ticket numbers and counters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from hallapp.extensions import db
from hallapp.models import Counter, Hall, Service
from hallapp.models.queue import Ticket, TicketEvent, ticket_label
from hallapp.services import (
    appointments,
    devices,
    guidance,
    hall_now,
    identity,
    journey,
    queue,
    remembered,
)
from hallapp.services.errors import NotFound
from hallapp.services.halls import HallRef

PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CALL_STEPS = ("called", "recalled")
NOW_SHOWING = 6  # tickets in the "now calling" panel
RECENT_CALLS = 10
MISSED_SHOWN = 8
# A call stays in "now calling" this long, or until the ticket moves on.
CALL_FRESH = timedelta(minutes=10)


def announcement_texts(label: str, counter: int, languages: tuple[str, ...]) -> list[dict]:
    """The spoken sentences, Mandarin first, then the repeats the board asks for."""
    spaced = " ".join(label)  # "A 0 1 2": engines read digits one by one, as halls do
    sentences = {
        "zh": ("zh-CN", f"请 {spaced} 号到 {counter} 号窗口办理"),
        "yue": ("zh-HK", f"請 {spaced} 號到 {counter} 號窗口辦理"),
        "en": ("en-GB", f"Number {spaced}, please go to counter {counter}."),
    }
    wanted = ["zh", *[code for code in languages if code in ("yue", "en")]]
    return [{"lang": sentences[code][0], "text": sentences[code][1]} for code in wanted]


@dataclass
class Call:
    event_id: int
    label: str
    counter: int
    at: datetime
    recall: bool
    texts: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceName:
    """A service as a board names it: plain values, so a board's state can be kept for the
    next poll without holding a database row."""

    code: str
    name_zh: str
    name_en: str
    name_hant: str | None


@dataclass(frozen=True)
class Board:
    hall_id: int
    room: str | None
    is_open: bool
    now_calling: list[Call]
    recent: list[Call]
    waiting: list[tuple[ServiceName, int]]
    missed: list[str]
    announcements: list[Call]
    last_event_id: int
    calls: list[Call] = field(default_factory=list)  # the latest calls, newest first


def _today_labels(hall: Hall, now: datetime, room: str | None):
    """The labels' parts (service code, number) of the hall's (or room's) tickets today."""
    query = (
        select(Service.code, Ticket.number)
        .join(Service, Service.id == Ticket.service_id)
        .where(Ticket.hall_id == hall.id, Ticket.service_day == hall_now.service_day(hall, now))
    )
    if room:
        query = query.where(Service.room == room)
    return query


def _latest_calls(hall: Hall, now: datetime, room: str | None, limit: int = 40):
    """The hall's latest `limit` calls today, newest first: picked from the events' own
    (hall, step, time) index before anything is joined, so the cost follows the day's calls
    in the hall, never its tickets or its history."""
    latest = (
        select(TicketEvent.id)
        .where(
            TicketEvent.hall_id == hall.id,
            TicketEvent.step.in_(CALL_STEPS),
            TicketEvent.at >= hall_now.day_start(hall, hall_now.service_day(hall, now)),
        )
        .order_by(TicketEvent.id.desc())
        .limit(limit)
    )
    if room:
        latest = (
            latest.join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .join(Service, Service.id == Ticket.service_id)
            .where(Service.room == room)
        )
    return (
        select(
            TicketEvent.id,
            TicketEvent.at,
            TicketEvent.step,
            Ticket.status,
            Service.code,
            Ticket.number,
            Counter.number,
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Service, Service.id == Ticket.service_id)
        .join(Counter, Counter.id == TicketEvent.counter_id)
        .where(TicketEvent.id.in_(latest.scalar_subquery()))
        .order_by(TicketEvent.id.desc())
    )


def _as_call(row, languages) -> Call:
    """A call from one of _latest_calls' rows: plain columns, not three rows' objects."""
    event_id, at, step, _status, code, number, counter = row
    label = ticket_label(code, number)
    return Call(
        event_id=event_id,
        label=label,
        counter=counter,
        at=at,
        recall=step == "recalled",
        texts=announcement_texts(label, counter, languages),
    )


def board(
    hall: Hall,
    *,
    now: datetime,
    room: str | None = None,
    after_event: int | None = None,
    languages: tuple[str, ...] = (),
) -> Board:
    """The display board: calls now, recent calls, waiting counts, missed calls, and the
    calls newer than `after_event` still to announce, oldest first."""
    return with_announcements(
        board_state(hall, now=now, room=room, languages=languages), after_event
    )


def with_announcements(state: Board, after_event: int | None) -> Board:
    """The board for a screen that has shown the calls up to `after_event` (None: a screen
    just opened, which announces nothing it did not see called). Cheap: the same state
    serves every screen of the hall, whatever each has announced."""
    if after_event is None:
        return state
    announcements = sorted(
        (call for call in state.calls if call.event_id > after_event), key=lambda c: c.event_id
    )
    return replace(
        state,
        announcements=announcements,
        last_event_id=max(state.last_event_id, after_event),
    )


def board_state(
    hall: Hall, *, now: datetime, room: str | None = None, languages: tuple[str, ...] = ()
) -> Board:
    """What every board of the hall (or room) shows now, before any screen's announcements."""
    rows = db.session.execute(_latest_calls(hall, now, room)).all()
    calls = [_as_call(row, languages) for row in rows]
    status_of = {row[0]: row[3] for row in rows}  # by event: its ticket's status now
    now_calling: list[Call] = []
    seen: set[str] = set()
    for call in calls:
        if call.label in seen:
            continue
        seen.add(call.label)
        fresh = now - call.at <= CALL_FRESH
        if fresh and status_of[call.event_id] in ("called", "serving"):
            now_calling.append(call)
    now_calling = now_calling[:NOW_SHOWING]
    # Recent calls: each ticket once (its latest call, marked when it was called again),
    # and not the tickets already in "now calling".
    recalled = {call.label for call in calls if call.recall}
    listed = {call.label for call in now_calling}
    recent: list[Call] = []
    for call in calls:
        if call.label in listed:
            continue
        listed.add(call.label)
        call.recall = call.label in recalled
        recent.append(call)
    recent = recent[:RECENT_CALLS]

    state = hall_now.hall_now(hall, now=now)
    waiting = [
        (ServiceName(s.code, s.name_zh, s.name_en, s.name_hant), item.waiting)
        for item in state.services_in(room)
        for s in (item.service,)
    ]

    missed = db.session.execute(
        _today_labels(hall, now, room)
        .where(Ticket.status == "no_show")
        .order_by(Ticket.no_show_at.desc(), Ticket.id.desc())
        .limit(MISSED_SHOWN)
    ).all()
    return Board(
        hall_id=hall.id,
        room=room,
        is_open=state.is_open,
        now_calling=now_calling,
        recent=recent,
        waiting=waiting,
        missed=[ticket_label(code, number) for code, number in missed],
        announcements=[],
        last_event_id=calls[0].event_id if calls else 0,
        calls=calls,
    )


@dataclass(frozen=True)
class TicketRef:
    """What a tracking page's poll needs of its ticket before it knows whether anything changed."""

    id: int
    hall_id: int


def ticket_ref(public_id: str) -> TicketRef | None:
    if not public_id or not PUBLIC_ID.match(public_id):
        return None
    row = db.session.execute(
        select(Ticket.id, Ticket.hall_id).where(Ticket.public_id == public_id)
    ).one_or_none()
    return TicketRef(*row) if row is not None else None


_TRACKED = (joinedload(Ticket.service, innerjoin=True), joinedload(Ticket.counter))


def tracked_ticket(ticket_id: int) -> Ticket | None:
    """The ticket a tracking page shows: its service and counter come in the same read, its
    hall as the worker remembers it (services/remembered.py). The page renders once per
    ticket and change of its hall, so every statement saved is saved that often."""
    ticket = db.session.get(Ticket, ticket_id, options=_TRACKED)
    if ticket is None:
        return None
    hall = remembered.hall(ticket.hall_id)
    if hall is not None:
        set_committed_value(ticket, "hall", hall)
    return ticket


def find_ticket(public_id: str) -> Ticket:
    """The ticket behind a tracking link; a malformed or unknown id is simply not found."""
    if not public_id or not PUBLIC_ID.match(public_id):
        raise NotFound()
    ticket = db.session.scalar(select(Ticket).where(Ticket.public_id == public_id))
    if ticket is None:
        raise NotFound()
    return ticket


@dataclass
class TicketState:
    status: str
    status_text: str
    tone: str
    ahead: int | None
    wait_minutes: int | None
    counter: int | None
    successor: Ticket | None = None
    # "estimate", "nobody_ahead", "no_history" or "no_counter" (see hall_now.Estimate).
    estimate_reason: str | None = None
    # Once the whole visit is over: how long it took, entering to the last step, in minutes.
    visit_minutes: int | None = None


TONES = {"waiting": "warn", "called": "ok", "serving": "ok", "no_show": "danger"}


def poll_seconds(state: TicketState, *, far: int, near: int, near_ahead: int) -> int:
    """How often the phone asks again: every `far` seconds while many are ahead, every
    `near` once fewer than `near_ahead` are (or it is called or served), so that a call
    shows on the phone within a couple of seconds without every phone polling that often."""
    if state.status == "waiting" and (state.ahead is None or state.ahead >= near_ahead):
        return far
    return near


def ticket_state(ticket: Ticket, *, now: datetime) -> TicketState:
    """What a citizen may know about their own ticket: status, place, wait, counter."""
    ahead = queue.position(ticket, now=now) if ticket.status == "waiting" else None
    estimate = queue.ticket_estimate(ticket, now=now, ahead=ahead) if ahead is not None else None
    visit_minutes = None
    if ticket.status == "done":
        took = journey.visit_duration(ticket.visit)
        visit_minutes = hall_now.whole_minutes(took)
    successor = None
    if ticket.status == "transferred":
        successor = db.session.scalar(
            select(Ticket).where(Ticket.transferred_from_id == ticket.id).order_by(Ticket.id)
        )
    return TicketState(
        status=ticket.status,
        status_text=str(queue.STATUS_LABELS.get(ticket.status, ticket.status)),
        tone=TONES.get(ticket.status, "off"),
        ahead=ahead,
        wait_minutes=estimate.minutes if estimate else None,
        counter=ticket.counter.number if ticket.counter is not None else None,
        successor=successor,
        estimate_reason=estimate.reason if estimate else None,
        visit_minutes=visit_minutes,
    )


@dataclass
class KioskService:
    service: Service
    available: bool
    reason: str
    waiting: int


def kiosk_tiles(state: hall_now.HallNow) -> list[KioskService]:
    """The tiles of the kiosk: every active service, and whether it can issue now."""
    return [
        KioskService(
            service=item.service,
            available=not item.full,
            reason=_("All of today's tickets for this service have been given out.")
            if item.full
            else "",
            waiting=item.waiting,
        )
        for item in state.services_in()
    ]


def kiosk_device(hall: Hall, token: str, *, now: datetime, kind: str = "kiosk"):
    """The kiosk (or display) device token of this hall, if it is known, current and not
    revoked."""
    if not token or len(token) > 200:
        return None
    try:
        device = devices.authenticate(token.strip(), now=now)
    except devices.InvalidToken:
        return None
    return device if device_is_valid(device, hall, now=now, kind=kind) else None


def device_is_valid(device, hall: Hall | HallRef, *, now: datetime, kind: str = "kiosk") -> bool:
    return (
        device is not None
        and device.kind == kind
        and device.hall_id == hall.id
        and device.revoked_at is None
        and (device.expires_at is None or device.expires_at > now)
    )


KIOSK_CARD_TYPES = ("resident_id", "hk_id", "macau_id", "hk_macau_permit", "home_return_permit")


@dataclass(frozen=True)
class KioskSwipe:
    """What a card swiped at the kiosk found: a ticket for today's booking, or none and
    (for a senior by the card's birth date) the age that earns priority."""

    ticket: Ticket | None
    senior_age: int | None


def kiosk_swipe(hall: Hall, number: str, *, now: datetime) -> KioskSwipe:
    """A card swiped at the kiosk: today's booking is checked in (one ticket, printed), or a
    senior by the card's birth date is offered priority. The number itself is never kept:
    a check-in keeps the booking's masked form and keyed hash, nothing more."""
    document_type = identity.guess_type(number)
    # The kiosk's reader reads cards; a passport pattern here is a misread card.
    if document_type not in KIOSK_CARD_TYPES:
        raise identity.InvalidDocumentNumber(
            _l("This card could not be read. Please try again or ask at the guidance desk.")
        )
    today = queue.service_day_of(hall, now)
    document = identity.check_document(document_type, number, today=today)
    bookings = appointments.bookings_for_number(hall, document.number, today)
    if bookings:
        ticket = appointments.check_in(hall, bookings[0], actor=None, now=now)
        return KioskSwipe(ticket=ticket, senior_age=None)
    return KioskSwipe(ticket=None, senior_age=guidance.senior_lane_age(document, today=today))
