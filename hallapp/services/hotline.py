"""The hotline (12345 / 12367): one call that saves a trip.

The operator reads out a service's checklist and texts it to the caller, books a slot and
texts the booking code, or writes down a suggestion or a policy follow-up for the caller.
Each is one use case over the hall's own services (checklists, appointments, feedback,
cases) with the text queued in the same transaction, through the notifications outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from hallapp.extensions import db
from hallapp.i18n import format_local, service_day
from hallapp.models import Appointment, Hall, Service, Staff, Suggestion
from hallapp.models.guidance import DeskCase
from hallapp.services import appointments, audit, cases, checklists, feedback, halls, notifications
from hallapp.services.errors import InvalidValue, NotFound

LINES = ("hotline_12345", "hotline_12367")
# A follow-up on a policy the caller waits for: the desk looks at it within this many days.
FOLLOW_UP_DAYS = 14
# Characters of the document list in a checklist text; the page link always follows.
ITEMS_LIMIT = 400


def _english(locale: str) -> bool:
    return locale.startswith("en")


def _name(obj, locale: str, field: str = "name") -> str:
    suffix = "en" if _english(locale) else "zh"
    return getattr(obj, f"{field}_{suffix}") or getattr(obj, f"{field}_zh")


def find_service(hall: Hall, service_id: int | None) -> Service:
    """The service the caller asks about: one this hall offers today."""
    service = halls.get_in_hall(Service, service_id, hall) if service_id else None
    if service is None or not service.active:
        raise NotFound(_l("Choose a service of this hall."))
    return service


def checklist_params(service: Service, link: str, *, locale: str) -> dict:
    """The checklist as a text's values: the required documents, and the page with the rest.

    A long list is cut, never the link: the page has everything."""
    version = checklists.current_checklist(service)
    items = [item for item in (version.items if version else []) if item.required]
    lines = [f"{n}. {_name(item, locale, 'text')}" for n, item in enumerate(items, 1)]
    text = "\n".join(lines)
    if len(text) > ITEMS_LIMIT:
        text = text[: ITEMS_LIMIT - 1] + "…"
    return {"service": _name(service, locale), "items": text, "link": link}


def text_checklist(
    hall: Hall,
    service: Service,
    *,
    phone: str,
    link: str,
    actor: Staff,
    now: datetime,
    locale: str = "zh_Hans_CN",
):
    """Send the service's checklist to the caller's phone."""
    if checklists.current_checklist(service) is None:
        raise InvalidValue(_l("This service has no checklist yet."), field="service")
    phone = notifications.normalize_phone(phone)
    message = notifications.text_to_phone(
        hall.id,
        phone,
        f"checklist-{service.id}",
        "hotline_checklist",
        checklist_params(service, link, locale=locale),
        locale=locale,
        now=now,
    )
    audit.record(
        "hotline.checklist.text",
        actor=actor,
        hall_id=hall.id,
        target=f"service:{service.id}",
        summary=notifications.mask_phone(phone),
        now=now,
    )
    db.session.commit()
    return message


def booking_params(appointment: Appointment, *, locale: str) -> dict:
    slot = appointment.slot
    return {
        "code": appointment.code,
        "service": _name(slot.service, locale),
        "day": format_local(slot.starts_at, "%Y-%m-%d"),
        "time": format_local(slot.starts_at, "%H:%M"),
        "hall": _name(slot.hall, locale),
    }


def book_and_text(
    hall: Hall,
    slot_id: int,
    *,
    phone: str,
    citizen_name: str = "",
    actor: Staff,
    now: datetime,
    locale: str = "zh_Hans_CN",
) -> Appointment:
    """Book the caller a slot and text the booking code, or do neither."""
    phone = notifications.normalize_phone(phone)
    appointment = appointments.add_booking(
        hall, slot_id, citizen_name=citizen_name, phone=phone, actor=actor, now=now
    )
    db.session.refresh(appointment)
    notifications.text_to_phone(
        hall.id,
        phone,
        f"booking-{appointment.id}",
        "hotline_booking",
        booking_params(appointment, locale=locale),
        locale=locale,
        now=now,
    )
    db.session.commit()
    return appointment


def record_suggestion(
    hall: Hall,
    *,
    line: str,
    category: str,
    text: str,
    phone: str = "",
    wants_reply: bool = False,
    track_link=None,
    actor: Staff,
    now: datetime,
    locale: str = "zh_Hans_CN",
) -> Suggestion:
    """The caller's suggestion in their own words; with a phone, its tracking code by text."""
    if line not in LINES:
        raise InvalidValue(_l("Choose the line the call came in on."), field="line")
    text = (text or "").strip()
    if not text:
        raise InvalidValue(_l("Write down what the caller said."), field="text")
    try:
        contact = feedback.normalize_phone(phone)
    except InvalidValue as error:
        # The caller's phone is the `phone` of every step of the call, wherever it is checked.
        raise InvalidValue(error.message, field="phone") from None
    suggestion = feedback.new_suggestion(
        hall,
        text=text[: feedback.MAX_TEXT],
        category=category,
        now=now,
        contact_phone=contact,
        wants_reply=wants_reply,
        channel=line,
        recorded_by=actor,
    )
    db.session.flush()
    if suggestion.contact_phone and track_link is not None:
        notifications.text_to_phone(
            hall.id,
            suggestion.contact_phone,
            f"suggestion-{suggestion.id}",
            "hotline_suggestion",
            {"code": suggestion.code_display, "link": track_link(suggestion)},
            locale=locale,
            now=now,
        )
    db.session.commit()
    return suggestion


def open_policy_follow_up(
    hall: Hall,
    *,
    topics: str,
    summary: str,
    phone: str,
    citizen_name: str = "",
    service: Service | None = None,
    actor: Staff,
    now: datetime,
) -> DeskCase:
    """A caller waiting for a policy: a case the desk keeps, found again by the new notice."""
    if not (summary or "").strip():
        raise InvalidValue(_l("Write down what the caller is waiting for."), field="summary")
    phone = notifications.normalize_phone(phone)
    return cases.open_case(
        hall,
        kind="policy_followup",
        owner=None,
        due_on=service_day(now) + timedelta(days=FOLLOW_UP_DAYS),
        summary=summary,
        actor=actor,
        now=now,
        service=service,
        citizen_name=citizen_name,
        contact_phone=phone,
        topics=topics,
    )
