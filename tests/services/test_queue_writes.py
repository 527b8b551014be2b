"""A step's writes wait in the session and go to the database together at its commit."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from hallapp.models import Ticket, TicketEvent
from hallapp.services import live, queue
from hallapp.services.queue import writes
from hallapp.services.queue.common import record_event, refuse, write_ticket
from hallapp.services.queue.errors import IllegalStep
from tests.builders import make_ticket, open_counter
from tests.services.queue_times import NINE, minutes, steps_of


@contextmanager
def writes_sent(db):
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if not statement.startswith(("SELECT", "BEGIN")):
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_steps_update_event_and_version_are_one_statement_on_postgresql(db, hall):
    counter = open_counter(hall, 1)
    ticket = make_ticket(hall, "A", now=NINE)
    queue.call_next(counter, now=minutes(1))
    version = live.current_version(hall.id)

    with writes_sent(db) as sent:
        queue.start(ticket, now=minutes(2), counter=counter)

    if db.engine.dialect.name == "postgresql":
        [together] = sent
        assert together.startswith("WITH")
        assert "UPDATE ticket" in together and "INSERT INTO ticket_event" in together
    else:
        assert [statement.split()[0:3] for statement in sent] == [
            ["UPDATE", "ticket", "SET"],
            ["INSERT", "INTO", "ticket_event"],
            ["INSERT", "INTO", "hall_version"],
        ]
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "serving"
    assert steps_of(db, ticket) == ["issued", "called", "started"]
    assert live.current_version(hall.id) == version + 1


def test_a_step_refused_after_its_writes_were_set_leaves_nothing_for_the_next_commit(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    version = live.current_version(hall.id)
    write_ticket(ticket, status="cancelled")
    record_event(ticket, "cancelled", now=minutes(1))
    with pytest.raises(IllegalStep):
        refuse(IllegalStep())

    db.session.commit()  # a later transaction of the same session

    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "waiting"
    assert steps_of(db, ticket) == ["issued"]
    assert live.current_version(hall.id) == version


def test_two_changes_of_one_ticket_in_a_step_are_both_written(db, hall):
    """One statement may not update a row twice on PostgreSQL: the second change joins
    the first."""
    ticket = make_ticket(hall, "A", now=NINE)
    write_ticket(ticket, status="parked", parked_at=minutes(1))
    write_ticket(ticket, recall_count=2, status="waiting")
    writes.version_bump(db.session(), hall.id)
    db.session.commit()

    db.session.expire_all()
    stored = db.session.get(Ticket, ticket.id)
    assert (stored.status, stored.parked_at, stored.recall_count) == ("waiting", minutes(1), 2)


def test_a_steps_events_keep_their_order(db, hall):
    """A transfer writes two events at the same instant; their ids keep the order."""
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    called = queue.call_next(counter, now=minutes(1))
    new = queue.transfer(called, "B", now=minutes(2), counter=counter)

    at_two = db.session.execute(
        select(TicketEvent.ticket_id, TicketEvent.step)
        .where(TicketEvent.at == minutes(2))
        .order_by(TicketEvent.id)
    ).all()
    assert at_two == [(called.id, "transferred"), (new.id, "issued")]


def test_a_session_closed_mid_step_leaves_nothing_for_its_next_transaction(db, hall):
    """As at the end of a request that failed with a step's writes set but not committed."""
    ticket = make_ticket(hall, "A", now=NINE)
    write_ticket(ticket, status="cancelled")
    record_event(ticket, "cancelled", now=minutes(1))

    db.session.close()
    db.session.commit()

    assert db.session.get(Ticket, ticket.id).status == "waiting"
    assert steps_of(db, ticket) == ["issued"]
