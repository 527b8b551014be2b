"""Staffing forecast: Erlang C against published values, and a forecast counted by hand."""

from datetime import date

import pytest

from hallapp.extensions import db
from hallapp.models import Appointment, AppointmentSlot
from hallapp.services import forecast, queue
from tests import builders
from tests.clock import DEFAULT_INSTANT, beijing


@pytest.mark.parametrize(
    ("traffic", "servers", "published"),
    [
        # M/M/3 with λ = 2, μ = 1: P(wait) = 4/9, the textbook example.
        (2, 3, 4 / 9),
        (1, 2, 1 / 3),
        # The call-centre worked example: 10 Erlangs (100 calls per half hour, 3 minutes
        # each) on 11, 12, 13 and 14 agents: 68.21 %, 44.94 %, 28.53 %, 17.41 %.
        (10, 11, 0.6821),
        (10, 12, 0.4494),
        (10, 13, 0.2853),
        (10, 14, 0.1741),
    ],
)
def test_erlang_c_matches_published_values(traffic, servers, published):
    assert forecast.erlang_c(traffic, servers) == pytest.approx(published, abs=5e-5)


def test_expected_wait_of_the_worked_example():
    # 200 calls an hour of 3 minutes: 11 agents answer in 122.8 s on average, 12 in 40.4 s.
    assert forecast.expected_wait(200, 3, 11) * 60 == pytest.approx(122.8, abs=0.05)
    assert forecast.expected_wait(200, 3, 12) * 60 == pytest.approx(40.4, abs=0.05)
    assert forecast.expected_wait(200, 3, 10) == float("inf")


def test_counters_needed_is_the_fewest_within_the_wait():
    # 12 agents wait 40.4 s, 13 agents less than 20 s.
    assert forecast.counters_needed(200, 3, 41 / 60) == 12
    assert forecast.counters_needed(200, 3, 20 / 60) == 13
    assert forecast.counters_needed(0, 3, 1) == 0


def test_forecast_from_same_weekday_history_and_booked_appointments(app):
    """Today is Tuesday 1 December 2026. Wednesday 2 December gets, at 09:00 for A, the
    walk-ins of the last eight Wednesdays (4 on 25 Nov, 4 on 18 Nov: 8 / 8 = 1.0 a
    Wednesday) plus 5 appointments booked (a sixth cancelled): 6.0 arrivals. Service takes
    6 minutes, so the wait allowed is 10 − 6 = 4 minutes; the traffic is 6 × 6 / 60 = 0.6
    Erlang: one counter makes them wait 0.6 × 6 / 0.4 = 9 minutes on average (Erlang C
    with one server is the utilisation), two make it C(2, 0.6) = 0.138 × 6 / 1.4 = 0.59
    minutes: 2 needed. A week before, at that
    hour, counter 1 called A tickets: 1 counter in use."""
    hall = builders.make_standard_hall()
    counter = builders.open_counter(hall, 1)
    for day in (18, 25):
        for n in range(4):
            minute = 10 * n
            ticket = builders.make_ticket(hall, "A", now=beijing(2026, 11, day, 9, minute))
            assert queue.call_next(counter, now=beijing(2026, 11, day, 9, minute + 1)).id == (
                ticket.id
            )
            queue.start(ticket, now=beijing(2026, 11, day, 9, minute + 1), counter=counter)
            queue.finish(ticket, now=beijing(2026, 11, day, 9, minute + 7), counter=counter)
    service_a = hall.services[0]
    slot = AppointmentSlot(
        hall_id=hall.id,
        service_id=service_a.id,
        starts_at=beijing(2026, 12, 2, 9, 0),
        ends_at=beijing(2026, 12, 2, 9, 30),
        capacity=6,
        booked=6,
    )
    db.session.add(slot)
    for n, state in enumerate(["booked"] * 5 + ["cancelled"]):
        db.session.add(Appointment(slot=slot, code=f"F{n}", state=state))
    db.session.commit()

    result = forecast.forecast(hall, now=DEFAULT_INSTANT)

    assert [d.day for d in result.days] == [date(2026, 12, n) for n in (2, 3, 4, 5, 6)]
    assert result.service_minutes[service_a.id] == pytest.approx(6.0)
    assert result.wait_budget[service_a.id] == pytest.approx(4.0)
    cell = result.days[0].cells[(9, service_a.id)]
    assert (cell.arrivals, cell.needed, cell.last_week) == (6.0, 2, 1)
    assert forecast.expected_wait(6.0, 6.0, 1) == pytest.approx(9.0)
    assert forecast.expected_wait(6.0, 6.0, 2) == pytest.approx(0.5934, abs=1e-4)
    # Thursday had no history and no booking: nothing expected, nobody needed.
    quiet = result.days[1].cells[(9, service_a.id)]
    assert (quiet.arrivals, quiet.needed, quiet.last_week) == (0.0, 0, 0)
    tables = forecast.forecast_tables(result)
    assert tables[0].key == "2026-12-02"
    assert [r for r in tables[0].rows if r[0] == "09:00" and r[1].startswith("A ")][0][2:] == [
        6.0,
        2,
        1,
    ]
