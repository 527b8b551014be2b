"""The queue's rules, without HTTP, on both databases, with explicit times."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import event, func, select

from hallapp.models import CalendarDay, Ticket, TicketEvent
from hallapp.services import live, queue
from hallapp.services.errors import InvalidValue
from tests.builders import make_staff, make_ticket, open_counter

# 09:00 in Shanghai on Friday 27 November 2026.
NINE = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return NINE + timedelta(minutes=n)


def steps_of(db, ticket) -> list[str]:
    return list(
        db.session.scalars(
            select(TicketEvent.step)
            .where(TicketEvent.ticket_id == ticket.id)
            .order_by(TicketEvent.id)
        )
    )


# Issuing


def test_numbers_run_per_service_and_restart_each_service_day(db, hall):
    a1 = make_ticket(hall, "A", now=NINE)
    a2 = make_ticket(hall, "A", now=minutes(1))
    b1 = make_ticket(hall, "B", now=minutes(2))
    tomorrow = make_ticket(hall, "A", now=NINE + timedelta(days=1))
    assert [a1.label, a2.label, b1.label, tomorrow.label] == ["A001", "A002", "B001", "A001"]
    assert a1.public_id != a2.public_id and len(a1.public_id) >= 20


def test_issuing_writes_an_event_and_bumps_the_hall_version(db, hall):
    before = live.current_version(hall.id)
    ticket = make_ticket(hall, "A", now=NINE, source="kiosk")
    assert steps_of(db, ticket) == ["issued"]
    assert live.current_version(hall.id) == before + 1
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


# Who is called next


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


def test_next_waiting_ticket_is_none_without_services(db, hall):
    assert queue.next_waiting_ticket(hall.id, [], now=NINE) is None


# Steps at the counter


def test_a_ticket_walks_through_call_start_finish_with_events(db, hall):
    officer = make_staff(hall, "counter")
    counter = queue.sign_in_to_counter(open_counter(hall, 1), officer, now=NINE)
    ticket = make_ticket(hall, "A", now=NINE)
    ticket = queue.call_next(counter, now=minutes(2), actor=officer)
    assert (ticket.status, ticket.counter_id, ticket.officer_id) == (
        "called",
        counter.id,
        officer.id,
    )
    queue.recall(ticket, now=minutes(3), actor=officer)
    queue.start(ticket, now=minutes(4), actor=officer)
    queue.finish(ticket, now=minutes(9), actor=officer)
    assert steps_of(db, ticket) == ["issued", "called", "recalled", "started", "finished"]
    assert queue.wait_time(ticket) == timedelta(minutes=2)
    assert queue.service_time(ticket) == timedelta(minutes=5)
    assert queue.visit_time(ticket.visit) == timedelta(minutes=9)
    assert queue.counter_served_today(counter, now=minutes(10)) == 1


def test_a_visits_time_runs_from_first_issue_to_last_finish(db, hall):
    counter = open_counter(hall, 1)
    first = make_ticket(hall, "A", now=NINE)
    second = make_ticket(hall, "B", now=minutes(1), visit=first.visit)
    for ticket, at in ((first, 2), (second, 10)):
        called = queue.call_next(counter, now=minutes(at))
        assert called.id == ticket.id
        queue.start(called, now=minutes(at))
        queue.finish(called, now=minutes(at + 3))
    assert queue.visit_time(first.visit) == timedelta(minutes=13)


def test_one_counter_holds_at_most_one_ticket(db, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    make_ticket(hall, "A", now=NINE)
    queue.call_next(counter, now=minutes(1))
    with pytest.raises(queue.CounterBusy):
        queue.call_next(counter, now=minutes(2))


def test_illegal_steps_are_refused_and_change_nothing(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    version = live.current_version(hall.id)
    with pytest.raises(queue.IllegalStep) as refused:
        queue.finish(ticket, now=minutes(1))
    assert "A001" in str(refused.value)
    for step in (queue.start, queue.recall, queue.mark_no_show, queue.recover_missed):
        with pytest.raises(queue.IllegalStep):
            step(ticket, now=minutes(1))
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "waiting"
    assert steps_of(db, ticket) == ["issued"]
    assert live.current_version(hall.id) == version


def test_calling_at_a_closed_or_paused_counter_is_refused(db, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    for state in ("paused", "closed"):
        queue.set_counter_state(counter, state, now=NINE)
        with pytest.raises(queue.CounterNotOpen):
            queue.call_next(counter, now=minutes(1))
    assert db.session.scalar(select(Ticket.status)) == "waiting"


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


def test_steps_for_another_counters_ticket_are_refused(db, hall):
    counter1, counter2 = open_counter(hall, 1), open_counter(hall, 2)
    make_ticket(hall, "A", now=NINE)
    ticket = queue.call_next(counter1, now=minutes(1))
    with pytest.raises(queue.NotAtThisCounter):
        queue.start(ticket, now=minutes(2), counter=counter2)
    assert db.session.get(Ticket, ticket.id).status == "called"


def test_recalls_beyond_the_limit_mark_a_no_show(db, app, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    ticket = queue.call_next(counter, now=minutes(1))
    limit = app.config["QUEUE_RECALLS_BEFORE_NO_SHOW"]
    for n in range(limit):
        assert queue.recall(ticket, now=minutes(2 + n)).status == "called"
    assert queue.recall(ticket, now=minutes(10)).status == "no_show"
    assert steps_of(db, ticket)[-1] == "no_show"


def test_a_no_show_back_in_time_goes_a_few_places_behind_the_head(db, app, hall):
    app.config["QUEUE_RECOVERY_PLACES"] = 2
    counter = open_counter(hall, 1)
    missed = make_ticket(hall, "A", now=NINE)
    others = [make_ticket(hall, "A", now=minutes(1 + i)) for i in range(4)]
    queue.call_next(counter, now=minutes(6))
    queue.mark_no_show(missed, now=minutes(7))
    queue.recover_missed(missed, now=minutes(20))
    order = [t.id for t in queue.waiting_tickets(hall.id, [missed.service_id], now=minutes(21))]
    assert order == [others[0].id, others[1].id, missed.id, others[2].id, others[3].id]
    assert queue.position(missed, now=minutes(21)) == 2


def test_a_no_show_back_too_late_is_refused(db, app, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    ticket = queue.call_next(counter, now=minutes(1))
    queue.mark_no_show(ticket, now=minutes(2))
    window = app.config["QUEUE_RECOVERY_MINUTES"]
    with pytest.raises(queue.RecoveryWindowPassed):
        queue.recover_missed(ticket, now=minutes(3 + window))
    assert db.session.get(Ticket, ticket.id).status == "no_show"


def test_a_walkout_is_recorded_apart_from_a_no_show(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    queue.record_walkout(ticket, now=minutes(30))
    assert ticket.status == "walked_out"
    assert steps_of(db, ticket) == ["issued", "walked_out"]


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


def test_cancel_withdraws_a_waiting_ticket_but_not_a_finished_one(db, hall):
    waiting = make_ticket(hall, "A", now=NINE)
    queue.cancel(waiting, now=minutes(1))
    assert waiting.status == "cancelled"
    with pytest.raises(queue.IllegalStep):
        queue.cancel(waiting, now=minutes(2))


def test_transfer_to_an_unknown_or_the_same_service_is_refused(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    with pytest.raises(queue.UnknownService):
        queue.transfer(ticket, "Z", now=minutes(1))
    with pytest.raises(InvalidValue):
        queue.transfer(ticket, "A", now=minutes(1))
    assert db.session.get(Ticket, ticket.id).status == "waiting"


def test_signing_in_moves_the_officer_and_opens_the_counter(db, hall):
    officer = make_staff(hall, "counter")
    first = queue.sign_in_to_counter(open_counter(hall, 1), officer, now=NINE)
    second = queue.sign_in_to_counter(open_counter(hall, 2), officer, now=minutes(1))
    db.session.expire_all()
    assert first.officer_id is None
    assert second.officer_id == officer.id and second.state == "open"


# Wait estimates


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


def test_tracking_path_uses_the_public_id(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    assert queue.tracking_path(ticket) == f"/t/{ticket.public_id}"
    assert queue.get_ticket_by_public_id(ticket.public_id).id == ticket.id
    with pytest.raises(queue.UnknownTicket):
        queue.get_ticket_by_public_id("nope")


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
    assert any("FROM counter" in s and "FOR UPDATE" in s for s in statements)
    assert any("FROM ticket" in s and "FOR UPDATE SKIP LOCKED" in s for s in statements)


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
