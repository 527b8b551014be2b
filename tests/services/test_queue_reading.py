"""What screens read of the queue: wait estimates and the display board."""

from datetime import timedelta

from sqlalchemy import select

from hallapp.models import Ticket
from hallapp.services import queue
from tests.builders import make_ticket, open_counter
from tests.services.queue_times import NINE, minutes


def test_waits_come_from_recent_service_times_and_open_counters(db, hall):
    counter = open_counter(hall, 1)
    first = make_ticket(hall, "A", now=NINE)
    second = make_ticket(hall, "A", now=minutes(0.5))
    assert queue.ticket_estimate(first, now=minutes(1)).reason == "nobody_ahead"
    assert queue.ticket_estimate(second, now=minutes(1)).reason == "no_history"
    ticket = queue.call_next(counter, now=minutes(1))
    queue.start(ticket, now=minutes(1))
    queue.finish(ticket, now=minutes(7))  # six minutes
    for i in range(3):
        make_ticket(hall, "A", now=minutes(8 + i))
    last = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert queue.estimate_ticket_wait(last, now=minutes(12)) == timedelta(minutes=18)
    open_counter(hall, 2)
    assert queue.estimate_ticket_wait(last, now=minutes(12)) == timedelta(minutes=9)
    listed = queue.waiting_list(hall.id, [first.service_id], now=minutes(12))
    assert [estimate.wait for _ticket, estimate in listed] == [
        timedelta(minutes=n) for n in (0, 3, 6, 9)
    ]
    assert listed[-1][0].id == last.id


def test_no_open_counter_means_no_estimate(db, hall):
    make_ticket(hall, "A", now=NINE)
    second = make_ticket(hall, "A", now=minutes(1))
    estimate = queue.ticket_estimate(second, now=minutes(2))
    assert (estimate.wait, estimate.reason) == (None, "no_counter")
    assert queue.ticket_estimate(second, now=minutes(2), ahead=0).reason == "nobody_ahead"


def test_a_ticket_that_is_not_waiting_has_no_estimate(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    queue.cancel(ticket, now=minutes(1))
    assert queue.ticket_estimate(ticket, now=minutes(2)) is None
    assert queue.estimate_ticket_wait(ticket, now=minutes(2)) is None


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
