from datetime import timedelta

import pytest
from sqlalchemy import select

from hallapp.models import Suggestion, VisitRating, utcnow
from hallapp.services import devices, queue, ratings
from tests.builders import make_staff
from tests.feedback_builders import MONDAY_10AM, finished_ticket


@pytest.fixture
def officer(hall):
    return make_staff(hall, "counter", username="li", full_name="李警官")


def test_the_rating_is_a_page_and_a_partial_the_tracking_page_can_include(client, hall, officer):
    ticket = finished_ticket(hall, officer)
    page = client.get(f"/rate/{ticket.public_id}?lang=en")
    assert page.status_code == 200
    assert "<html" in page.text
    assert "Very dissatisfied" in page.text
    partial = client.get(f"/rate/{ticket.public_id}", headers={"HX-Request": "true"})
    assert "<html" not in partial.text
    assert 'id="feedback-rating"' in partial.text


def test_a_citizen_rates_a_visit_and_a_dissatisfied_one_becomes_a_feedback_item(
    client, db, hall, officer
):
    ticket = finished_ticket(hall, officer)
    response = client.post(
        f"/rate/{ticket.public_id}?lang=zh_CN",
        data={"level": "1", "reasons": ["attitude", "slow"], "comment": "态度不好", "source": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "感谢您的评价：非常不满意" in response.text
    rating = db.session.scalar(select(VisitRating))
    assert rating.reason_list == ["attitude", "slow"]
    assert rating.officer_id == officer.id
    assert db.session.scalar(select(Suggestion.channel)) == "rating"

    again = client.post(
        f"/rate/{ticket.public_id}?lang=en", data={"level": "5"}, headers={"HX-Request": "true"}
    )
    assert again.status_code == 422  # refused; the panel shows the rating already given
    assert "Thank you for rating your visit: Very dissatisfied." in again.text


def test_rating_without_a_level_says_so_and_stores_nothing(client, db, hall, officer):
    ticket = finished_ticket(hall, officer)
    response = client.post(
        f"/rate/{ticket.public_id}?lang=en",
        data={"comment": "Keep my words", "contact_phone": "not a phone"},
    )
    assert response.status_code == 422
    assert "Choose how satisfied you are." in response.text
    assert "Keep my words" in response.text
    db.session.rollback()
    assert db.session.scalar(select(VisitRating)) is None


def test_a_visit_still_in_progress_cannot_be_rated_yet(client, db, hall):
    ticket = queue.issue_ticket(hall, "A", source="desk", now=MONDAY_10AM)
    page = client.get(f"/rate/{ticket.public_id}?lang=en")
    assert "once your last ticket is finished" in page.text
    refused = client.post(f"/rate/{ticket.public_id}?lang=en", data={"level": "5"})
    assert refused.status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(VisitRating)) is None


def test_an_unknown_ticket_says_so(client, hall):
    response = client.get("/rate/no-such-ticket?lang=en")
    assert response.status_code == 404
    assert "We could not find this ticket." in response.text


def _open_tablet(client, hall, number: int = 1) -> None:
    _row, raw = devices.create_device_token(hall, "counter", counter_number=number, now=utcnow())
    response = client.post(f"/rate/counter/demo/{number}/setup", data={"token": raw})
    assert response.status_code == 303


def test_the_counter_tablet_waits_then_offers_the_rating(client, db, hall, officer):
    _open_tablet(client, hall)
    idle = client.get("/rate/counter/demo/1?lang=en")
    assert idle.status_code == 200
    assert 'hx-trigger="every 5s"' in idle.text
    now = utcnow()
    finished_ticket(hall, officer, now=now - timedelta(minutes=6))
    offered = client.get("/rate/counter/demo/1", headers={"HX-Request": "true"})
    assert 'id="feedback-rating-form"' in offered.text
    assert 'value="tablet"' in offered.text
    assert client.get("/rate/counter/demo/99").status_code == 404


def test_a_passer_by_cannot_get_the_visit_just_finished_from_the_tablet(client, db, hall, officer):
    ticket = finished_ticket(hall, officer, now=utcnow() - timedelta(minutes=6))
    page = client.get("/rate/counter/demo/1?lang=en")
    polled = client.get("/rate/counter/demo/1", headers={"HX-Request": "true"})
    assert page.status_code == 401 and "not set up" in page.text
    assert ticket.public_id not in page.text + polled.text
    assert polled.status_code == 286


def test_another_counters_token_or_a_display_token_does_not_open_the_tablet(client, hall):
    _row, other = devices.create_device_token(hall, "counter", counter_number=2, now=utcnow())
    _row, display = devices.create_device_token(hall, "display", now=utcnow())
    for raw in (other, display, "hall_guess"):
        response = client.post("/rate/counter/demo/1/setup", data={"token": raw})
        assert response.status_code == 422
    assert client.get("/rate/counter/demo/1").status_code == 401


def test_a_rating_claiming_the_tablet_without_its_session_counts_as_the_tracking_link(
    client, db, hall, officer
):
    ticket = finished_ticket(hall, officer, now=utcnow() - timedelta(minutes=6))
    response = client.post(f"/rate/{ticket.public_id}", data={"level": "5", "source": "tablet"})
    assert response.status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(VisitRating)).source == "tracking"


def test_an_officer_appeals_and_a_supervisor_decides_through_the_pages(db, hall, login_as):
    counter_client = login_as("counter")
    ticket = finished_ticket(hall, counter_client.staff)
    rating = ratings.rate_visit(ticket, level=2, comment="Too slow", now=MONDAY_10AM)
    mine = counter_client.get("/ratings/mine?lang=en")
    assert "Too slow" in mine.text
    empty = counter_client.post(f"/ratings/{rating.id}/appeal?lang=en", data={"reason": ""})
    assert empty.status_code == 422
    assert "Say why the rating is unfair." in empty.text
    appealed = counter_client.post(
        f"/ratings/{rating.id}/appeal?lang=en", data={"reason": "Missing documents"}
    )
    assert appealed.status_code == 200
    assert "Appeal pending" in appealed.text

    supervisor = login_as("supervisor")
    assert "Missing documents" in supervisor.get("/ratings/appeals").text
    decided = supervisor.post(
        f"/ratings/{rating.id}/decide?lang=en", data={"upheld": "no", "note": "Rating stands"}
    )
    assert decided.status_code == 200
    assert "Appeal rejected" in decided.text
    db.session.expire_all()
    assert (rating.appeal_state, rating.excluded) == ("rejected", False)
    detail = supervisor.get(f"/feedback/{rating.suggestion_id}?lang=en")
    assert 'id="feedback-rating-facts"' in detail.text
    assert "Dissatisfied" in detail.text
