"""A called ticket's steps at the counter, no-shows, walkouts and cancelling."""

import pytest

from hallapp.models import Ticket
from hallapp.services import hall_now, live, queue
from tests.builders import make_staff, make_ticket, open_counter
from tests.services.queue_times import NINE, minutes, steps_of


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
    assert (ticket.called_at, ticket.started_at, ticket.finished_at) == (
        minutes(2),
        minutes(4),
        minutes(9),
    )
    assert hall_now.hall_now(hall, now=minutes(10)).served_today == {counter.id: 1}


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


def test_cancel_withdraws_a_waiting_ticket_but_not_a_finished_one(db, hall):
    waiting = make_ticket(hall, "A", now=NINE)
    queue.cancel(waiting, now=minutes(1))
    assert waiting.status == "cancelled"
    with pytest.raises(queue.IllegalStep):
        queue.cancel(waiting, now=minutes(2))
