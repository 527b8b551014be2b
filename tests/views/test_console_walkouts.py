"""People who leave: walkout and cancel at the console; what the board and lists show after."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from hallapp.models import Ticket, TicketEvent, utcnow
from hallapp.services import live, notifications, public, queue
from tests.builders import make_hall, make_service
from tests.public_builders import call, issue, open_all_day, open_counter

HX = {"HX-Request": "true"}


@pytest.fixture
def officer(login_as, hall):
    open_counter(hall, 1)
    client = login_as("counter")
    client.post("/queue/counters/1/sign-in", headers=HX)
    return client


def status_of(db, ticket_id: int) -> str:
    db.session.rollback()
    return db.session.get(Ticket, ticket_id).status


def test_the_console_records_a_walkout_from_the_waiting_list(officer, db, hall):
    first = issue(hall, "A", now=utcnow())
    page = officer.get("/queue/counters/1").get_data(as_text=True)
    assert f'hx-post="/queue/counters/1/tickets/{first.id}/walkout"' in page
    assert 'data-key="w"' in page and "<kbd>W</kbd>" in page
    version = live.current_version(hall.id)

    response = officer.post(f"/queue/counters/1/tickets/{first.id}/walkout", headers=HX)

    assert response.status_code == 200
    assert "A001" in response.get_data(as_text=True)  # the message names the ticket
    assert status_of(db, first.id) == "walked_out"
    assert live.current_version(hall.id) > version  # boards and lists poll the change
    steps = db.session.scalars(select(TicketEvent.step).where(TicketEvent.ticket_id == first.id))
    assert "walked_out" in list(steps)


def test_the_console_cancels_the_called_ticket_with_its_key(officer, db, hall):
    mine = issue(hall, "A", now=utcnow())
    officer.post("/queue/counters/1/next", headers=HX)
    panel = officer.get("/queue/counters/1", headers=HX).get_data(as_text=True)
    assert 'data-key="c"' in panel
    assert f'hx-post="/queue/counters/1/tickets/{mine.id}/cancel"' in panel

    response = officer.post(f"/queue/counters/1/tickets/{mine.id}/cancel", headers=HX)

    assert response.status_code == 200
    assert status_of(db, mine.id) == "cancelled"
    assert queue.current_ticket(open_counter(hall, 1)) is None


def test_a_finished_ticket_cannot_be_walked_out(officer, db, hall):
    mine = issue(hall, "A", now=utcnow())
    officer.post("/queue/counters/1/next", headers=HX)
    officer.post("/queue/counters/1/start", headers=HX)
    officer.post("/queue/counters/1/finish", headers=HX)
    response = officer.post(f"/queue/counters/1/tickets/{mine.id}/walkout", headers=HX)
    assert response.status_code == 409
    assert status_of(db, mine.id) == "done"


def test_a_ticket_of_another_hall_is_not_found_from_this_console(officer, db):
    other = make_hall("other")
    make_service(other, "A")
    open_all_day(other)
    theirs = issue(other, "A", now=utcnow())
    response = officer.post(f"/queue/counters/1/tickets/{theirs.id}/cancel", headers=HX)
    assert response.status_code == 409
    assert status_of(db, theirs.id) == "waiting"


def test_a_transferred_ticket_shows_the_visitors_arrival_not_the_transfer(officer, db, hall):
    arrived = utcnow() - timedelta(minutes=40)
    first = issue(hall, "B", now=arrived)
    new = queue.transfer(first, "A", now=utcnow())
    page = officer.get("/queue/counters/1").get_data(as_text=True)
    row = page[page.index(f'id="waiting-{new.id}"') :]
    row = row[: row.index("</tr>")]
    local = arrived.astimezone(queue.hall_zone(hall)).strftime("%H:%M")
    assert local in row


def test_the_boards_recent_calls_list_a_recalled_ticket_once_with_a_mark(db, hall):
    open_counter(hall, 1)
    now = utcnow()
    issue(hall, "A", now=now)
    issue(hall, "A", now=now)
    first = call(hall, 1, now=now)
    queue.recall(first, now=now + timedelta(seconds=10))
    queue.recall(first, now=now + timedelta(seconds=20))
    queue.start(first, now=now + timedelta(seconds=30))
    queue.finish(first, now=now + timedelta(seconds=40))
    call(hall, 1, now=now + timedelta(seconds=50))

    board = public.board(hall, now=now + timedelta(minutes=1))

    assert [c.label for c in board.now_calling] == ["A002"]
    assert [(c.label, c.recall) for c in board.recent] == [("A001", True)]


def test_the_board_page_marks_the_recalled_ticket_in_recent_calls(client, db, hall):
    open_counter(hall, 1)
    now = utcnow()
    issue(hall, "A", now=now)
    issue(hall, "A", now=now)
    first = call(hall, 1, now=now)
    queue.recall(first, now=now)
    queue.start(first, now=now)
    queue.finish(first, now=now)
    call(hall, 1, now=now)
    html = client.get("/display/demo?lang=en").get_data(as_text=True)
    recent = html[html.index('id="board-recent"') :]
    recent = recent[: recent.index("</ul>")]
    assert recent.count('data-recent-ticket="A001"') == 1
    assert "Called again" in recent


def test_the_notify_round_looks_only_at_halls_that_changed(db, hall, monkeypatch):
    issue(hall, "A", now=utcnow())
    seen: dict[int, int] = {}
    asked: list = []
    real = notifications.enqueue_due

    def spy(*, now, hall_ids=None):
        asked.append(hall_ids)
        return real(now=now, hall_ids=hall_ids)

    monkeypatch.setattr(notifications, "enqueue_due", spy)
    notifications.enqueue_for_changed_halls(now=utcnow(), seen=seen)
    notifications.enqueue_for_changed_halls(now=utcnow(), seen=seen)
    other = make_hall("other")
    make_service(other, "A")
    open_all_day(other)
    issue(other, "A", now=utcnow())
    notifications.enqueue_for_changed_halls(now=utcnow(), seen=seen)
    assert asked == [[hall.id], [other.id]]
