"""Text messages to citizens who left a phone number: enqueue after queue steps, send later.

Enqueueing never makes a queue step fail (it runs after the step committed, and swallows
its own errors); sending happens outside any call's transaction, through a pluggable
gateway. The intranet has no SMS service of its own, so the default gateway writes a log.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import import_string

from hallapp.extensions import db
from hallapp.models.notifications import NotificationSubscription, OutboxMessage
from hallapp.services.errors import InvalidValue

log = logging.getLogger(__name__)

PHONE = re.compile(r"^\+?[0-9]{8,15}$")
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=30)
# "3 people ahead of you" goes out once, when the ticket reaches this place in line.
AHEAD_ALERT = 3


class Gateway(Protocol):
    def send(self, phone: str, body: str) -> None:
        """Deliver one text or raise."""


class LogFileGateway:
    """Writes each message as a line to a file: the intranet has no SMS service."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def send(self, phone: str, body: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(f"{mask_phone(phone)}\t{body}\n")


def gateway_from_config() -> Gateway:
    """NOTIFY_GATEWAY names a class taking the app config; None means the log file."""
    name = current_app.config.get("NOTIFY_GATEWAY")
    if name:
        return import_string(name)(current_app.config)
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
    hall_id: int, phone: str, key: str, body: str, *, locale: str = "zh_Hans_CN", now: datetime
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
    return add_message(subscription, key, body, now)


def _backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def add_message(subscription: NotificationSubscription, key: str, body: str, now: datetime):
    """Queue one message unless the same situation was already messaged (unique key)."""
    exists = db.session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.subscription_id == subscription.id, OutboxMessage.key == key
        )
    )
    if exists is not None:
        return None
    message = OutboxMessage(
        subscription_id=subscription.id, key=key, body=body, created_at=now, next_attempt_at=now
    )
    db.session.add(message)
    return message


def due_messages(now: datetime, limit: int = 100) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        # Two senders at once each take their own rows instead of sending twice.
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def send_pending(now: datetime, gateway: Gateway | None = None, limit: int = 100) -> dict:
    """Send every due message; a failure is retried later with growing pauses, then given up."""
    gateway = gateway or gateway_from_config()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for message in due_messages(now, limit):
        phone = message.subscription.phone
        message.attempts += 1
        try:
            if not phone:
                raise ValueError("phone number purged")
            gateway.send(phone, message.body)
        except Exception as exc:  # any gateway trouble: record it, try again later
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if message.attempts >= MAX_ATTEMPTS or not phone:
                message.failed_at = now
                counts["failed"] += 1
            else:
                message.next_attempt_at = now + _backoff(message.attempts)
                counts["retry"] += 1
        else:
            message.sent_at = now
            message.last_error = None
            counts["sent"] += 1
    db.session.commit()
    return counts


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


def _text(locale: str, make) -> str:
    with force_locale(locale):
        return str(make())


def ahead_body(locale: str, label: str, ahead: int) -> str:
    return _text(
        locale,
        lambda: _(
            "Ticket %(label)s: %(n)d people ahead of you. Please come back to the hall.",
            label=label,
            n=ahead,
        ),
    )


def called_body(locale: str, label: str, counter: int) -> str:
    return _text(
        locale,
        lambda: _(
            "Ticket %(label)s: please go to counter %(counter)d now.",
            label=label,
            counter=counter,
        ),
    )


def safely(step, *args, **kwargs) -> None:
    """Run an enqueue step after a queue step; its trouble is logged, never raised."""
    try:
        step(*args, **kwargs)
    except IntegrityError:
        db.session.rollback()
    except Exception:
        db.session.rollback()
        log.exception("notification enqueue failed")


def enqueue_due(*, now: datetime) -> int:
    """Queue the messages the queue's state calls for now: a call -> "go to counter N";
    a waiting ticket now at most AHEAD_ALERT places from the front -> "N people ahead".
    Idempotent (one message per situation), so it may run after every step and on a timer."""
    from hallapp.models.queue import Ticket, TicketEvent
    from hallapp.services import queue

    rows = db.session.execute(
        select(NotificationSubscription, Ticket)
        .join(Ticket, Ticket.id == NotificationSubscription.ticket_id)
        .where(
            NotificationSubscription.phone.is_not(None),
            Ticket.status.in_(("waiting", "called")),
            Ticket.issued_at >= now - timedelta(days=1),
        )
    ).all()
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
            body = called_body(subscription.locale, ticket.label, ticket.counter.number)
            added += add_message(subscription, f"call-{event_id}", body, now) is not None
        elif ticket.status == "waiting":
            ahead = queue.position(ticket, now=now)
            if ahead is not None and 1 <= ahead <= AHEAD_ALERT:
                body = ahead_body(subscription.locale, ticket.label, ahead)
                added += add_message(subscription, "ahead", body, now) is not None
    db.session.commit()
    return added
