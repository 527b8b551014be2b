"""Text messages to citizens who left a phone number: enqueue after queue steps, send later.

Enqueueing never makes a queue step fail (it runs after the step committed, and swallows
its own errors); sending happens outside any call's transaction, through a pluggable
gateway. The intranet has no SMS service of its own, so the default gateway writes a log.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import import_string

from hallapp.extensions import db
from hallapp.models import HallVersion
from hallapp.models.notifications import NotificationSubscription, OutboxMessage
from hallapp.models.queue import Ticket, TicketEvent
from hallapp.services import audit, queue
from hallapp.services.errors import HallError, InvalidValue, NotFound

log = logging.getLogger(__name__)

PHONE = re.compile(r"^\+?[0-9]{8,15}$")
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=30)
# "3 people ahead of you" goes out once, when the ticket reaches this place in line.
AHEAD_ALERT = 3


@dataclass(frozen=True)
class Text:
    """One text to deliver: a template key with its values, and the same text written out."""

    phone: str
    template: str | None
    params: dict
    body: str


@dataclass(frozen=True)
class Delivery:
    """What the gateway did: "sent" (a provider accepted it) or "logged" (nobody texted)."""

    outcome: str
    ref: str | None = None


class PermanentFailure(Exception):
    """The provider refused this message for good (bad number, unknown template): no retry."""


class Gateway(Protocol):
    def send(self, text: Text) -> Delivery:
        """Deliver one text or raise (PermanentFailure: do not try again)."""


class LogFileGateway:
    """Demo machines only: writes each message as a line to a file. Nobody is texted, so the
    outbox records it as "written to the log", never as sent."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def send(self, text: Text) -> Delivery:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(f"{mask_phone(text.phone)}\t{text.body}\n")
        return Delivery("logged")


class GatewayNotConfigured(RuntimeError):
    """Production without an SMS provider: the log gateway is for demo machines only."""


def gateway_from_config() -> Gateway:
    """NOTIFY_GATEWAY names a class taking the app config (hallapp.services.sms.HttpSmsGateway
    for a provider); unset, demo machines write a log file and production refuses."""
    name = current_app.config.get("NOTIFY_GATEWAY")
    if name:
        return import_string(name)(current_app.config)
    if current_app.config.get("ENV") == "production":
        raise GatewayNotConfigured(
            "HALL_ENV=production sends texts through an SMS provider: set HALL_NOTIFY_GATEWAY "
            "(e.g. hallapp.services.sms.HttpSmsGateway) and the HALL_SMS_* settings. "
            "See docs/deploy.md."
        )
    path = current_app.config.get("NOTIFY_LOG_PATH") or (
        Path(current_app.instance_path) / "notifications.log"
    )
    return LogFileGateway(path)


def mask_phone(phone: str) -> str:
    """138****5678: enough for staff to recognise, too little to misuse."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def normalize_phone(text: str) -> str:
    phone = re.sub(r"[\s()-]", "", text or "")
    if not PHONE.match(phone):
        raise InvalidValue(_l("Enter a mobile phone number, digits only."), field="phone")
    return phone


def subscribe(ticket, phone: str, *, locale: str = "zh_Hans_CN", now: datetime):
    """The citizen leaves a number for this ticket; a second number replaces the first."""
    phone = normalize_phone(phone)
    subscription = db.session.scalar(
        select(NotificationSubscription).where(NotificationSubscription.ticket_id == ticket.id)
    )
    if subscription is None:
        subscription = NotificationSubscription(
            ticket_id=ticket.id, hall_id=ticket.hall_id, created_at=now
        )
        db.session.add(subscription)
    subscription.phone = phone
    subscription.locale = locale
    db.session.commit()
    return subscription


def text_to_phone(
    hall_id: int,
    phone: str,
    key: str,
    template: str,
    params: dict,
    *,
    locale: str = "zh_Hans_CN",
    now: datetime,
) -> OutboxMessage:
    """Queue one text to a number given without a ticket (a hotline caller); no commit.

    It goes through the same outbox, retries and purge as the queue's texts."""
    subscription = NotificationSubscription(
        ticket_id=None,
        hall_id=hall_id,
        phone=normalize_phone(phone),
        locale=locale,
        created_at=now,
    )
    db.session.add(subscription)
    db.session.flush()
    return add_message(subscription, key, template, params, now)


def _backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def add_message(
    subscription: NotificationSubscription,
    key: str,
    template: str,
    params: dict,
    now: datetime,
):
    """Queue one message unless the same situation was already messaged (unique key)."""
    exists = db.session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.subscription_id == subscription.id, OutboxMessage.key == key
        )
    )
    if exists is not None:
        return None
    message = OutboxMessage(
        subscription_id=subscription.id,
        key=key,
        template=template,
        params=json.dumps(params, ensure_ascii=False, sort_keys=True),
        body=render(template, params, subscription.locale),
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(message)
    return message


def _next_due(now: datetime) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        # Two senders at once each take their own row instead of sending twice.
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def send_one(message: OutboxMessage, gateway: Gateway, now: datetime) -> str:
    """Try one message and record the result: "sent", "logged", "retry" or "failed"."""
    phone = message.subscription.phone
    message.attempts += 1
    try:
        if not phone:
            raise PermanentFailure("phone number purged")
        params = json.loads(message.params) if message.params else {}
        delivery = gateway.send(Text(phone, message.template, params, message.body))
    except Exception as exc:  # any gateway trouble: record it, try again later
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if message.attempts >= MAX_ATTEMPTS or isinstance(exc, PermanentFailure):
            message.failed_at = now
            return "failed"
        message.next_attempt_at = now + _backoff(message.attempts)
        return "retry"
    message.sent_at = now
    message.outcome = delivery.outcome
    message.provider_ref = (delivery.ref or None) and str(delivery.ref)[:64]
    message.last_error = None
    return delivery.outcome


def send_pending(now: datetime, gateway: Gateway | None = None, limit: int = 100) -> dict:
    """Send every due message, one transaction each, so a crash mid-way never sends a batch
    twice; a failure is retried later with growing pauses, then given up."""
    gateway = gateway or gateway_from_config()
    counts = {"sent": 0, "logged": 0, "retry": 0, "failed": 0}
    for _round in range(limit):
        message = _next_due(now)
        if message is None:
            break
        counts[send_one(message, gateway, now)] += 1
        db.session.commit()
    db.session.rollback()
    return counts


OUTBOX_STATUSES = ("pending", "sent", "failed")


def list_outbox(status: str, *, limit: int = 200) -> list[OutboxMessage]:
    """The outbox for administrators: pending (not yet out), sent (or logged), failed."""
    query = select(OutboxMessage)
    if status == "sent":
        query = query.where(OutboxMessage.sent_at.is_not(None)).order_by(
            OutboxMessage.sent_at.desc(), OutboxMessage.id.desc()
        )
    elif status == "failed":
        query = query.where(OutboxMessage.failed_at.is_not(None)).order_by(
            OutboxMessage.failed_at.desc(), OutboxMessage.id.desc()
        )
    else:
        query = query.where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
        ).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    return list(db.session.scalars(query.limit(limit)))


def outbox_counts() -> dict[str, int]:
    row = db.session.execute(
        select(
            func.count(case((OutboxMessage.sent_at.is_not(None), 1))),
            func.count(case((OutboxMessage.failed_at.is_not(None), 1))),
            func.count(OutboxMessage.id),
        )
    ).one()
    sent, failed, total = row
    return {"pending": total - sent - failed, "sent": sent, "failed": failed}


class CannotRetry(HallError):
    message = _l("Only a message that failed or is still waiting can be tried again.")


def retry_message(message_id: int, *, now: datetime, actor=None) -> OutboxMessage:
    """An administrator sends a failed (or waiting) message again at the next round."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(_l("There is no such message."))
    if message.sent_at is not None:
        raise CannotRetry()
    if message.subscription.phone is None:
        raise CannotRetry(_l("The phone number has been erased; the message cannot be sent."))
    message.failed_at = None
    message.attempts = 0
    message.next_attempt_at = now
    audit.record(
        "notifications.message.retry",
        actor=actor,
        hall_id=message.subscription.hall_id,
        target=f"text message {message.id}",
        summary=message.key,
        now=now,
    )
    db.session.commit()
    return message


def purge_phone_numbers(before: datetime) -> int:
    """Forget the numbers of subscriptions made before this time (the messages stay)."""
    rows = db.session.scalars(
        select(NotificationSubscription).where(
            NotificationSubscription.created_at < before,
            NotificationSubscription.phone.is_not(None),
        )
    ).all()
    for row in rows:
        row.phone = None
    db.session.commit()
    return len(rows)


TEMPLATES = {
    "ticket_ahead": lambda p: _(
        "Ticket %(label)s: %(n)d people ahead of you. Please come back to the hall.",
        label=p["label"],
        n=p["n"],
    ),
    "ticket_called": lambda p: _(
        "Ticket %(label)s: please go to counter %(counter)d now.",
        label=p["label"],
        counter=p["counter"],
    ),
    # The hotline's texts (hallapp/services/hotline.py).
    "hotline_checklist": lambda p: _(
        "%(service)s: please bring\n%(items)s\nFull list: %(link)s",
        service=p["service"],
        items=p["items"],
        link=p["link"],
    ),
    "hotline_booking": lambda p: _(
        "Booking %(code)s: %(service)s, %(day)s %(time)s, %(hall)s. "
        "Show this code at the guidance desk.",
        **p,
    ),
    "hotline_suggestion": lambda p: _(
        "Your suggestion is recorded. Tracking code %(code)s: %(link)s", **p
    ),
}


def render(template: str, params: dict, locale: str) -> str:
    """The text a template key gives with these values, in the citizen's language."""
    with force_locale(locale):
        return str(TEMPLATES[template](params))


def safely(step, *args, **kwargs) -> None:
    """Run an enqueue step after a queue step; its trouble is logged, never raised."""
    try:
        step(*args, **kwargs)
    except IntegrityError:
        db.session.rollback()
    except Exception:
        db.session.rollback()
        log.exception("notification enqueue failed")


def enqueue_due(*, now: datetime, hall_ids: list[int] | None = None) -> int:
    """Queue the messages the queue's state calls for now: a call -> "go to counter N";
    a waiting ticket now at most AHEAD_ALERT places from the front -> "N people ahead".
    Idempotent (one message per situation), so the `notify` worker may run it every round;
    `hall_ids` limits it to the halls that changed."""
    query = (
        select(NotificationSubscription, Ticket)
        .join(Ticket, Ticket.id == NotificationSubscription.ticket_id)
        .where(
            NotificationSubscription.phone.is_not(None),
            Ticket.status.in_(("waiting", "called")),
            Ticket.issued_at >= now - timedelta(days=1),
        )
    )
    if hall_ids is not None:
        if not hall_ids:
            return 0
        query = query.where(Ticket.hall_id.in_(hall_ids))
    rows = db.session.execute(query).all()
    added = 0
    for subscription, ticket in rows:
        if ticket.status == "called" and ticket.counter is not None:
            event_id = db.session.scalar(
                select(TicketEvent.id)
                .where(
                    TicketEvent.ticket_id == ticket.id,
                    TicketEvent.step.in_(("called", "recalled")),
                )
                .order_by(TicketEvent.id.desc())
                .limit(1)
            )
            params = {"label": ticket.label, "counter": ticket.counter.number}
            added += (
                add_message(subscription, f"call-{event_id}", "ticket_called", params, now)
                is not None
            )
        elif ticket.status == "waiting":
            ahead = queue.position(ticket, now=now)
            if ahead is not None and 1 <= ahead <= AHEAD_ALERT:
                params = {"label": ticket.label, "n": ahead}
                added += add_message(subscription, "ahead", "ticket_ahead", params, now) is not None
    db.session.commit()
    return added


def enqueue_for_changed_halls(*, now: datetime, seen: dict[int, int]) -> int:
    """One round of the `notify` worker: enqueue only for halls whose live version moved
    since the last round (`seen` maps hall id -> version and is updated). Queue steps no
    longer enqueue inside their request; this keeps the texts a second or two behind."""
    versions = dict(db.session.execute(select(HallVersion.hall_id, HallVersion.version)).all())
    db.session.rollback()
    changed = [hall_id for hall_id, version in versions.items() if seen.get(hall_id) != version]
    added = enqueue_due(now=now, hall_ids=changed) if changed else 0
    seen.update(versions)
    return added
