"""A fixture day for the figures, small enough to count by hand.

Tuesday 1 December 2026 in the hall (open all day, target 10 minutes), seen at 09:50:

  V0  entered Mon 23:55, A served at counter 1, finished 00:05 Tue      10 min, within
  V1  entered 09:00, A finished 09:07                                     7 min, within
  V2  entered 09:10 with A and B: A done 09:15 (counter 1), B 09:22 (2)  12 min, over
  V3  entered 09:20, A transferred to B at 09:25, B done 09:29 (2)        9 min, within
  V4  entered 09:30, A called 09:33, no-show 09:34                        not a done visit
  V5  entered 09:40, B waiting                                           10 min in hall: red
  V6  entered 09:43, A waiting                                            7 min in hall: none

Done visits: 7, 9, 10, 12 min. Median (nearest rank, 2nd of 4) 9 min; 90th percentile
(4th of 4) 12 min; within target 3 of 4 = 75 %. No-shows 1. Served on today's service day:
counter 1 and officer One 2 (V1, V2's A; V0 belongs to Monday's service day), counter 2 and
officer Two 2 (V2's B, V3's B). At 09:45 counter 2 pauses: counters open 1 (idle),
paused 1, closed 1 (the enterprise room's). Waiting: A 1 (oldest 7 min), B 1 (10 min).
Suggestions: 2 open, 1 of them overdue (1 closed). Cases open due today or earlier: 1.
Appointments booked in the next hour: 1.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select

from hallapp.extensions import db
from hallapp.models import Counter, Hall, Staff, Ticket
from hallapp.models.feedback import Suggestion
from hallapp.models.guidance import Appointment, AppointmentSlot, DeskCase
from hallapp.services import queue
from tests.builders import make_staff
from tests.clock import beijing

NOW = beijing(2026, 12, 1, 9, 50)


def at(hour: int, minute: int):
    return beijing(2026, 12, 1, hour, minute)


@dataclass
class FixtureDay:
    hall: Hall
    one: Staff
    two: Staff
    visits: dict[str, int]


def _counter(hall: Hall, number: int) -> Counter:
    return db.session.scalar(
        select(Counter).where(Counter.hall_id == hall.id, Counter.number == number)
    )


def _serve(counter, officer, called, started, finished):
    ticket = queue.call_next(counter, now=called, actor=officer)
    queue.start(ticket, now=started, actor=officer)
    queue.finish(ticket, now=finished, actor=officer)
    return ticket


def build_fixture_day(hall: Hall) -> FixtureDay:
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    hall.open_weekdays = "1234567"
    hall.target_minutes = 10
    db.session.commit()
    one = make_staff(hall, "counter", username="one", full_name="Officer One")
    two = make_staff(hall, "counter", username="two", full_name="Officer Two")
    c1, c2 = _counter(hall, 1), _counter(hall, 2)

    def issue(code, when, visit=None):
        return queue.issue_ticket(hall, code, source="desk", now=when, visit=visit)

    queue.sign_in_to_counter(c1, one, now=beijing(2026, 11, 30, 23, 50))
    v0 = issue("A", beijing(2026, 11, 30, 23, 55))
    _serve(c1, one, beijing(2026, 11, 30, 23, 57), beijing(2026, 11, 30, 23, 58), at(0, 5))
    queue.sign_in_to_counter(c2, two, now=at(8, 55))

    v1 = issue("A", at(9, 0))
    _serve(c1, one, at(9, 2), at(9, 3), at(9, 7))

    v2 = issue("A", at(9, 10))
    issue("B", at(9, 10), visit=v2.visit)
    _serve(c1, one, at(9, 11), at(9, 12), at(9, 15))
    _serve(c2, two, at(9, 16), at(9, 17), at(9, 22))

    v3 = issue("A", at(9, 20))
    called = queue.call_next(c1, now=at(9, 21), actor=one)
    queue.start(called, now=at(9, 22), actor=one)
    queue.transfer(called, "B", now=at(9, 25), actor=one, counter=c1)
    _serve(c2, two, at(9, 26), at(9, 26), at(9, 29))

    v4 = issue("A", at(9, 30))
    missed = queue.call_next(c1, now=at(9, 33), actor=one)
    queue.mark_no_show(missed, now=at(9, 34), actor=one)

    v5 = issue("B", at(9, 40))
    v6 = issue("A", at(9, 43))
    queue.set_counter_state(c2, "paused", now=at(9, 45), actor=two)

    b = next(service for service in hall.services if service.code == "B")
    for code, due, status in (
        ("S1", at(9, 0), "new"),
        ("S2", at(9, 0) + timedelta(days=1), "in_progress"),
        ("S3", at(9, 0), "closed"),
    ):
        db.session.add(
            Suggestion(hall_id=hall.id, tracking_code=code, text="…", due_at=due, status=status)
        )
    for due, state in (
        (date(2026, 12, 1), "open"),
        (date(2026, 12, 2), "open"),
        (date(2026, 12, 1), "closed"),
    ):
        db.session.add(DeskCase(hall_id=hall.id, kind="home_visit", due_on=due, state=state))
    soon = AppointmentSlot(
        hall_id=hall.id, service_id=b.id, starts_at=at(10, 30), ends_at=at(11, 0), capacity=4
    )
    later = AppointmentSlot(
        hall_id=hall.id, service_id=b.id, starts_at=at(11, 0), ends_at=at(11, 30), capacity=4
    )
    db.session.add_all([soon, later])
    db.session.flush()
    for code, slot, state in (
        ("AP1", soon, "booked"),
        ("AP2", soon, "cancelled"),
        ("AP3", later, "booked"),
    ):
        db.session.add(Appointment(slot_id=slot.id, code=code, state=state))
    soon.booked, later.booked = 2, 1
    db.session.commit()
    visits = {
        name: ticket.visit_id
        for name, ticket in (
            ("V0", v0),
            ("V1", v1),
            ("V2", v2),
            ("V3", v3),
            ("V4", v4),
            ("V5", v5),
            ("V6", v6),
        )
    }
    return FixtureDay(hall=hall, one=one, two=two, visits=visits)


def ticket_of(visit_id: int) -> Ticket:
    return db.session.scalar(select(Ticket).where(Ticket.visit_id == visit_id).order_by(Ticket.id))
