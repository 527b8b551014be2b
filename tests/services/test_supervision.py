"""The supervisor's board and each visit's journey on the hand-counted fixture day."""

from datetime import timedelta

import pytest

from hallapp.services import journey, public, supervision
from hallapp.services.reports.tables import nearest_rank
from tests.figures_builders import NOW, build_fixture_day, ticket_of

MIN = timedelta(minutes=1)


@pytest.fixture
def day(hall):
    return build_fixture_day(hall)


def test_todays_time_in_hall_figures_match_the_hand_count(day):
    times = sorted(supervision.visit_times_today(day.hall, now=NOW))
    assert times == [7 * MIN, 9 * MIN, 10 * MIN, 12 * MIN]
    today = supervision.today_figures(day.hall, now=NOW)
    assert today.visits_done == 4
    assert today.median == 9 * MIN
    assert today.p90 == 12 * MIN
    assert today.within_target == 3 and today.share_within == 0.75
    assert today.no_shows == 1


def test_the_supervisor_board_matches_the_hand_count(day):
    board = supervision.supervisor_board(day.hall, now=NOW)
    state = board.state
    assert {item.service.code: item.waiting for item in state.services} == {"A": 1, "B": 1, "E": 0}
    assert state.service("A").oldest_wait == 7 * MIN
    assert state.service("B").oldest_wait == 10 * MIN
    by_number = {item.counter.number: item for item in state.counters}
    assert {number: item.activity for number, item in by_number.items()} == {
        1: "idle",
        2: "paused",
        10: "closed",
    }
    assert {number: item.served_today for number, item in by_number.items()} == {1: 2, 2: 2, 10: 0}
    assert by_number[1].officer == day.one and by_number[2].officer == day.two
    assert [(row.officer.username, row.served) for row in board.officers] == [
        ("one", 2),
        ("two", 2),
    ]
    flags = {visitor.visit_id: visitor.flag for visitor in state.visitors}
    assert flags == {day.visits["V5"]: "red", day.visits["V6"]: ""}
    assert board.suggestions_open == 2 and board.suggestions_overdue == 1
    assert board.cases_due_today == 1
    assert board.appointments_next_hour == 1


def test_nearest_rank_percentiles():
    values = [timedelta(minutes=m) for m in (5, 1, 4, 2, 3)]
    assert nearest_rank(values, 50) == 3 * MIN
    assert nearest_rank(values, 90) == 5 * MIN
    assert nearest_rank([], 90) is None
    # The report's 90th percentile is the same rule over minutes: the 9th of 10 values.
    assert nearest_rank([float(m) for m in range(10, 0, -1)], 90) == 9.0


def test_a_visit_with_two_tickets_has_every_step_and_the_time_between(day):
    found = journey.visit_journey(day.hall, day.visits["V2"], now=NOW)
    steps = [(step.kind, step.label, step.counter) for step in found.steps]
    assert steps == [
        ("entered", None, None),
        ("issued", "A002", None),
        ("issued", "B001", None),
        ("called", "A002", 1),
        ("started", "A002", 1),
        ("finished", "A002", 1),
        ("called", "B001", 2),
        ("started", "B001", 2),
        ("finished", "B001", 2),
    ]
    gaps = [step.since_previous for step in found.steps]
    assert gaps == [None, 0 * MIN, 0 * MIN, MIN, MIN, 3 * MIN, MIN, MIN, 5 * MIN]
    assert found.over and found.total == 12 * MIN and not found.within_target
    assert found.flag == "red"


def test_a_transferred_visit_shows_the_transfer_and_ends_within_target(day):
    found = journey.visit_journey(day.hall, day.visits["V3"], now=NOW)
    kinds = [step.kind for step in found.steps]
    assert kinds == [
        "entered",
        "issued",
        "called",
        "started",
        "transferred",
        "issued",
        "called",
        "started",
        "finished",
    ]
    assert found.steps[4].detail == "B"
    assert found.total == 9 * MIN and found.within_target


def test_a_visit_still_in_the_hall_counts_to_now(day):
    found = journey.visit_journey(day.hall, day.visits["V6"], now=NOW)
    assert not found.over and found.total == 7 * MIN and found.flag == ""


def test_a_visit_of_another_hall_is_not_found(day):
    from tests.builders import make_hall

    other = make_hall("other")
    with pytest.raises(journey.UnknownVisit):
        journey.visit_journey(other, day.visits["V1"], now=NOW)


def test_the_tracking_page_state_says_how_long_a_done_visit_took(day):
    done = public.ticket_state(ticket_of(day.visits["V1"]), now=NOW)
    assert done.visit_minutes == 7
    waiting = public.ticket_state(ticket_of(day.visits["V6"]), now=NOW)
    assert waiting.visit_minutes is None
    # V2's first ticket is done but its B ticket made the visit 12 minutes.
    assert public.ticket_state(ticket_of(day.visits["V2"]), now=NOW).visit_minutes == 12
