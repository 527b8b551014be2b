"""What screens read of the queue: wait estimates and the display board."""

from datetime import timedelta

from sqlalchemy import select

from hallapp.models import Ticket
from hallapp.services import queue
from tests.builders import make_ticket, open_counter
from tests.services.queue_times import NINE, minutes


def test_the_wait_estimate_comes_from_recent_service_times_and_open_counters(db, hall):
    counter = open_counter(hall, 1)
    service = queue.get_service(hall, "A")
    make_ticket(hall, "A", now=NINE)
    assert queue.estimate_wait(service, now=minutes(1)) is None  # nothing measured yet
    ticket = queue.call_next(counter, now=minutes(1))
    queue.start(ticket, now=minutes(1))
    queue.finish(ticket, now=minutes(7))  # six minutes
    for i in range(4):
        make_ticket(hall, "A", now=minutes(8 + i))
    assert queue.estimate_wait(service, now=minutes(12)) == timedelta(minutes=24)
    open_counter(hall, 2)
    assert queue.estimate_wait(service, now=minutes(12)) == timedelta(minutes=12)
    last = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert queue.estimate_ticket_wait(last, now=minutes(12)) == timedelta(minutes=9)


def test_no_open_counter_means_no_estimate(db, hall):
    service = queue.get_service(hall, "A")
    assert queue.open_counters_for(service) == 0
    assert queue.estimate_wait(service, now=NINE, ahead=3) is None


def test_the_display_board_shows_latest_calls_and_waiting_counts(db, hall):
    counter1, counter2 = open_counter(hall, 1), open_counter(hall, 2)
    make_ticket(hall, "A", now=NINE, needs={"pregnant": True})
    make_ticket(hall, "B", now=NINE)
    make_ticket(hall, "B", now=NINE)
    queue.call_next(counter1, now=minutes(1))
    queue.call_next(counter2, now=minutes(2))
    board = queue.display_board(hall, now=minutes(3))
    assert [(c["label"], c["counter"]) for c in board["calls"]] == [("B001", 2), ("A001", 1)]
    assert board["waiting"] == [
        {"service": "A", "waiting": 0},
        {"service": "B", "waiting": 1},
        {"service": "E", "waiting": 0},
    ]
    assert "pregnant" not in str(board)
