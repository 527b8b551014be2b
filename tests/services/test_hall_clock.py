"""The hall's clock at its edges: opening minutes, local midnight, a local day over two UTC dates.

The hall keeps Beijing time (UTC+8), so its day runs from 16:00 UTC to 16:00 UTC: a ticket
at 00:30 in the hall and one at 23:30 belong to one service day on two UTC dates.
"""

from datetime import UTC, time, timedelta

import pytest

from hallapp.models import utcnow
from hallapp.services import hall_now, queue
from tests.builders import make_ticket
from tests.clock import DEFAULT_INSTANT, beijing


def test_the_suite_runs_on_a_working_tuesday_morning_unless_a_test_moves_the_clock(hall, clock):
    now = utcnow()
    assert now - DEFAULT_INSTANT < timedelta(minutes=5)
    assert now.astimezone(DEFAULT_INSTANT.tzinfo).isoweekday() == 2
    assert hall_now.hall_is_open(hall, now)

    clock.move_to(beijing(2026, 12, 5, 23, 59), tick=False)
    assert utcnow() == beijing(2026, 12, 5, 23, 59)
    assert not hall_now.hall_is_open(hall, utcnow())


@pytest.mark.parametrize(
    ("hour", "minute", "second", "is_open"),
    [(8, 29, 59, False), (8, 30, 0, True), (17, 29, 59, True), (17, 30, 0, False)],
)
def test_the_hall_opens_and_shuts_on_the_minute_of_its_own_clock(
    hall, hour, minute, second, is_open
):
    instant = beijing(2026, 12, 1, hour, minute) + timedelta(seconds=second)
    assert hall_now.hall_is_open(hall, instant) is is_open
    if is_open:
        assert make_ticket(hall, "A", now=instant).label == "A001"
    else:
        with pytest.raises(queue.OutsideOpeningHours):
            make_ticket(hall, "A", now=instant)


def test_numbers_restart_at_local_midnight_not_at_utc_midnight(db, hall):
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    db.session.commit()
    before_midnight = beijing(2026, 12, 1, 23, 59)
    after_midnight = beijing(2026, 12, 2, 0, 0)
    # 00:00 in the hall is 16:00 UTC of the day before.
    assert after_midnight.astimezone(UTC).date() == before_midnight.date()

    last_of_tuesday = make_ticket(hall, "A", now=before_midnight)
    first_of_wednesday = make_ticket(hall, "A", now=after_midnight)
    late_on_wednesday = make_ticket(hall, "A", now=beijing(2026, 12, 2, 23, 30))

    assert last_of_tuesday.label == "A001"
    assert (first_of_wednesday.label, late_on_wednesday.label) == ("A001", "A002")
    assert first_of_wednesday.service_day == late_on_wednesday.service_day
    assert (
        first_of_wednesday.issued_at.astimezone(UTC).date()
        != late_on_wednesday.issued_at.astimezone(UTC).date()
    )


def test_a_day_closed_in_the_hall_is_closed_whatever_the_utc_date_says(db, hall):
    hall.open_weekdays = "12345"
    db.session.commit()
    # Saturday 00:30 in the hall is still Friday in UTC.
    saturday_early = beijing(2026, 12, 5, 0, 30)
    assert saturday_early.astimezone(UTC).isoweekday() == 5
    hall.opens_at = time(0, 0)
    db.session.commit()
    with pytest.raises(queue.HallClosedToday):
        make_ticket(hall, "A", now=saturday_early)
