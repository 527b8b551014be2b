"""The enterprise room on the queue: exclusive counters, check-in, serving a linked ticket."""

import pytest
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import RegistrationService, Ticket, TicketEvent
from hallapp.services import enterprise as rooms
from hallapp.services import queue
from hallapp.services.enterprise import serving
from hallapp.services.enterprise.serving import NotAnEnterpriseTicket
from hallapp.services.errors import InvalidValue
from tests.builders import make_staff, make_ticket, open_counter
from tests.enterprise_builders import make_enterprise, make_member, utc

NINE = utc(2026, 11, 27, 1)  # 09:00 in Shanghai


@pytest.fixture
def clerk(hall):
    return make_staff(hall, "enterprise", username="chen")


@pytest.fixture
def counters(hall):
    return {number: open_counter(hall, number) for number in (1, 2, 10)}


def _minutes(m):
    return utc(2026, 11, 27, 1, m)


def test_an_exclusive_counter_calls_enterprise_tickets_even_when_main_hall_tickets_waited_longer(
    hall, counters
):
    make_ticket(hall, "A", now=_minutes(0))
    make_ticket(hall, "B", now=_minutes(1))
    enterprise_ticket = make_ticket(hall, "E", now=_minutes(2))
    called = queue.call_next(counters[10], now=_minutes(3))
    assert called.id == enterprise_ticket.id
    queue.start(called, now=_minutes(4))
    queue.finish(called, now=_minutes(5))
    with pytest.raises(queue.NoTicketsWaiting):
        queue.call_next(counters[10], now=_minutes(6))
    waiting = db.session.scalars(select(Ticket).where(Ticket.status == "waiting")).all()
    assert sorted(ticket.label for ticket in waiting) == ["A001", "B001"]


def test_main_hall_counters_never_call_an_enterprise_ticket(hall, counters):
    make_ticket(hall, "E", now=_minutes(0))
    for number in (1, 2):
        with pytest.raises(queue.NoTicketsWaiting):
            queue.call_next(counters[number], now=_minutes(1))
    a = make_ticket(hall, "A", now=_minutes(2))
    assert queue.call_next(counters[1], now=_minutes(3)).id == a.id
    e = db.session.scalar(select(Ticket).where(Ticket.service.has(code="E")))
    assert e.status == "waiting" and e.counter_id is None


def test_checking_in_an_appointment_issues_an_appointment_ticket_linked_to_the_enterprise(
    hall, clerk
):
    enterprise = make_enterprise(hall, "12345678")
    member = make_member(enterprise, "王小明", "C12345678")
    booking = rooms.book_appointment(
        enterprise, starts_at=_minutes(30), member_ids=[member.id], actor=clerk, now=NINE
    )
    ticket = rooms.check_in_appointment(booking, actor=clerk, now=_minutes(20))
    assert ticket.label == "E001"
    assert (ticket.source, ticket.priority_class) == ("appointment", "appointment")
    assert booking.status == "checked_in" and booking.ticket_id == ticket.id
    assert serving.ticket_link(ticket).enterprise_id == enterprise.id
    with pytest.raises(InvalidValue):
        rooms.check_in_appointment(booking, actor=clerk, now=_minutes(21))


def test_a_refused_check_in_leaves_the_booking_as_it_was(hall, clerk):
    enterprise = make_enterprise(hall, "12345678")
    member = make_member(enterprise, "王小明", "C12345678")
    booking = rooms.book_appointment(
        enterprise, starts_at=_minutes(30), member_ids=[member.id], actor=clerk, now=NINE
    )
    late_evening = utc(2026, 11, 27, 12)  # 20:00 in Shanghai, after closing
    with pytest.raises(queue.OutsideOpeningHours):
        rooms.check_in_appointment(booking, actor=clerk, now=late_evening)
    db.session.expire_all()
    assert booking.status == "booked" and booking.ticket_id is None


def test_serving_a_linked_ticket_records_the_service_and_finishes_the_ticket(hall, clerk, counters):
    enterprise = make_enterprise(hall, "12345678")
    member = make_member(enterprise, "王小明", "C12345678")
    queue.sign_in_to_counter(counters[10], clerk, now=NINE)
    make_ticket(hall, "E", now=_minutes(1))
    ticket = queue.call_next(counters[10], now=_minutes(2), actor=clerk)
    rooms.link_ticket(ticket, enterprise, actor=clerk, now=_minutes(3))

    service = rooms.serve_ticket(
        ticket,
        counter=counters[10],
        clerk=clerk,
        member_ids=[member.id],
        documents_checked="商业登记证",
        now=_minutes(9),
    )

    db.session.expire_all()
    assert ticket.status == "done" and ticket.finished_at == _minutes(9)
    assert (service.mode, service.ticket_id, service.counter_id) == (
        "on_the_spot",
        ticket.id,
        counters[10].id,
    )
    steps = db.session.scalars(
        select(TicketEvent.step).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    ).all()
    assert steps == ["issued", "called", "started", "finished"]


def test_a_checked_in_appointment_is_served_by_appointment(hall, clerk, counters):
    enterprise = make_enterprise(hall, "12345678")
    member = make_member(enterprise, "王小明", "C12345678")
    booking = rooms.book_appointment(
        enterprise, starts_at=_minutes(30), member_ids=[member.id], actor=clerk, now=NINE
    )
    rooms.check_in_appointment(booking, actor=clerk, now=_minutes(20))
    ticket = queue.call_next(counters[10], now=_minutes(21), actor=clerk)
    service = rooms.serve_ticket(
        ticket, counter=counters[10], clerk=clerk, member_ids=[member.id], now=_minutes(25)
    )
    db.session.expire_all()
    assert service.mode == "appointment" and service.appointment_id == booking.id
    assert booking.status == "served"


def test_a_refused_service_leaves_the_ticket_open_and_records_nothing(hall, clerk, counters):
    enterprise = make_enterprise(hall, "12345678")
    make_member(enterprise, "王小明", "C12345678")
    make_ticket(hall, "E", now=_minutes(1))
    ticket = queue.call_next(counters[10], now=_minutes(2), actor=clerk)
    rooms.link_ticket(ticket, enterprise, actor=clerk, now=_minutes(3))
    with pytest.raises(InvalidValue):
        rooms.serve_ticket(
            ticket, counter=counters[10], clerk=clerk, member_ids=[], now=_minutes(4)
        )
    db.session.expire_all()
    assert ticket.status == "called"
    assert db.session.scalar(select(func.count()).select_from(RegistrationService)) == 0


def test_an_unlinked_ticket_cannot_be_served(hall, clerk, counters):
    make_ticket(hall, "E", now=_minutes(1))
    ticket = queue.call_next(counters[10], now=_minutes(2), actor=clerk)
    with pytest.raises(InvalidValue):
        rooms.serve_ticket(
            ticket, counter=counters[10], clerk=clerk, member_ids=[1], now=_minutes(3)
        )


def test_a_main_hall_ticket_cannot_be_linked_to_an_enterprise(hall, clerk, counters):
    enterprise = make_enterprise(hall, "12345678")
    make_ticket(hall, "A", now=_minutes(1))
    ticket = queue.call_next(counters[1], now=_minutes(2))
    with pytest.raises(NotAnEnterpriseTicket):
        rooms.link_ticket(ticket, enterprise, actor=clerk, now=_minutes(3))
