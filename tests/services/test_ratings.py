from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hallapp.models import AuditEntry, CalendarDay, Counter, Suggestion, VisitRating
from hallapp.services import feedback, queue, ratings
from hallapp.services.errors import InvalidValue
from tests.builders import make_staff
from tests.feedback_builders import MONDAY_10AM, finished_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY_10AM = MONDAY_10AM + timedelta(days=3)


@pytest.fixture
def officer(hall):
    return make_staff(hall, "counter", username="li", full_name="李警官")


@pytest.fixture
def supervisor(hall):
    return make_staff(hall, "supervisor", username="wang", full_name="王主任")


def test_a_visit_is_rated_once_its_last_ticket_is_finished(db, hall, officer):
    first = finished_ticket(hall, officer)
    second = queue.issue_ticket(hall, "B", source="desk", now=MONDAY_10AM, visit=first.visit)
    with pytest.raises(ratings.NotYetRateable):
        ratings.rate_visit(first, level=5, now=MONDAY_10AM)
    db.session.rollback()

    colleague = make_staff(hall, "counter", username="zhao")
    counter_two = db.session.scalar(
        select(Counter).where(Counter.hall_id == hall.id, Counter.number == 2)
    )
    counter_two.state = "open"
    db.session.commit()
    queue.call_next(counter_two, now=MONDAY_10AM, actor=colleague)
    queue.start(second, now=MONDAY_10AM, actor=colleague)
    queue.finish(second, now=MONDAY_10AM + timedelta(minutes=20), actor=colleague)

    rating = ratings.rate_visit(first, level=4, now=MONDAY_10AM + timedelta(minutes=21))
    assert (rating.visit_id, rating.ticket_id) == (first.visit_id, second.id)
    assert (rating.counter_id, rating.officer_id) == (counter_two.id, colleague.id)
    assert rating.suggestion is None


def test_a_visit_gets_one_rating_only(db, hall, officer):
    ticket = finished_ticket(hall, officer)
    ratings.rate_visit(ticket, level=5, now=MONDAY_10AM)
    with pytest.raises(ratings.AlreadyRated):
        ratings.rate_visit(ticket, level=1, now=MONDAY_10AM)
    db.session.rollback()
    assert len(db.session.scalars(select(VisitRating)).all()) == 1


@pytest.mark.parametrize("level", [0, 6])
def test_only_the_five_levels_are_accepted(db, hall, officer, level):
    ticket = finished_ticket(hall, officer)
    with pytest.raises(InvalidValue):
        ratings.rate_visit(ticket, level=level, now=MONDAY_10AM)


def test_a_dissatisfied_rating_opens_a_feedback_item_due_in_five_working_days(db, hall, officer):
    db.session.add(CalendarDay(hall_id=hall.id, day=date(2026, 11, 9), kind="holiday"))
    db.session.commit()
    ticket = finished_ticket(hall, officer, now=THURSDAY_10AM)
    rating = ratings.rate_visit(
        ticket,
        level=1,
        reasons=["attitude"],
        comment="The officer was rude.",
        now=THURSDAY_10AM + timedelta(minutes=10),
    )
    item = rating.suggestion
    assert item.channel == "rating"
    assert (item.category, item.status, item.text) == ("staff", "new", "The officer was rude.")
    assert ticket.label in item.visit_ref
    # Fri 6, (weekend), Mon 9 is a holiday, Tue 10, Wed 11, Thu 12, Fri 13.
    assert item.due_at == datetime(2026, 11, 14, 0, 0, tzinfo=SHANGHAI)
    assert not item.callback_required


def test_a_satisfied_rating_opens_nothing(db, hall, officer):
    ratings.rate_visit(finished_ticket(hall, officer), level=3, now=MONDAY_10AM)
    assert db.session.scalar(select(Suggestion)) is None


def test_one_left_with_a_phone_needs_a_logged_callback_before_closing(
    db, hall, officer, supervisor
):
    ticket = finished_ticket(hall, officer)
    rating = ratings.rate_visit(
        ticket, level=2, reasons=["waiting"], contact_phone="13812345678", now=MONDAY_10AM
    )
    item = rating.suggestion
    assert item.category == "waiting"
    assert item.callback_required and item.wants_reply
    feedback.triage(item, actor=supervisor, now=MONDAY_10AM, category="waiting", owner=None)
    feedback.reply(item, actor=supervisor, now=MONDAY_10AM, text="Sorry for the wait.")
    with pytest.raises(feedback.CallbackRequired):
        feedback.close(item, actor=supervisor, now=MONDAY_10AM)
    db.session.rollback()
    feedback.record_follow_up(
        item,
        actor=supervisor,
        now=MONDAY_10AM,
        kind="callback",
        happened_on=date(2026, 11, 2),
        outcome="Apologised; she accepted.",
    )
    feedback.close(item, actor=supervisor, now=MONDAY_10AM)
    assert item.status == "closed"


def test_the_rated_officer_appeals_and_a_supervisor_decides(db, hall, officer, supervisor):
    rating = ratings.rate_visit(finished_ticket(hall, officer), level=1, now=MONDAY_10AM)
    stranger = make_staff(hall, "counter", username="sun")
    with pytest.raises(ratings.AppealNotAllowed):
        ratings.appeal(rating, officer=stranger, reason="Not me", now=MONDAY_10AM)
    with pytest.raises(InvalidValue):
        ratings.appeal(rating, officer=officer, reason=" ", now=MONDAY_10AM)
    db.session.rollback()

    ratings.appeal(rating, officer=officer, reason="The citizen lacked documents.", now=MONDAY_10AM)
    assert ratings.pending_appeals(hall) == [rating]
    with pytest.raises(ratings.AppealNotAllowed):
        ratings.appeal(rating, officer=officer, reason="Again", now=MONDAY_10AM)
    db.session.rollback()

    ratings.decide_appeal(
        rating,
        supervisor=supervisor,
        upheld=True,
        note="Video shows a calm officer.",
        now=MONDAY_10AM,
    )
    assert (rating.appeal_state, rating.excluded) == ("upheld", True)
    assert rating.appeal_decided_by_id == supervisor.id
    assert ratings.pending_appeals(hall) == []
    with pytest.raises(ratings.AppealNotAllowed):
        ratings.decide_appeal(
            rating, supervisor=supervisor, upheld=False, note="Changed mind", now=MONDAY_10AM
        )
    db.session.rollback()
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.action.startswith("rating."))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["rating.appeal", "rating.appeal.decide"]


def test_a_satisfied_rating_cannot_be_appealed(db, hall, officer):
    rating = ratings.rate_visit(finished_ticket(hall, officer), level=5, now=MONDAY_10AM)
    with pytest.raises(ratings.AppealNotAllowed):
        ratings.appeal(rating, officer=officer, reason="Why not", now=MONDAY_10AM)


def test_the_counter_tablet_offers_the_visit_just_finished_there(db, hall, officer):
    assert ratings.ticket_for_tablet(hall, 1, now=MONDAY_10AM) is None
    ticket = finished_ticket(hall, officer)
    finished = ticket.finished_at
    assert ratings.ticket_for_tablet(hall, 1, now=finished + timedelta(minutes=1)) == ticket
    assert ratings.ticket_for_tablet(hall, 1, now=finished + timedelta(minutes=11)) is None
    ratings.rate_visit(ticket, level=5, source="tablet", now=finished)
    assert ratings.ticket_for_tablet(hall, 1, now=finished + timedelta(minutes=1)) is None
