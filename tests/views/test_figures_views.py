"""The hall now seen through every screen and the API; the supervisor's board; journeys."""

import re
from datetime import timedelta

import pytest

from hallapp.services import devices, live, queue
from tests.builders import make_hall
from tests.clock import beijing
from tests.figures_builders import NOW, build_fixture_day, ticket_of
from tests.public_builders import KIOSK_TOKEN, make_kiosk_token, open_all_day

WAITING = re.compile(r'data-service="(\w)" data-waiting="(\d+)"')


def _waiting_in(html: str) -> dict[str, int]:
    return {code: int(count) for code, count in WAITING.findall(html)}


def test_board_api_kiosk_and_desk_agree_just_after_local_midnight(
    client, hall, login_as, clock, db
):
    open_all_day(hall)
    # Yesterday's tickets left waiting, and today's from just after midnight (still
    # 1 December in UTC) and from the morning (2 December in UTC).
    for code, instant in (
        ("A", beijing(2026, 12, 1, 23, 40)),
        ("B", beijing(2026, 12, 1, 23, 50)),
        ("A", beijing(2026, 12, 2, 0, 2)),
        ("B", beijing(2026, 12, 2, 8, 40)),
        ("A", beijing(2026, 12, 2, 8, 50)),
    ):
        queue.issue_ticket(hall, code, source="desk", now=instant)
    clock.move_to(beijing(2026, 12, 2, 9, 0), tick=False)
    expected = {"A": 2, "B": 1, "E": 0}

    _row, raw = devices.create_device_token(hall, "display", now=NOW)
    bearer = {"Authorization": f"Bearer {raw}"}
    api_display = client.get("/api/v1/display", headers=bearer).get_json()
    api_services = client.get("/api/v1/services", headers=bearer).get_json()
    make_kiosk_token(hall)
    kiosk = client.post(
        f"/kiosk/{hall.code}/setup", data={"token": KIOSK_TOKEN}, follow_redirects=True
    )
    board = client.get(f"/display/{hall.code}")
    desk = login_as("guide").get("/desk/overview", headers={"HX-Request": "true"})
    supervisor = login_as("supervisor").get("/supervisor/")

    assert {row["service"]: row["waiting"] for row in api_display["waiting"]} == expected
    assert {row["code"]: row["waiting"] for row in api_services["services"]} == expected
    assert _waiting_in(board.text) == expected
    assert _waiting_in(kiosk.text) == expected
    assert _waiting_in(desk.text) == expected
    assert _waiting_in(supervisor.text) == expected


def test_api_services_say_tickets_left_and_why_there_is_no_estimate(client, hall, db, clock):
    open_all_day(hall)
    b = next(service for service in hall.services if service.code == "B")
    b.daily_limit = 5
    db.session.commit()
    queue.issue_ticket(hall, "B", source="desk", now=NOW)
    _row, raw = devices.create_device_token(hall, "display", now=NOW)
    clock.move_to(NOW, tick=False)
    body = client.get("/api/v1/services", headers={"Authorization": f"Bearer {raw}"}).get_json()
    rows = {row["code"]: row for row in body["services"]}
    assert rows["B"]["tickets_left"] == 4 and rows["A"]["tickets_left"] is None
    assert rows["B"]["estimate"] == "no_counter" and rows["A"]["estimate"] == "nobody_ahead"


@pytest.fixture
def day(hall, clock):
    found = build_fixture_day(hall)
    clock.move_to(NOW, tick=False)
    return found


def test_the_supervisors_home_is_the_live_board(login_as, day):
    supervisor = login_as("supervisor")
    home = supervisor.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/supervisor/")
    page = supervisor.get("/supervisor/")
    assert page.status_code == 200 and "<html" in page.text
    text = page.text
    for element, value in (
        ("supervisor-in-hall", "2"),
        ("supervisor-red", "1"),
        ("supervisor-amber", "0"),
        ("supervisor-share", "75%"),
        ("supervisor-done", "4"),
        ("supervisor-no-shows", "1"),
        ("supervisor-suggestions", "2"),
        ("supervisor-overdue", "1"),
        ("supervisor-cases", "1"),
        ("supervisor-appointments", "1"),
    ):
        assert f'id="{element}">{value}<' in text, element
    assert "Officer One: 2" in text and "Officer Two: 2" in text
    assert f'/supervisor/visits/{day.visits["V5"]}"' in text
    # Other roles keep their menu.
    assert login_as("guide").get("/").status_code == 200


def test_the_board_answers_204_until_the_hall_changes_or_the_minute_moves_on(login_as, day, clock):
    supervisor = login_as("supervisor")
    version = live.current_version(day.hall.id)
    partial = {"HX-Request": "true"}
    url = f"/supervisor/?since={version}&minute=202612010950"
    assert supervisor.get(url, headers=partial).status_code == 204
    clock.move_to(NOW + timedelta(minutes=1), tick=False)
    moved = supervisor.get(url, headers=partial)
    assert moved.status_code == 200 and "<html" not in moved.text
    assert 'id="supervisor-board"' in moved.text
    queue.issue_ticket(day.hall, "A", source="desk", now=NOW + timedelta(minutes=1))
    url = f"/supervisor/?since={version}&minute=202612010951"
    assert supervisor.get(url, headers=partial).status_code == 200


def test_the_desk_overview_shows_the_same_flags_as_the_board(login_as, day, clock):
    guide = login_as("guide")
    overview = guide.get("/desk/overview", headers={"HX-Request": "true"}).text
    assert 'id="desk-flagged-red">1<' in overview and 'id="desk-flagged-amber">0<' in overview
    assert f'/supervisor/visits/{day.visits["V5"]}"' in overview
    # Two minutes on, V6 has been in the hall 9 minutes: amber.
    clock.move_to(NOW + timedelta(minutes=2), tick=False)
    overview = guide.get("/desk/overview", headers={"HX-Request": "true"}).text
    assert 'id="desk-flagged-amber">1<' in overview


@pytest.mark.parametrize("role", ["supervisor", "guide", "counter"])
def test_a_visits_journey_opens_for_those_who_step_in(login_as, day, role):
    page = login_as(role).get(f"/supervisor/visits/{day.visits['V2']}")
    assert page.status_code == 200
    assert page.text.count("data-step=") == 9
    assert "12" in page.text


def test_a_visit_of_another_hall_or_unknown_is_not_found(login_as, day, db):
    other = make_hall("other")
    open_all_day(other)
    from tests.builders import make_service

    make_service(other, "A")
    foreign = queue.issue_ticket(other, "A", source="desk", now=NOW)
    supervisor = login_as("supervisor")
    assert supervisor.get(f"/supervisor/visits/{foreign.visit_id}").status_code == 404
    assert supervisor.get("/supervisor/visits/999999").status_code == 404


def test_the_board_and_journey_are_refused_to_other_roles(login_as, day):
    assert login_as("guide").get("/supervisor/").status_code == 403
    assert login_as("admin").get(f"/supervisor/visits/{day.visits['V1']}").status_code == 403


def test_the_counter_console_reads_the_hall_now_and_links_to_the_journey(login_as, day, db):
    officer = login_as("counter")
    counter = next(c for c in day.hall.counters if c.number == 2)
    queue.sign_in_to_counter(counter, officer.staff, now=NOW)
    queue.set_counter_state(counter, "open", now=NOW, actor=officer.staff)
    page = officer.get("/queue/counters/2")
    assert page.status_code == 200
    # Waiting for B and A today: V5 and V6; served at counter 2 today: 2.
    assert 'id="queue-waiting-count">2<' in page.text
    assert "2" in page.text.split('id="queue-served-today">')[1].split("<")[0]
    called = queue.call_next(counter, now=NOW, actor=officer.staff)
    page = officer.get("/queue/counters/2")
    assert f'/supervisor/visits/{called.visit_id}"' in page.text


def test_the_tracking_page_says_how_long_the_visit_took(client, day):
    done = client.get(f"/t/{ticket_of(day.visits['V1']).public_id}")
    assert 'id="track-visit-time"' in done.text and "7" in done.text
    waiting = client.get(f"/t/{ticket_of(day.visits['V6']).public_id}")
    assert 'id="track-visit-time"' not in waiting.text


def test_the_tracking_page_says_nobody_is_ahead_and_no_estimate_yet(client, hall, clock, db):
    from tests.public_builders import open_counter

    open_all_day(hall)
    clock.move_to(NOW, tick=False)
    first = queue.issue_ticket(hall, "A", source="desk", now=NOW)
    second = queue.issue_ticket(hall, "A", source="desk", now=NOW)
    open_counter(hall, 1)
    first_page = client.get(f"/t/{first.public_id}", headers={"Accept-Language": "en"}).text
    assert 'id="track-ahead">0<' in first_page
    assert "nobody is ahead of you" in first_page
    second_page = client.get(f"/t/{second.public_id}", headers={"Accept-Language": "en"}).text
    assert "no estimate yet" in second_page


def test_the_desk_says_no_estimate_yet_when_counters_are_open_but_nothing_was_served(
    login_as, hall, clock
):
    from tests.public_builders import open_counter

    open_all_day(hall)
    clock.move_to(NOW, tick=False)
    queue.issue_ticket(hall, "A", source="desk", now=NOW)
    guide = login_as("guide")
    closed = guide.get("/desk/overview", headers={"HX-Request": "true"}).text
    assert "无窗口开放" in closed and "暂无预计时间" not in closed
    open_counter(hall, 1)
    opened = guide.get("/desk/overview", headers={"HX-Request": "true"}).text
    assert "暂无预计时间" in opened and "无窗口开放" not in opened.split("<tbody>")[1]
    assert "无人等候" in opened  # service B: nobody waiting, so no wait at all


def test_the_console_says_next_in_line_not_unknown(login_as, hall, clock):
    open_all_day(hall)
    clock.move_to(NOW, tick=False)
    queue.issue_ticket(hall, "A", source="desk", now=NOW)
    queue.issue_ticket(hall, "A", source="desk", now=NOW)
    officer = login_as("counter")
    counter = next(c for c in hall.counters if c.number == 1)
    queue.sign_in_to_counter(counter, officer.staff, now=NOW)
    page = officer.get("/queue/counters/1").text
    waiting = page.split('id="queue-waiting-list"')[1]
    assert "下一位" in waiting and "暂无预计时间" in waiting and "未知" not in waiting


def test_the_desk_links_the_tickets_it_issues_to_the_visits_journey(login_as, hall, db):
    open_all_day(hall)
    guide = login_as("guide")
    issued = guide.post("/desk/triage", data={"services": ["A", "B"]})
    assert issued.status_code == 200
    link = re.search(r'id="desk-visit-journey" href="(/supervisor/visits/\d+)"', issued.text)
    journey = guide.get(link.group(1))
    assert journey.status_code == 200 and "A001" in journey.text and "B001" in journey.text
