"""The hall now: one read model, counted on the hall's service day, in a fixed number of queries."""

from datetime import time, timedelta

import pytest
from sqlalchemy import event

from hallapp.extensions import db
from hallapp.services import guidance, hall_now, public, queue
from tests.builders import make_service, open_counter
from tests.clock import beijing

# Wednesday 2 December in the hall is 16:00 UTC on 1 December to 16:00 UTC on 2 December.
YESTERDAY_LATE = beijing(2026, 12, 1, 23, 50)
JUST_AFTER_MIDNIGHT = beijing(2026, 12, 2, 0, 5)
MORNING = beijing(2026, 12, 2, 9, 0)


@pytest.fixture
def all_day(db, hall):
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    db.session.commit()
    return hall


def _issue(hall, code, at):
    return queue.issue_ticket(hall, code, source="desk", now=at)


def _waiting(state):
    return {item.service.code: item.waiting for item in state.services}


def test_yesterdays_waiting_tickets_are_not_counted_after_local_midnight(all_day):
    hall = all_day
    _issue(hall, "A", YESTERDAY_LATE)
    _issue(hall, "B", YESTERDAY_LATE + timedelta(minutes=5))
    # Same UTC date (1 December) as yesterday's tickets, but the hall's 2 December.
    first_today = _issue(hall, "A", beijing(2026, 12, 2, 0, 1))
    assert first_today.number == 1

    state = hall_now.hall_now(hall, now=JUST_AFTER_MIDNIGHT)
    assert state.day.isoformat() == "2026-12-02"
    assert _waiting(state) == {"A": 1, "B": 0, "E": 0}
    assert state.service("A").oldest_wait == timedelta(minutes=4)
    assert state.service("A").issued_today == 1

    # In the morning (2 December UTC) the same service day goes on.
    _issue(hall, "A", beijing(2026, 12, 2, 8, 50))
    state = hall_now.hall_now(hall, now=MORNING)
    assert _waiting(state) == {"A": 2, "B": 0, "E": 0}
    assert [visitor.labels for visitor in state.visitors] == [("A001",), ("A002",)]


def test_board_getdisplay_kiosk_and_desk_read_the_same_numbers(all_day):
    hall = all_day
    _issue(hall, "A", YESTERDAY_LATE)
    _issue(hall, "A", beijing(2026, 12, 2, 0, 1))
    _issue(hall, "B", beijing(2026, 12, 2, 8, 40))
    _issue(hall, "A", beijing(2026, 12, 2, 8, 50))
    expected = {"A": 2, "B": 1, "E": 0}

    assert _waiting(hall_now.hall_now(hall, now=MORNING)) == expected
    board = public.board(hall, now=MORNING)
    assert {service.code: count for service, count in board.waiting} == expected
    display = queue.display_board(hall, now=MORNING)
    assert {row["service"]: row["waiting"] for row in display["waiting"]} == expected
    kiosk = public.kiosk_tiles(hall_now.hall_now(hall, now=MORNING))
    assert {tile.service.code: tile.waiting for tile in kiosk} == expected
    desk = guidance.overview(hall, now=MORNING)
    assert {load.service.code: load.waiting for load in desk.services} == expected
    assert desk.visitors_now == 3


def test_tickets_left_and_the_daily_limit_are_one_rule(all_day, db):
    hall = all_day
    b = next(service for service in hall.services if service.code == "B")
    b.daily_limit = 2
    db.session.commit()
    _issue(hall, "B", YESTERDAY_LATE)  # yesterday's ticket does not use today's limit
    _issue(hall, "B", beijing(2026, 12, 2, 0, 1))
    assert hall_now.hall_now(hall, now=MORNING).service("B").tickets_left == 1
    _issue(hall, "B", beijing(2026, 12, 2, 8, 0))
    state = hall_now.hall_now(hall, now=MORNING)
    assert state.service("B").tickets_left == 0 and state.service("B").full
    assert state.service("A").tickets_left is None
    assert not {tile.service.code: tile for tile in public.kiosk_tiles(state)}["B"].available
    with pytest.raises(queue.DailyLimitReached):
        _issue(hall, "B", MORNING)


def test_opening_state_is_one_answer_for_the_kiosk_and_for_issuing(hall, db):
    saturday_night = beijing(2026, 12, 5, 20, 0)
    assert hall_now.opening_state(hall, saturday_night) == "outside_hours"
    assert not hall_now.hall_now(hall, now=saturday_night).is_open
    with pytest.raises(queue.OutsideOpeningHours):
        _issue(hall, "A", saturday_night)
    hall.open_weekdays = "12345"
    db.session.commit()
    assert hall_now.opening_state(hall, beijing(2026, 12, 5, 10, 0)) == "closed_today"
    assert hall_now.hall_is_open(hall, beijing(2026, 12, 4, 10, 0))


def test_the_enterprise_room_is_open_when_the_hall_is_and_one_of_its_counters(hall):
    morning = beijing(2026, 12, 1, 10, 0)
    assert not hall_now.hall_now(hall, now=morning).enterprise_room_open
    open_counter(hall, 10)
    assert hall_now.hall_now(hall, now=morning).enterprise_room_open
    assert not hall_now.hall_now(hall, now=beijing(2026, 12, 1, 20, 0)).enterprise_room_open


@pytest.mark.parametrize(
    ("in_hall", "flag"),
    [
        (timedelta(minutes=7, seconds=59), ""),
        (timedelta(minutes=8), "amber"),
        (timedelta(minutes=9, seconds=59), "amber"),
        (timedelta(minutes=10), "red"),
        (timedelta(minutes=30), "red"),
    ],
)
def test_flags_are_amber_from_8_minutes_and_red_from_the_target(in_hall, flag):
    assert hall_now.flag_for(in_hall, 10) == flag


def test_visitors_are_flagged_at_759_800_and_the_target(all_day, db):
    hall = all_day
    hall.target_minutes = 12
    db.session.commit()
    entered = beijing(2026, 12, 2, 9, 0)
    _issue(hall, "A", entered)

    def flag_at(delta):
        (visitor,) = hall_now.hall_now(hall, now=entered + delta).visitors
        return visitor.flag

    assert flag_at(timedelta(minutes=7, seconds=59)) == ""
    assert flag_at(timedelta(minutes=8)) == "amber"
    assert flag_at(timedelta(minutes=11, seconds=59)) == "amber"
    assert flag_at(timedelta(minutes=12)) == "red"


def test_the_estimate_says_why_it_has_no_number(all_day):
    hall = all_day
    _issue(hall, "A", MORNING)
    a = hall_now.hall_now(hall, now=MORNING).service("A")
    assert a.estimate == hall_now.Estimate(None, "no_counter")
    open_counter(hall, 1)
    a = hall_now.hall_now(hall, now=MORNING).service("A")
    assert a.estimate == hall_now.Estimate(None, "no_history")  # counters open, nothing served
    assert hall_now.hall_now(hall, now=MORNING).service("B").estimate.reason == "nobody_ahead"
    counter = open_counter(hall, 1)
    ticket = queue.call_next(counter, now=MORNING + timedelta(minutes=1))
    queue.start(ticket, now=MORNING + timedelta(minutes=2))
    queue.finish(ticket, now=MORNING + timedelta(minutes=8))
    for minute in (9, 10):
        _issue(hall, "A", MORNING + timedelta(minutes=minute))
    a = hall_now.hall_now(hall, now=MORNING + timedelta(minutes=11)).service("A")
    # Two waiting x 6 minutes / one open counter.
    assert a.estimate == hall_now.Estimate(timedelta(minutes=12), "estimate")
    assert a.estimate.minutes == 12


def _read_everything(state):
    return (
        state.is_open,
        state.enterprise_room_open,
        [(item.waiting, item.tickets_left, item.estimate) for item in state.services],
        [(item.activity, item.served_today, item.officer) for item in state.counters],
        [(visitor.labels, visitor.flag) for visitor in state.visitors],
    )


def _read_waiting(state):
    return state.is_open, [item.waiting for item in state.services_in()]


def _queries_for(hall, now, read) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    db.session.expire_all()
    hall.id  # noqa: B018 - load the hall itself before counting
    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        read(hall_now.hall_now(hall, now=now))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize(("read", "budget"), [(_read_everything, 11), (_read_waiting, 4)])
def test_the_hall_now_costs_a_fixed_small_number_of_queries(all_day, read, budget):
    hall = all_day
    open_counter(hall, 1)
    _issue(hall, "A", MORNING)
    small = _queries_for(hall, MORNING, read)
    for code in "CDFG":
        make_service(hall, code)
    for minute in range(12):
        _issue(hall, "ACDFG"[minute % 5], MORNING + timedelta(minutes=minute))
    open_counter(hall, 2)
    big = _queries_for(hall, MORNING + timedelta(minutes=15), read)
    assert big == small
    assert big <= budget
