"""Noting a device seen: at most one write a minute, and never at the cost of the poll."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from hallapp.models import DeviceToken, utcnow
from hallapp.services import devices
from tests.clock import DEFAULT_INSTANT


@pytest.fixture(autouse=True)
def still_clock(clock):
    """The suite's clock (never the machine's), standing still: the minute rule is exact."""
    clock.move_to(DEFAULT_INSTANT, tick=False)


def _fresh_display(db, hall) -> tuple[int, str]:
    token, _raw = devices.create_device_token(hall, "display", now=utcnow())
    ids = token.id, token.token_hash
    db.session.expunge_all()
    return ids


def _last_seen(db, device_id):
    db.session.expunge_all()
    return db.session.get(DeviceToken, device_id).last_seen_at


def test_a_poll_notes_its_device_even_when_another_worker_wrote_since_its_read(db, hall):
    hall_id = hall.id
    device_id, _digest = _fresh_display(db, hall)
    now = utcnow()
    device = db.session.get(DeviceToken, device_id)  # the poll's read opens its transaction
    with db.engine.connect() as other:  # meanwhile another worker commits a step
        other.execute(text("UPDATE hall SET name_en = 'Hall' WHERE id = :id"), {"id": hall_id})
        other.commit()
    # SQLite refuses to turn a read transaction that old into a write: mark_seen must not try.
    assert devices.mark_seen(device, now=now) is True
    assert _last_seen(db, device_id) == now


def test_a_device_is_written_at_most_once_a_minute_whichever_worker_notes_it(db, hall):
    device_id, digest = _fresh_display(db, hall)
    now = utcnow()
    first = devices.device_pass(digest)
    assert devices.mark_seen(first, now=now) is True
    # A second worker still holds the pass it read before the write: its write changes nothing.
    assert devices.mark_seen(first, now=now + timedelta(seconds=20)) is True
    assert _last_seen(db, device_id) == now
    # One that read after the write skips it until the minute is over.
    fresh = devices.device_pass(digest)
    assert devices.mark_seen(fresh, now=now + timedelta(seconds=59)) is False
    assert devices.mark_seen(fresh, now=now + timedelta(seconds=60)) is True
    assert _last_seen(db, device_id) == now + timedelta(seconds=60)
