"""Issuing tickets: numbers, priority from needs, opening hours and limits."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from hallapp.models import CalendarDay, Ticket
from hallapp.services import live, queue
from hallapp.services.errors import InvalidValue
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


def test_tracking_path_uses_the_public_id(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    assert queue.tracking_path(ticket) == f"/t/{ticket.public_id}"
    assert queue.get_ticket_by_public_id(ticket.public_id).id == ticket.id
    with pytest.raises(queue.UnknownTicket):
        queue.get_ticket_by_public_id("nope")
