"""Counters: their states and the officer at each."""

import pytest

from hallapp.services import queue
from hallapp.services.errors import InvalidValue
from tests.builders import make_staff, make_ticket, open_counter
from tests.services.queue_times import NINE, minutes


def test_a_counter_with_a_ticket_cannot_close(db, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    queue.call_next(counter, now=minutes(1))
    with pytest.raises(queue.CounterBusy):
        queue.set_counter_state(counter, "closed", now=minutes(2))
    queue.set_counter_state(counter, "paused", now=minutes(2))
    assert counter.state == "paused"
    with pytest.raises(InvalidValue):
        queue.set_counter_state(counter, "broken", now=minutes(2))


def test_signing_in_moves_the_officer_and_opens_the_counter(db, hall):
    officer = make_staff(hall, "counter")
    first = queue.sign_in_to_counter(open_counter(hall, 1), officer, now=NINE)
    second = queue.sign_in_to_counter(open_counter(hall, 2), officer, now=minutes(1))
    db.session.expire_all()
    assert first.officer_id is None
    assert second.officer_id == officer.id and second.state == "open"
