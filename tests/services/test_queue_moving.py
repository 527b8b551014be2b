"""Parking a ticket aside and transferring it to another service."""

import pytest

from hallapp.models import Ticket
from hallapp.services import queue
from hallapp.services.errors import InvalidValue
from tests.builders import make_ticket, open_counter
from tests.services.queue_times import NINE, minutes, steps_of


def test_a_transferred_ticket_keeps_its_place(db, hall):
    counter = open_counter(hall, 2)  # prefers B
    a = make_ticket(hall, "A", now=NINE)
    make_ticket(hall, "B", now=minutes(1))
    moved = queue.transfer(a, "B", now=minutes(2))
    assert moved.label == "B002"
    assert moved.arrival_at == NINE
    assert moved.transferred_from_id == a.id
    assert queue.call_next(counter, now=minutes(3)).id == moved.id
    assert db.session.get(Ticket, a.id).status == "transferred"


def test_a_parked_ticket_returns_to_the_head_or_the_end(db, hall):
    counter = open_counter(hall, 1)
    parked = make_ticket(hall, "A", now=NINE)
    make_ticket(hall, "A", now=minutes(1))
    make_ticket(hall, "A", now=minutes(2))
    ticket = queue.call_next(counter, now=minutes(3))
    queue.park(ticket, now=minutes(4), counter=counter)
    assert ticket.status == "parked" and ticket.counter_id is None
    queue.unpark(parked, to="end", now=minutes(5))
    assert queue.position(parked, now=minutes(5)) == 2
    queue.park(parked, now=minutes(6))
    queue.unpark(parked, to="head", now=minutes(7))
    assert queue.position(parked, now=minutes(7)) == 0
    assert steps_of(db, parked)[-4:] == ["parked", "unparked", "parked", "unparked"]


def test_transfer_to_an_unknown_or_the_same_service_is_refused(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    with pytest.raises(queue.UnknownService):
        queue.transfer(ticket, "Z", now=minutes(1))
    with pytest.raises(InvalidValue):
        queue.transfer(ticket, "A", now=minutes(1))
    assert db.session.get(Ticket, ticket.id).status == "waiting"
