"""A fixture day for reports, Saturday 5 December 2026, whose figures are counted by hand.

Hall open 00:00–23:59 every day, target 10 minutes; counter 1 serves A then B (officer
Li), counter 2 serves B then A (officer Wang). Times are the hall's wall clock.

  V0  4 Dec 16:00  A, served 16:01–16:05                         (the day before)
  V1  09:00  A issued; called 09:03 at 1, started 09:04, finished 09:10 → 10 min, within
  V2  09:10  A issued; called 09:20 at 1, started 09:21, transferred 09:25 to B;
             B called 09:27 at 2, started 09:28, finished 09:33     → 23 min, beyond
  V3  10:00  A and B issued; B called 10:02 at 2, served 10:02–10:05;
             A called 10:06 at 1, served 10:06–10:09                → 9 min, within
  V4  11:00  A issued; called 11:05 at 1; no-show 11:08             → not served
  V5  23:55  B issued; called 23:58 at 2, started 23:58; transferred 00:02 (6 Dec) to A;
             A called 00:03 at 1, served 00:03–00:06                → 11 min, beyond
  V6  6 Dec 09:00  A issued, still waiting                          (the day after)

Ratings: V1 rated 5 (counter 1, Li), V2 rated 2 (counter 2, Wang: opens a suggestion).
Another suggestion on 5 Dec, replied. Free services on 5 Dec: 2 photocopies, 1 photo
(and one photocopy on 6 Dec). Appointments at 14:00 on 5 Dec: kept, missed, cancelled.
"""

from datetime import time

from hallapp.extensions import db
from hallapp.models import Appointment, AppointmentSlot, Service
from hallapp.services import feedback, queue, ratings, reports
from tests import builders
from tests.clock import beijing


def at(hour: int, minute: int, day: int = 5):
    return beijing(2026, 12, day, hour, minute)


def build_fixture_day():
    hall = builders.make_hall(opens_at=time(0, 0), closes_at=time(23, 59), target_minutes=10)
    a = builders.make_service(hall, "A", name_zh="普通护照", name_en="Passport")
    b = builders.make_service(hall, "B", name_zh="港澳通行证", name_en="HK permit")
    c1 = builders.make_counter(hall, 1, [a, b])
    c2 = builders.make_counter(hall, 2, [b, a])
    li = builders.make_staff(hall, "counter", username="li", full_name="=Li Ming")
    wang = builders.make_staff(hall, "counter", username="wang", full_name="Wang Fang")
    queue.sign_in_to_counter(c1, li, now=at(0, 0, 4))
    queue.sign_in_to_counter(c2, wang, now=at(0, 0, 4))

    def serve(counter, ticket_expected, called, started, finished=None):
        ticket = queue.call_next(counter, now=called)
        assert ticket.id == ticket_expected.id
        queue.start(ticket, now=started, counter=counter)
        if finished is not None:
            queue.finish(ticket, now=finished, counter=counter)
        return ticket

    v0 = builders.make_ticket(hall, "A", now=at(16, 0, 4))
    serve(c1, v0, at(16, 1, 4), at(16, 1, 4), at(16, 5, 4))

    v1 = builders.make_ticket(hall, "A", now=at(9, 0))
    serve(c1, v1, at(9, 3), at(9, 4), at(9, 10))

    v2 = builders.make_ticket(hall, "A", now=at(9, 10))
    serve(c1, v2, at(9, 20), at(9, 21))
    v2b = queue.transfer(v2, "B", now=at(9, 25), counter=c1)
    serve(c2, v2b, at(9, 27), at(9, 28), at(9, 33))

    v3a = builders.make_ticket(hall, "A", now=at(10, 0))
    v3b = builders.make_ticket(hall, "B", now=at(10, 0), visit=v3a.visit)
    serve(c2, v3b, at(10, 2), at(10, 2), at(10, 5))
    serve(c1, v3a, at(10, 6), at(10, 6), at(10, 9))

    v4 = builders.make_ticket(hall, "A", now=at(11, 0))
    assert queue.call_next(c1, now=at(11, 5)).id == v4.id
    queue.mark_no_show(v4, now=at(11, 8), counter=c1)

    v5 = builders.make_ticket(hall, "B", now=at(23, 55))
    serve(c2, v5, at(23, 58), at(23, 58))
    v5a = queue.transfer(v5, "A", now=at(0, 2, 6), counter=c2)
    serve(c1, v5a, at(0, 3, 6), at(0, 3, 6), at(0, 6, 6))

    builders.make_ticket(hall, "A", now=at(9, 0, 6))

    ratings.rate_visit(v1, level=5, now=at(9, 15))
    ratings.rate_visit(v2b, level=2, now=at(9, 40))
    replied = feedback.new_suggestion(hall, text="More seats", category="other", now=at(12, 0))
    replied.status = "replied"
    db.session.commit()

    for kind, moment in (
        ("photocopy", at(9, 30)),
        ("photocopy", at(10, 30)),
        ("photo", at(11, 30)),
        ("photocopy", at(9, 30, 6)),
    ):
        reports.record_free_service(hall, kind, now=moment, actor=None)

    slot = AppointmentSlot(
        hall_id=hall.id,
        service_id=db.session.get(Service, a.id).id,
        starts_at=at(14, 0),
        ends_at=at(14, 30),
        capacity=5,
        booked=3,
    )
    db.session.add(slot)
    for code, state in (("K1", "checked_in"), ("M1", "no_show"), ("C1", "cancelled")):
        db.session.add(Appointment(slot=slot, code=code, state=state))
    db.session.commit()
    return hall
