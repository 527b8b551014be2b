"""Issuing tickets: numbers, priority from needs, opening hours and limits."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import delete, event, func, inspect, select

from hallapp.models import CalendarDay, Ticket, TicketCounter, Visit
from hallapp.services import live, queue
from hallapp.services.errors import InvalidValue
from hallapp.services.queue import issuing
from hallapp.services.queue.common import insert_row
from tests.builders import make_ticket
from tests.services.queue_times import NINE, minutes, steps_of


def test_numbers_run_per_service_and_restart_each_service_day(db, hall):
    a1 = make_ticket(hall, "A", now=NINE)
    a2 = make_ticket(hall, "A", now=minutes(1))
    b1 = make_ticket(hall, "B", now=minutes(2))
    tomorrow = make_ticket(hall, "A", now=NINE + timedelta(days=1))
    assert [a1.label, a2.label, b1.label, tomorrow.label] == ["A001", "A002", "B001", "A001"]
    assert a1.public_id != a2.public_id and len(a1.public_id) >= 20


def test_issuing_writes_an_event_and_bumps_the_hall_version(db, hall):
    before = live.current_version(hall.id)
    ticket = make_ticket(hall, "A", now=NINE, source="kiosk")  # the day's first: its own way
    assert steps_of(db, ticket) == ["issued"]
    assert live.current_version(hall.id) == before + 1
    warm = make_ticket(hall, "A", now=minutes(1), source="kiosk")  # one statement on PostgreSQL
    assert steps_of(db, warm) == ["issued"]
    assert live.current_version(hall.id) == before + 2
    assert ticket.visit.arrived_at == NINE


def test_priority_needs_raise_the_class_but_an_interpreter_does_not(db, hall):
    senior = make_ticket(hall, "A", now=NINE, needs={"senior": True})
    interpreter = make_ticket(hall, "A", now=NINE, needs={"interpreter": True})
    assert senior.priority_class == "senior"
    assert interpreter.priority_class == "normal"
    assert interpreter.visit.interpreter


def test_a_visit_may_hold_several_tickets(db, hall):
    first = make_ticket(hall, "A", now=NINE)
    second = make_ticket(hall, "B", now=minutes(5), visit=first.visit)
    assert second.visit_id == first.visit_id
    assert [t.label for t in first.visit.tickets] == ["A001", "B001"]


def test_issuing_refuses_unknown_inactive_and_full_services(db, hall):
    with pytest.raises(queue.UnknownService):
        make_ticket(hall, "Z", now=NINE)
    service = queue.get_service(hall, "B")
    service.active = False
    db.session.commit()
    with pytest.raises(queue.ServiceInactive):
        make_ticket(hall, "B", now=NINE)
    service = queue.get_service(hall, "A")
    service.daily_limit = 1
    db.session.commit()
    make_ticket(hall, "A", now=NINE)
    with pytest.raises(queue.DailyLimitReached):
        make_ticket(hall, "A", now=minutes(1))
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_issuing_refuses_outside_opening_hours_and_on_holidays(db, hall):
    hall.opens_at, hall.closes_at = time(9, 0), time(17, 0)
    db.session.add(CalendarDay(hall_id=hall.id, day=datetime(2026, 11, 28).date(), kind="holiday"))
    db.session.commit()
    with pytest.raises(queue.OutsideOpeningHours):
        make_ticket(hall, "A", now=NINE - timedelta(minutes=1))
    with pytest.raises(queue.OutsideOpeningHours):
        make_ticket(hall, "A", now=NINE + timedelta(hours=8))
    with pytest.raises(queue.HallClosedToday):
        make_ticket(hall, "A", now=NINE + timedelta(days=1))
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_issuing_refuses_unknown_source_and_priority(db, hall):
    with pytest.raises(InvalidValue):
        make_ticket(hall, "A", now=NINE, source="fax")
    with pytest.raises(InvalidValue):
        make_ticket(hall, "A", now=NINE, priority_class="vip")


def test_tracking_path_uses_the_public_id(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    assert queue.tracking_path(ticket) == f"/t/{ticket.public_id}"
    assert queue.get_ticket_by_public_id(ticket.public_id).id == ticket.id
    with pytest.raises(queue.UnknownTicket):
        queue.get_ticket_by_public_id("nope")


def test_numbers_carry_on_from_the_day_s_tickets_when_its_counter_row_is_new(db, hall):
    """Tickets made before the day had a counter row (an upgrade, a restore) keep theirs."""
    make_ticket(hall, "A", now=NINE)
    make_ticket(hall, "A", now=minutes(1))
    db.session.execute(delete(TicketCounter))
    db.session.commit()
    assert make_ticket(hall, "A", now=minutes(2)).label == "A003"
    counter = db.session.scalar(select(TicketCounter))
    assert (counter.last_number, counter.issued) == (3, 3)


def test_a_transfer_takes_a_number_but_no_place_under_the_daily_limit(db, hall):
    service = queue.get_service(hall, "B")
    service.daily_limit = 2
    db.session.commit()
    make_ticket(hall, "B", now=NINE)
    moved = queue.transfer(make_ticket(hall, "A", now=NINE), "B", now=minutes(1))
    assert moved.label == "B002"
    assert make_ticket(hall, "B", now=minutes(2)).label == "B003"
    with pytest.raises(queue.DailyLimitReached):
        make_ticket(hall, "B", now=minutes(3))


def test_the_number_taken_decides_the_daily_limit_and_a_refusal_leaves_nothing_behind(
    db, hall, monkeypatch
):
    """Two kiosks may both pass the early look at the limit; the number each takes says
    which one gets the last ticket, and the other's visit and number are rolled back."""
    service = queue.get_service(hall, "A")
    service.daily_limit = 1
    db.session.commit()
    make_ticket(hall, "A", now=NINE)
    monkeypatch.setattr(issuing, "limit_reached", lambda *args: False)
    visits = db.session.scalar(select(func.count(Visit.id)))
    with pytest.raises(queue.DailyLimitReached):
        make_ticket(hall, "A", now=minutes(1))
    assert db.session.scalar(select(func.count(Visit.id))) == visits
    assert db.session.scalar(select(TicketCounter.issued)) == 1
    assert make_ticket(hall, "A", now=NINE + timedelta(days=1)).label == "A001"


def test_a_retry_with_the_same_idempotency_key_gets_the_same_ticket(db, hall):
    first = make_ticket(hall, "A", now=NINE, source="kiosk", idempotency_key="7:k1")
    again = make_ticket(hall, "A", now=minutes(1), source="kiosk", idempotency_key="7:k1")
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_a_row_inserted_plainly_is_loaded_kept_by_a_commit_and_dropped_by_a_rollback(db, hall):
    """insert_row's object behaves as one the ORM inserted: its columns are loaded (the
    defaults included), a commit keeps it, a rollback takes it out of the session."""
    kept = insert_row(Visit, {"hall_id": hall.id, "arrived_at": NINE})
    db.session.commit()
    assert inspect(kept).persistent and kept.senior is False

    dropped = insert_row(Visit, {"hall_id": hall.id, "arrived_at": NINE, "senior": True})
    assert inspect(dropped).persistent and dropped.senior is True
    db.session.rollback()
    assert inspect(dropped).detached
    assert db.session.scalar(select(func.count(Visit.id)).where(Visit.senior)) == 0
    again = insert_row(Visit, {"hall_id": hall.id, "arrived_at": NINE})  # SQLite reuses its id
    db.session.commit()
    assert inspect(again).persistent and inspect(kept).persistent


def test_on_postgresql_an_issue_is_one_statement_and_its_commit(db, hall):
    """The visit, the number, the ticket, its event and the hall's version, once the day's
    counter row exists; the first ticket of a day makes it the usual way."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        sent.append(" ".join(statement.split()))

    make_ticket(hall, "A", now=NINE)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        ticket = make_ticket(hall, "A", now=minutes(1), needs={"pregnant": True})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    numbering = [statement for statement in sent if "ticket_counter" in statement]
    visits = [statement for statement in sent if "INSERT INTO visit" in statement]
    if db.engine.dialect.name == "postgresql":
        written = [s for s in sent if s.split()[0] in ("INSERT", "UPDATE", "WITH", "DELETE")]
        assert written == numbering  # nothing else: not the event, not the version
        [together] = numbering
        assert together.startswith("WITH number AS (UPDATE ticket_counter")
        assert "INSERT INTO ticket (" in together and visits == [together]
        assert "INSERT INTO ticket_event" in together and "INSERT INTO hall_version" in together
    else:
        assert [statement.split()[0] for statement in numbering] == ["UPDATE"]
        assert len(visits) == 1
    assert (ticket.label, ticket.recall_count, ticket.status) == ("A002", 0, "waiting")
    # The visit's object is its whole row, as the database has it.
    visit = ticket.visit
    assert (visit.id, visit.arrived_at, visit.pregnant, visit.senior) == (
        ticket.visit_id,
        minutes(1),
        True,
        False,
    )
    assert ticket.priority_class == "pregnant"
    db.session.expire_all()
    assert db.session.scalar(select(TicketCounter.issued)) == 2
    row = db.session.get(Visit, ticket.visit_id)
    assert (row.hall_id, row.arrived_at, row.pregnant, row.interpreter) == (
        hall.id,
        minutes(1),
        True,
        False,
    )


def test_every_ticket_issued_has_its_own_visit_and_a_refused_one_leaves_none(db, hall):
    """The day's first ticket (its number made the usual way), the next ones (the visit in
    the numbering statement on PostgreSQL) and one refused at the daily limit."""
    service = queue.get_service(hall, "A")
    service.daily_limit = 3
    db.session.commit()
    tickets = [make_ticket(hall, "A", now=minutes(n)) for n in range(3)]
    with pytest.raises(queue.DailyLimitReached):
        make_ticket(hall, "A", now=minutes(4))
    db.session.rollback()
    visits = db.session.execute(select(Visit.id, Visit.arrived_at).order_by(Visit.id)).all()
    assert [ticket.visit_id for ticket in tickets] == [id for id, _at in visits]
    assert [at for _id, at in visits] == [minutes(n) for n in range(3)]
