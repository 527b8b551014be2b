"""The counter console: page and partials, every button, polling, and refusals."""

from datetime import time

import pytest
from sqlalchemy import func, select

from hallapp.models import Counter, Ticket, TicketEvent, utcnow
from hallapp.services import live, queue
from tests.builders import make_counter

HX = {"HX-Request": "true"}


@pytest.fixture
def open_hall(db, hall):
    """The console runs on the real clock: keep the hall open all day for these tests."""
    hall.opens_at, hall.closes_at = time(0, 0), time(23, 59, 59)
    db.session.commit()
    return hall


@pytest.fixture
def officer(login_as, open_hall):
    client = login_as("counter")
    client.post("/queue/counters/1/sign-in", headers=HX)
    return client


def issue(hall, code="A", **kwargs):
    return queue.issue_ticket(hall, code, source="desk", now=utcnow(), **kwargs)


def test_the_console_is_a_full_page_or_a_partial(officer):
    page = officer.get("/queue/counters/1")
    assert page.status_code == 200
    assert "<html" in page.text and 'id="counter-1-panel"' in page.text
    assert 'id="queue-waiting-list"' in page.text and "js/queue.js" in page.text
    partial = officer.get("/queue/counters/1", headers=HX)
    assert "<html" not in partial.text and 'id="counter-1-panel"' in partial.text


def test_the_counter_list_links_to_each_main_hall_console(officer):
    response = officer.get("/queue/counters")
    assert response.status_code == 200
    assert 'href="/queue/counters/2"' in response.text
    # Enterprise-room counters are the room's clerks' (test_access_matrix.py).
    assert 'href="/queue/counters/10"' not in response.text


def test_an_enterprise_room_counter_has_no_main_hall_console(officer):
    assert officer.get("/queue/counters/10").status_code == 404
    assert officer.post("/queue/counters/10/next", headers=HX).status_code == 404


def test_an_unknown_counter_is_404(officer):
    assert officer.get("/queue/counters/99").status_code == 404


def test_an_officer_must_take_the_counter_before_acting(login_as, open_hall, db):
    client = login_as("counter", username="other")
    issue(open_hall)
    response = client.post("/queue/counters/1/next", headers=HX)
    assert response.status_code == 409
    assert "请先接管此窗口。" in response.text
    assert db.session.scalar(select(Ticket.status)) == "waiting"


def test_the_officer_calls_starts_and_finishes_from_the_console(officer, open_hall, db):
    issue(open_hall, needs={"senior": True, "interpreter": True})
    called = officer.post("/queue/counters/1/next", headers=HX | {"Accept-Language": "en"})
    assert called.status_code == 200
    assert "A001" in called.text and "Called A001." in called.text
    assert "Senior" in called.text and "Needs an interpreter" in called.text
    assert 'hx-swap-oob="true"' in called.text  # the waiting list rides along
    assert officer.post("/queue/counters/1/recall", headers=HX).status_code == 200
    assert officer.post("/queue/counters/1/start", headers=HX).status_code == 200
    done = officer.post("/queue/counters/1/finish", headers=HX | {"Accept-Language": "en"})
    assert "A001 done." in done.text and "Served here today: 1" in done.text
    db.session.rollback()
    steps = db.session.scalars(select(TicketEvent.step).order_by(TicketEvent.id)).all()
    assert steps == ["issued", "called", "recalled", "started", "finished"]


def test_nobody_waiting_is_a_calm_message(officer):
    response = officer.post("/queue/counters/1/next", headers=HX | {"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Nobody is waiting for this counter" in response.text


def test_illegal_steps_are_refused_in_both_languages_and_change_nothing(officer, open_hall, db):
    issue(open_hall)
    version = live.current_version(open_hall.id)
    en = officer.post("/queue/counters/1/finish", headers=HX | {"Accept-Language": "en"})
    zh = officer.post("/queue/counters/1/finish", headers=HX | {"Accept-Language": "zh-CN"})
    assert en.status_code == zh.status_code == 409
    assert "There is no ticket at this counter now." in en.text
    assert "本窗口当前没有号码。" in zh.text
    db.session.rollback()
    assert live.current_version(open_hall.id) == version
    assert db.session.scalar(select(func.count(TicketEvent.id))) == 1


def test_no_show_transfer_and_park_from_the_console(officer, open_hall, db):
    for _ in range(3):
        issue(open_hall)
    officer.post("/queue/counters/1/next", headers=HX)
    assert officer.post("/queue/counters/1/no-show", headers=HX).status_code == 200
    officer.post("/queue/counters/1/next", headers=HX)
    moved = officer.post(
        "/queue/counters/1/transfer", data={"service": "B"}, headers=HX | {"Accept-Language": "en"}
    )
    assert "A002 transferred as B001." in moved.text
    officer.post("/queue/counters/1/next", headers=HX)
    assert officer.post("/queue/counters/1/park", headers=HX).status_code == 200
    db.session.rollback()
    statuses = dict(
        db.session.execute(select(Ticket.number, Ticket.status).where(Ticket.service_id == 1)).all()
    )
    assert statuses == {1: "no_show", 2: "transferred", 3: "parked"}


def test_a_transfer_to_an_unknown_service_is_refused(officer, open_hall, db):
    issue(open_hall)
    officer.post("/queue/counters/1/next", headers=HX)
    response = officer.post("/queue/counters/1/transfer", data={"service": "Z"}, headers=HX)
    assert response.status_code == 409
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ticket.id))) == 1


def test_counter_state_buttons_pause_and_close(officer, open_hall, db):
    issue(open_hall)
    officer.post("/queue/counters/1/state", data={"state": "paused"}, headers=HX)
    refused = officer.post("/queue/counters/1/next", headers=HX)
    assert refused.status_code == 409
    bad = officer.post("/queue/counters/1/state", data={"state": "asleep"}, headers=HX)
    assert bad.status_code == 409
    officer.post("/queue/counters/1/state", data={"state": "open"}, headers=HX)
    assert officer.post("/queue/counters/1/next", headers=HX).status_code == 200


def test_the_waiting_list_answers_204_until_something_changes(officer, open_hall):
    version = live.current_version(open_hall.id)
    idle = officer.get(f"/queue/counters/1?since={version}", headers=HX)
    assert idle.status_code == 204 and idle.text == ""
    issue(open_hall, "B")
    changed = officer.get(f"/queue/counters/1?since={version}", headers=HX)
    assert changed.status_code == 200
    assert "B001" in changed.text
    assert f"since={version + 1}" in changed.text


def test_the_console_is_for_counter_officers(login_as, open_hall):
    assert login_as("guide").get("/queue/counters/1").status_code == 403


def test_parked_and_missed_tickets_return_from_the_console(officer, open_hall, db):
    for _ in range(3):
        issue(open_hall)
    officer.post("/queue/counters/1/next", headers=HX)
    parked = officer.post("/queue/counters/1/park", headers=HX | {"Accept-Language": "en"})
    assert "Back to the head" in parked.text
    officer.post("/queue/counters/1/next", headers=HX)
    missed = officer.post("/queue/counters/1/no-show", headers=HX | {"Accept-Language": "en"})
    assert "Came back: put in line" in missed.text
    db.session.rollback()
    first, second = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()[:2]
    back = officer.post(
        f"/queue/counters/1/tickets/{first.id}/unpark",
        data={"to": "head"},
        headers=HX | {"Accept-Language": "en"},
    )
    assert "A001 is back in the queue." in back.text
    recovered = officer.post(f"/queue/counters/1/tickets/{second.id}/recover", headers=HX)
    assert recovered.status_code == 200
    db.session.rollback()
    assert [t.status for t in db.session.scalars(select(Ticket).order_by(Ticket.id))] == [
        "waiting",
        "waiting",
        "waiting",
    ]
    called = officer.post("/queue/counters/1/next", headers=HX | {"Accept-Language": "en"})
    assert "Called A001." in called.text


def test_a_ticket_of_another_counters_services_cannot_be_returned_here(login_as, open_hall, db):
    officer = login_as("counter")
    b_only = make_counter(open_hall, 3, [s for s in open_hall.services if s.code == "B"])
    officer.post(f"/queue/counters/{b_only.number}/sign-in", headers=HX)
    ticket = issue(open_hall)
    response = officer.post(f"/queue/counters/3/tickets/{ticket.id}/unpark", headers=HX)
    assert response.status_code == 409


def test_a_counter_mid_service_is_taken_over_only_after_confirming(
    officer, login_as, open_hall, db
):
    issue(open_hall)
    officer.post("/queue/counters/1/next", headers=HX)
    colleague = login_as("counter", username="colleague")

    asked = colleague.post("/queue/counters/1/sign-in", headers=HX | {"Accept-Language": "en"})
    assert asked.status_code == 409
    assert "Another officer is serving a ticket at this counter" in asked.text
    assert 'id="counter-1-take-over"' in asked.text and "take_over" in asked.text
    db.session.rollback()
    held = db.session.scalar(select(Counter.officer_id).where(Counter.number == 1))
    assert held == officer.staff.id

    taken = colleague.post("/queue/counters/1/sign-in", data={"take_over": "1"}, headers=HX)
    assert taken.status_code == 200
    db.session.rollback()
    held = db.session.scalar(select(Counter.officer_id).where(Counter.number == 1))
    assert held == colleague.staff.id


def test_an_idle_counter_is_taken_without_asking(officer, login_as, open_hall, db):
    colleague = login_as("counter", username="colleague")
    assert colleague.post("/queue/counters/1/sign-in", headers=HX).status_code == 200
