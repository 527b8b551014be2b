"""Builders for the public screens' tests: an all-day hall, kiosk tokens, calls."""

import hashlib
from datetime import UTC, datetime, time

from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import Counter, Hall
from hallapp.models.queue import DeviceToken
from hallapp.services import queue

KIOSK_TOKEN = "kiosk-token-for-tests-0123456789"
# 10:00 in Shanghai, within the standard hall's hours.
TEN_AM = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def open_all_day(hall: Hall) -> Hall:
    """View and browser tests run on the real clock: keep the hall open whatever the hour."""
    hall.opens_at = time(0, 0)
    hall.closes_at = time(23, 59, 59)
    hall.open_weekdays = "1234567"
    db.session.commit()
    return hall


def make_kiosk_token(hall: Hall, token: str = KIOSK_TOKEN, **fields) -> DeviceToken:
    device = DeviceToken(
        kind=fields.pop("kind", "kiosk"),
        hall_id=hall.id,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        label=fields.pop("label", "Kiosk by the door"),
        **fields,
    )
    db.session.add(device)
    db.session.commit()
    return device


def counter_number(hall: Hall, number: int) -> Counter:
    return db.session.scalar(
        select(Counter).where(Counter.hall_id == hall.id, Counter.number == number)
    )


def open_counter(hall: Hall, number: int) -> Counter:
    counter = counter_number(hall, number)
    counter.state = "open"
    db.session.commit()
    return counter


def issue(hall: Hall, code: str = "A", *, now: datetime, **kwargs):
    return queue.issue_ticket(hall, code, source=kwargs.pop("source", "desk"), now=now, **kwargs)


def call(hall: Hall, number: int, *, now: datetime):
    return queue.call_next(counter_number(hall, number), now=now)
