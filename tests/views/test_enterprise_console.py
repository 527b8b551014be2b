"""The enterprise room's counters on the one console: the room's own part (link the ticket
to an enterprise, record the registration as it finishes) and the console's every key."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hallapp.extensions import db
from hallapp.models import EnterpriseTicket, RegistrationService, Ticket, utcnow
from hallapp.services import enterprise as rooms
from hallapp.services import live, queue
from tests.builders import make_counter, make_hall, make_ticket, open_counter
from tests.enterprise_builders import make_enterprise, make_member
from tests.views.test_query_budgets import cost

HX = {"HX-Request": "true"}
EN = HX | {"Accept-Language": "en"}


@pytest.fixture
def clerk(login_as):
    return login_as("enterprise", username="clerk")


@pytest.fixture
def at_counter(clerk):
    assert clerk.post("/queue/counters/10/sign-in", headers=HX).status_code == 200
    return clerk


@pytest.fixture
def enterprise(hall):
    return make_enterprise(hall, "12345678", name_zh="港丰贸易有限公司")


@pytest.fixture
def member(enterprise):
    return make_member(enterprise, "王小明", "C12345678")


def issue(hall, **kwargs):
    return make_ticket(hall, "E", now=utcnow(), **kwargs)


def _status(ticket_id) -> str:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id).status


def test_the_old_console_addresses_lead_to_the_one_console(clerk):
    listing = clerk.get("/enterprise/counters")
    assert (listing.status_code, listing.headers["Location"]) == (301, "/queue/counters")
    page = clerk.get("/enterprise/counters/10")
    assert (page.status_code, page.headers["Location"]) == (301, "/queue/counters/10")


def test_a_clerk_lists_and_opens_only_the_rooms_counters(clerk):
    listing = clerk.get("/queue/counters").text
    assert 'href="/queue/counters/10"' in listing and 'href="/queue/counters/1"' not in listing
    page = clerk.get("/queue/counters/10")
    assert page.status_code == 200 and "<html" in page.text
    assert 'id="counter-10-panel"' in page.text and 'id="queue-waiting-list"' in page.text
    assert "企业服务室" in page.text  # the room is named where the page says where you are
    assert clerk.get("/queue/counters/1").status_code == 404
    assert clerk.post("/queue/counters/1/sign-in", headers=HX).status_code == 404


def test_the_menu_takes_a_clerk_to_the_counter_console(clerk):
    assert 'href="/queue/counters"' in clerk.get("/").text


def test_the_console_calls_links_and_serves_a_ticket(at_counter, hall, enterprise, member):
    ticket = issue(hall)
    called = at_counter.post("/queue/counters/10/next", headers=HX).text
    assert "E001" in called and "<html" not in called
    assert 'id="counter-10-enterprise"' in called and 'id="counter-10-enterprise-q"' in called
    found = at_counter.get("/queue/counters/10/enterprises?q=港丰", headers=HX).text
    assert 'id="counter-10-enterprise-matches"' in found and "港丰贸易有限公司" in found
    assert "<html" not in found
    linked = at_counter.post(
        "/queue/counters/10/enterprise/link", data={"enterprise_id": enterprise.id}, headers=EN
    )
    assert linked.status_code == 200
    assert "E001 is for 港丰贸易有限公司." in linked.text and "王小明" in linked.text
    assert 'hx-swap-oob="true"' in linked.text  # the waiting list rides along
    served = at_counter.post(
        "/queue/counters/10/enterprise/serve",
        data={"member_ids": [str(member.id)], "outcome": "completed", "documents_checked": "BR"},
        headers=EN,
    )
    assert served.status_code == 200
    assert "E001 finished; the service for 港丰贸易有限公司 was recorded." in served.text
    assert _status(ticket.id) == "done"
    service = db.session.scalar(select(RegistrationService))
    assert (service.ticket_id, service.mode, service.documents_checked) == (
        ticket.id,
        "on_the_spot",
        "BR",
    )


def test_the_search_works_without_javascript(at_counter, hall, enterprise):
    issue(hall)
    at_counter.post("/queue/counters/10/next", headers=HX)
    page = at_counter.get("/queue/counters/10?q=12345678")
    assert "<html" in page.text and "港丰贸易有限公司" in page.text
    nothing = at_counter.get("/queue/counters/10/enterprises?q=nobody&lang=en", headers=HX)
    assert "No enterprise matches" in nothing.text


def test_serving_without_people_keeps_the_ticket_and_says_why(at_counter, hall, enterprise, member):
    ticket = issue(hall)
    at_counter.post("/queue/counters/10/next", headers=HX)
    at_counter.post(
        "/queue/counters/10/enterprise/link", data={"enterprise_id": enterprise.id}, headers=HX
    )
    refused = at_counter.post(
        "/queue/counters/10/enterprise/serve",
        data={"outcome": "completed", "documents_checked": "kept"},
        headers=EN,
    )
    assert refused.status_code == 422
    assert "Choose at least one person" in refused.text
    assert "kept" in refused.text  # what the clerk typed stays in the form
    assert _status(ticket.id) == "called"
    assert db.session.scalar(select(func.count()).select_from(RegistrationService)) == 0


def test_an_unlinked_ticket_cannot_be_served(at_counter, hall, member):
    issue(hall)
    at_counter.post("/queue/counters/10/next", headers=HX)
    refused = at_counter.post(
        "/queue/counters/10/enterprise/serve", data={"member_ids": [str(member.id)]}, headers=EN
    )
    assert refused.status_code == 422
    assert "link it to an enterprise first" in refused.text


def test_an_enterprise_of_another_hall_cannot_be_linked(at_counter, hall):
    elsewhere = make_enterprise(make_hall("north"), "7654321")
    issue(hall)
    at_counter.post("/queue/counters/10/next", headers=HX)
    refused = at_counter.post(
        "/queue/counters/10/enterprise/link", data={"enterprise_id": elsewhere.id}, headers=HX
    )
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(EnterpriseTicket)) == 0


def test_a_checked_in_booking_comes_with_its_people_ticked(at_counter, hall, enterprise, member):
    booking = rooms.book_appointment(
        enterprise,
        starts_at=utcnow() + timedelta(minutes=30),
        member_ids=[member.id],
        actor=at_counter.staff,
    )
    rooms.check_in_appointment(booking, actor=at_counter.staff)
    called = at_counter.post("/queue/counters/10/next", headers=HX).text
    assert "港丰贸易有限公司" in called
    assert (
        f'<input checked id="member_ids-0" name="member_ids" type="checkbox" value="{member.id}">'
        in called
    )


@pytest.mark.parametrize("step", ["recall", "start", "no-show", "park"])
def test_the_room_has_the_consoles_keys(at_counter, hall, step):
    ticket = issue(hall)
    at_counter.post("/queue/counters/10/next", headers=HX)
    assert at_counter.post(f"/queue/counters/10/{step}", headers=HX).status_code == 200
    expected = {"recall": "called", "start": "serving", "no-show": "no_show", "park": "parked"}
    assert _status(ticket.id) == expected[step]


def test_finish_transfer_walkout_and_cancel_at_an_enterprise_counter(at_counter, hall):
    first, second, third = issue(hall), issue(hall), issue(hall)
    at_counter.post("/queue/counters/10/next", headers=HX)
    at_counter.post("/queue/counters/10/start", headers=HX)
    assert at_counter.post("/queue/counters/10/finish", headers=HX).status_code == 200
    at_counter.post("/queue/counters/10/next", headers=HX)
    moved = at_counter.post("/queue/counters/10/transfer", data={"service": "A"}, headers=EN)
    assert "E002 transferred as A001." in moved.text
    walked = at_counter.post(f"/queue/counters/10/tickets/{third.id}/walkout", headers=HX)
    assert walked.status_code == 200
    statuses = [_status(t.id) for t in (first, second, third)]
    assert statuses == ["done", "transferred", "walked_out"]
    fourth = issue(hall)
    at_counter.post("/queue/counters/10/next", headers=HX)
    cancelled = at_counter.post(f"/queue/counters/10/tickets/{fourth.id}/cancel", headers=HX)
    assert cancelled.status_code == 200 and _status(fourth.id) == "cancelled"


def test_the_waiting_list_answers_204_while_nothing_changed(clerk, hall):
    version = live.current_version(hall.id)
    idle = clerk.get(f"/queue/counters/10?since={version}", headers=HX)
    assert idle.status_code == 204
    issue(hall)
    changed = clerk.get(f"/queue/counters/10?since={version}", headers=HX)
    assert changed.status_code == 200 and "E001" in changed.text


def test_only_the_clerk_who_took_the_counter_calls_from_it(at_counter, login_as, hall):
    issue(hall)
    colleague = login_as("enterprise", username="colleague")
    for step in ("next", "enterprise/link", "enterprise/serve"):
        response = colleague.post(f"/queue/counters/10/{step}", headers=EN)
        assert response.status_code == 409, step
        assert "Take this counter first" in response.text


def test_a_counter_officer_has_no_enterprise_counter(login_as, hall):
    officer = login_as("counter")
    assert officer.get("/queue/counters/10").status_code == 404
    assert officer.post("/queue/counters/10/enterprise/link", headers=HX).status_code == 403


def test_a_counter_in_a_room_of_its_own_hall_only(clerk):
    other = make_hall("north")
    make_counter(other, 11, [], room="enterprise")
    assert clerk.get("/queue/counters/11").status_code == 404


@pytest.fixture
def busy_room(db, hall, enterprise, member):
    """A morning in the room: three services finished (estimates have something to say)
    and forty waiting."""
    counter = open_counter(hall, 10)
    start = utcnow() - timedelta(hours=1)
    for n in range(3):
        make_ticket(hall, "E", now=start + timedelta(minutes=n))
        ticket = queue.call_next(counter, now=start + timedelta(minutes=5 + n * 3))
        queue.start(ticket, now=start + timedelta(minutes=5 + n * 3))
        queue.finish(ticket, now=start + timedelta(minutes=7 + n * 3))
    for n in range(40):
        make_ticket(hall, "E", now=start + timedelta(minutes=20, seconds=n))
    return hall


# The console's keys cost what they cost at a main-hall counter (test_query_budgets.py): the
# ticket and its enterprise come in one read. Linking writes the link and its audit line;
# serving is a start, a finish and the registration (its row, its people, its audit line),
# and the finish makes the wait estimates measure again (the hall's services, then theirs).
@pytest.mark.parametrize(
    ("step", "budget"),
    [
        ("next", 25),
        ("recall", 25),
        ("start", 25),
        ("finish", 25),
        ("no-show", 25),
        ("park", 25),
        ("link", 31),
        ("serve", 36),
    ],
)
def test_each_enterprise_console_step_keeps_the_consoles_budget(
    busy_room, at_counter, db, enterprise, member, step, budget
):
    if step != "next":
        at_counter.post("/queue/counters/10/next", headers=HX)
    if step in ("finish", "serve"):
        at_counter.post(
            "/queue/counters/10/enterprise/link", data={"enterprise_id": enterprise.id}, headers=HX
        )
    if step == "finish":
        at_counter.post("/queue/counters/10/start", headers=HX)
    url, data = {
        "link": ("/queue/counters/10/enterprise/link", {"enterprise_id": enterprise.id}),
        "serve": (
            "/queue/counters/10/enterprise/serve",
            {"member_ids": [str(member.id)], "outcome": "completed"},
        ),
    }.get(step, (f"/queue/counters/10/{step}", {}))
    assert cost(db, lambda: at_counter.post(url, data=data, headers=HX)) <= budget
