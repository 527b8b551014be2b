"""Who is called next, and calling them to a counter."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from hallapp.models import Ticket
from hallapp.services import queue
from tests.builders import make_ticket, open_counter
from tests.services.queue_times import NINE, minutes


def _serve_all(counter, now):
    labels = []
    while True:
        try:
            ticket = queue.call_next(counter, now=now)
        except queue.NoTicketsWaiting:
            return labels
        labels.append(ticket.label)
        queue.start(ticket, now=now)
        queue.finish(ticket, now=now)
        now += timedelta(seconds=1)


def test_the_counter_calls_priority_first_then_by_arrival(db, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    make_ticket(hall, "A", now=minutes(1), priority_class="senior")
    make_ticket(hall, "A", now=minutes(2))
    make_ticket(hall, "A", now=minutes(3), needs={"pregnant": True})
    assert _serve_all(counter, minutes(4)) == ["A002", "A004", "A001", "A003"]


def test_the_counter_prefers_its_first_service(db, hall):
    counter1, counter2 = open_counter(hall, 1), open_counter(hall, 2)
    make_ticket(hall, "B", now=NINE)
    make_ticket(hall, "A", now=minutes(1))
    assert queue.call_next(counter1, now=minutes(2)).label == "A001"
    assert queue.call_next(counter2, now=minutes(2)).label == "B001"


def test_exclusive_counter_only_serves_its_own_services(db, hall):
    enterprise = open_counter(hall, 10)
    make_ticket(hall, "A", now=NINE)
    with pytest.raises(queue.NoTicketsWaiting):
        queue.call_next(enterprise, now=minutes(1))


def test_a_stream_of_priority_tickets_cannot_starve_a_normal_ticket(db, app, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)  # A001, normal
    now = NINE
    called = []
    # A new senior arrives every minute and each service takes a minute: without aging
    # A001 would never be called.
    for minute in range(1, 40):
        now = minutes(minute)
        make_ticket(hall, "A", now=now, priority_class="senior")
        ticket = queue.call_next(counter, now=now)
        called.append((minute, ticket.label))
        queue.start(ticket, now=now)
        queue.finish(ticket, now=now + timedelta(seconds=50))
        if ticket.label == "A001":
            break
    aging = app.config["QUEUE_PRIORITY_AGING_MINUTES"]
    assert called[-1][1] == "A001"
    assert called[-1][0] <= aging + 1


def test_next_waiting_ticket_is_none_without_services(db, hall):
    assert queue.next_waiting_ticket(hall.id, [], now=NINE) is None


def test_one_counter_holds_at_most_one_ticket(db, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    make_ticket(hall, "A", now=NINE)
    queue.call_next(counter, now=minutes(1))
    with pytest.raises(queue.CounterBusy):
        queue.call_next(counter, now=minutes(2))


def test_calling_at_a_closed_or_paused_counter_is_refused(db, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    for state in ("paused", "closed"):
        queue.set_counter_state(counter, state, now=NINE)
        with pytest.raises(queue.CounterNotOpen):
            queue.call_next(counter, now=minutes(1))
    assert db.session.scalar(select(Ticket.status)) == "waiting"


def test_calling_on_postgresql_takes_the_ticket_with_skip_locked(db, hall):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers with BEGIN IMMEDIATE instead of row locks")
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        queue.call_next(counter, now=minutes(1))
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    # Only the rows read for themselves are locked: the counter (not its service links),
    # the ticket (not its service).
    assert any("FROM counter" in s and "FOR UPDATE OF counter" in s for s in statements)
    assert any("FROM ticket" in s and "FOR UPDATE OF ticket SKIP LOCKED" in s for s in statements)


def test_a_tickets_position_is_its_place_in_the_call_order(db, app, hall):
    aging = app.config["QUEUE_PRIORITY_AGING_MINUTES"]
    make_ticket(hall, "A", now=NINE)  # aged by the time we look
    make_ticket(hall, "A", now=minutes(aging), priority_class="senior")
    make_ticket(hall, "A", now=minutes(aging + 1))
    make_ticket(hall, "A", now=minutes(aging + 1), needs={"patient": True})
    make_ticket(hall, "A", now=minutes(aging + 2))
    now = minutes(aging + 3)
    order = queue.waiting_tickets(hall.id, [queue.get_service(hall, "A").id], now=now)
    assert [ticket.label for ticket in order] == ["A001", "A002", "A004", "A003", "A005"]
    assert [queue.position(ticket, now=now) for ticket in order] == [0, 1, 2, 3, 4]
