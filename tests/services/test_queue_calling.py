"""Who is called next, and calling them to a counter."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from hallapp.models import Ticket, TicketEvent
from hallapp.services import live, queue
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


@pytest.mark.parametrize("services", [("A",), ("B", "A"), ("A", "B")])
def test_the_next_ticket_is_the_first_of_the_whole_call_order(db, hall, services):
    """next_waiting_ticket reads a few candidates from indexes instead of sorting the
    queue: over a mixed queue, before any ticket has aged into the priority lane and after
    some have, it is always the first of in_call_order's full order."""
    rng = random.Random(7)
    classes = ["normal"] * 6 + ["senior", "disabled", "pregnant"]
    for half_minute in range(40):  # minute 0 to 19.5; tickets age after 20 minutes
        code = rng.choice("AB")
        arrival = NINE + timedelta(seconds=30 * half_minute)
        make_ticket(hall, code, now=arrival, priority_class=rng.choice(classes))
    ids = [queue.get_service(hall, code).id for code in services]
    firsts = []
    for at in (minutes(10), minutes(19), minutes(21), minutes(30), minutes(45)):
        for _ in range(4):
            order = queue.waiting_tickets(hall.id, ids, now=at)
            for lock in (False, True):
                first = queue.next_waiting_ticket(hall.id, ids, now=at, lock=lock)
                assert first is order[0], (at, lock)
            firsts.append(order[0].priority_class)
            db.session.rollback()
            order[0].status = "done"  # called and served, as a counter would
            db.session.commit()
    # The queue did put priority tickets first, and normal ones once they had aged.
    assert "normal" in firsts and set(firsts) - {"normal"}


@pytest.mark.parametrize("taken", [1, 5, queue.calling.CALL_CANDIDATES + 2])
def test_while_other_counters_take_the_first_tickets_the_next_one_is_called(db, hall, taken):
    """The first tickets in call order, locked by other counters' calls, are skipped. Among
    the candidates this is the one read; once every candidate is taken, the full order is
    read (PostgreSQL; SQLite runs one call at a time)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks: its writers take turns")
    queue_with_aged_tickets(hall, taken, "A")
    ids = [queue.get_service(hall, "A").id]
    at = minutes(25)  # the oldest have aged into the priority lane
    order = [ticket.id for ticket in queue.waiting_tickets(hall.id, ids, now=at)]
    db.session.rollback()
    called, statements = while_other_counters_hold(
        db, order[:taken], lambda: queue.next_waiting_ticket(hall.id, ids, now=at, lock=True)
    )
    assert called is not None and called.id == order[taken]
    db.session.rollback()
    all_taken = taken >= queue.calling.CALL_CANDIDATES
    locking = [s for s in statements if "FOR UPDATE OF ticket" in s]
    assert len(locking) == (2 if all_taken else 1)
    assert queue.next_waiting_ticket(hall.id, ids, now=at, lock=True).id == order[0]


@pytest.mark.parametrize("taken", [0, 3, queue.calling.CALL_CANDIDATES + 2])
def test_a_call_takes_the_first_ticket_no_other_counter_is_taking_in_one_statement(db, hall, taken):
    """On PostgreSQL callNext locks its counter, then calls the first candidate no other
    call holds with one statement (the ticket, its event, the hall's version); once every
    candidate is being taken, it reads the full order as next_waiting_ticket does."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks: its writers take turns")
    queue_with_aged_tickets(hall, taken, "AB")
    counter = open_counter(hall, 1)
    at = minutes(25)  # the oldest have aged into the priority lane
    ids = queue.counter_service_ids(counter)
    order = [ticket.id for ticket in queue.waiting_tickets(hall.id, ids, now=at)]
    version = live.current_version(hall.id)
    counter_id = counter.id
    db.session.commit()
    called, statements = while_other_counters_hold(
        db, order[:taken], lambda: queue.call_next(counter_id, now=at)
    )
    assert (called.id, called.status, called.counter_id) == (order[taken], "called", counter_id)
    assert called.service.id in ids and called.called_at == at
    locking = [s for s in statements if "FOR UPDATE OF ticket" in s]
    if taken < queue.calling.CALL_CANDIDATES:
        [one] = locking
        assert "UPDATE ticket" in one and "INSERT INTO ticket_event" in one
    else:  # the statement found every candidate taken: the usual way, the full order last
        assert len(locking) == 3
    db.session.expire_all()
    events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == called.id))
    assert [(e.step, e.counter_id) for e in events if e.step != "issued"] == [
        ("called", counter_id)
    ]
    assert live.current_version(hall.id) == version + 1


def queue_with_aged_tickets(hall, seed: int, codes: str) -> None:
    """Thirty tickets over a quarter of an hour, some seniors, of these services."""
    rng = random.Random(seed)
    for half_minute in range(30):
        code = rng.choice(codes)
        classes = ["normal"] * 4 + ["senior"]
        make_ticket(hall, code, now=minutes(half_minute / 2), priority_class=rng.choice(classes))


def while_other_counters_hold(db, ticket_ids: list[int], call):
    """call() while another connection holds these tickets' locks, as other counters'
    calls do; (its result, the statements it sent)."""
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with db.engine.connect() as other_counters:
        other_counters.execute(
            select(Ticket.id).where(Ticket.id.in_(ticket_ids)).with_for_update()
        ).all()
        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            result = call()
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        other_counters.rollback()
    return result, statements
