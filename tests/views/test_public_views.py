import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hallapp.models import CalendarDay, Service, utcnow
from hallapp.models.notifications import OutboxMessage
from hallapp.models.queue import Ticket, Visit
from hallapp.services import live, notifications, queue
from tests.builders import make_service
from tests.clock import beijing
from tests.public_builders import (
    KIOSK_TOKEN,
    call,
    issue,
    make_kiosk_token,
    open_all_day,
    open_counter,
)

# What must never reach a public page: names, document numbers, phone numbers.
PERSONAL = ["张伟", "440305200001011235", "13800138000", "Test counter"]


@pytest.fixture
def open_hall(hall):
    open_all_day(hall)
    for number in (1, 2, 10):
        open_counter(hall, number)
    return hall


@pytest.fixture
def kiosk(client, open_hall):
    """A browser whose kiosk session was opened with the hall's kiosk token."""
    make_kiosk_token(open_hall)
    response = client.post(f"/kiosk/{open_hall.code}/setup", data={"token": KIOSK_TOKEN})
    assert response.status_code == 303
    return client


def tickets_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Ticket.id)))


def assert_nothing_personal(html: str) -> None:
    for value in PERSONAL:
        assert value not in html


def test_display_board_shows_the_call_in_big_and_no_personal_data(client, open_hall, login_as):
    clerk = login_as("counter").staff
    clerk.full_name = "张伟"
    ticket = issue(open_hall, "A", now=utcnow())
    ticket.visit.senior = True
    queue.sign_in_to_counter(open_counter(open_hall, 1), clerk, now=utcnow())
    call(open_hall, 1, now=utcnow())

    page = client.get("/display/demo")

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert 'id="board-call-A001"' in html
    assert "1 号窗口" in html
    assert_nothing_personal(html)


def test_display_partial_is_204_until_the_hall_changes(client, open_hall):
    now = utcnow()
    first = client.get("/display/demo?since=0", headers={"HX-Request": "true"})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "<html" not in html and 'id="public-board"' in html
    version = live.current_version(open_hall.id)
    minute = re.search(r"minute=(\d+)", html).group(1)

    same = client.get(
        f"/display/demo?since={version}&minute={minute}", headers={"HX-Request": "true"}
    )
    issue(open_hall, "A", now=now)
    changed = client.get(
        f"/display/demo?since={version}&minute={minute}&after=0", headers={"HX-Request": "true"}
    )

    assert same.status_code == 204 or minute != re.search(  # the minute may just have turned
        r"minute=(\d+)", changed.get_data(as_text=True)
    ).group(1)
    assert changed.status_code == 200
    assert f"since={live.current_version(open_hall.id)}" in changed.get_data(as_text=True)


def test_display_partial_carries_new_calls_to_announce_once(client, open_hall):
    issue(open_hall, "A", now=utcnow())
    issue(open_hall, "B", now=utcnow())
    call(open_hall, 1, now=utcnow())
    call(open_hall, 2, now=utcnow())

    html = client.get("/display/demo?after=0&voices=en", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    announced = re.findall(r'data-announce="(\d+)" data-ticket="(\w+)"', html)
    assert [label for _id, label in announced] == ["A001", "B001"]
    assert "请 A 0 0 1 号到 1 号窗口办理" in html
    assert "please go to counter 2" in html
    last = re.search(r'data-last-event="(\d+)"', html).group(1)
    again = client.get(f"/display/demo?after={last}", headers={"HX-Request": "true"})
    assert "data-announce=" not in again.get_data(as_text=True)


def test_display_full_page_announces_nothing_already_shown(client, open_hall):
    issue(open_hall, "A", now=utcnow())
    call(open_hall, 1, now=utcnow())
    html = client.get("/display/demo").get_data(as_text=True)
    assert "data-announce=" not in html
    assert 'id="board-call-A001"' in html


def test_display_of_the_enterprise_room_shows_only_its_services(client, open_hall):
    html = client.get("/display/demo?room=enterprise").get_data(as_text=True)
    assert "企业" in html or "Enterprise" in html
    waiting = html.split('id="board-waiting"')[1].split("</ul>")[0]
    assert ">E<" in waiting and ">A<" not in waiting


def close_today(db, hall) -> None:
    """A public holiday today: closed whatever the hour the test runs at."""
    today = utcnow().astimezone(ZoneInfo(hall.timezone)).date()
    db.session.add(CalendarDay(hall_id=hall.id, day=today, kind="holiday"))
    db.session.commit()


def test_display_outside_opening_hours_says_so(client, hall, db):
    close_today(db, hall)
    html = client.get("/display/demo?lang=en").get_data(as_text=True)
    assert "The hall is closed now." in html


@pytest.mark.parametrize(
    ("path", "lang", "words"),
    [
        ("/display/nowhere", "zh_Hans_CN", "没有这个大厅"),
        ("/display/nowhere", "en", "There is no such hall"),
        ("/kiosk/nowhere", "zh_Hant_HK", "沒有這個大廳"),
        ("/t/not-a-real-ticket-id", "en", "We cannot find this ticket"),
        ("/t/%3Cscript%3E", "zh_Hans_CN", "找不到这张号票"),
        ("/t/AAAAAAAAAAAAAAAAAAAAAA/print", "en", "We cannot find this ticket"),
    ],
)
def test_bad_addresses_get_a_friendly_page_in_the_visitors_language(
    client, hall, path, lang, words
):
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 404
    assert words in response.get_data(as_text=True)
    assert "<html" in response.get_data(as_text=True)


def test_kiosk_without_a_token_is_not_set_up_and_issues_nothing(client, open_hall, db):
    page = client.get("/kiosk/demo?lang=en")
    posted = client.post("/kiosk/demo/tickets?lang=en", data={"service": "A"})
    wrong = client.post("/kiosk/demo/setup?lang=en", data={"token": "guessed"})

    assert page.status_code == 401 and "This kiosk is not set up" in page.get_data(as_text=True)
    assert posted.status_code == 401
    assert "not valid for this hall" in wrong.get_data(as_text=True)
    assert tickets_count(db) == 0


def test_kiosk_token_opens_a_session_bound_to_its_hall(kiosk, open_hall):
    from tests.builders import make_standard_hall

    make_standard_hall("north")
    page = kiosk.get("/kiosk/demo")
    elsewhere = kiosk.get("/kiosk/north")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="kiosk-service-A"' in html and "普通护照" in html and "Passport" in html
    assert KIOSK_TOKEN not in html
    assert elsewhere.status_code == 401


def test_a_token_in_the_query_string_opens_nothing(client, open_hall):
    """The token would sit in every access log: only the form (or #token=, via JS) opens."""
    make_kiosk_token(open_hall)
    response = client.get(f"/kiosk/demo?token={KIOSK_TOKEN}")
    assert response.status_code == 401
    assert client.get("/kiosk/demo").status_code == 401
    assert 'id="kiosk-setup-form"' in response.get_data(as_text=True)


def test_a_kiosk_session_lasts_a_working_day(client, open_hall, clock):
    make_kiosk_token(open_hall)
    clock.move_to(beijing(2026, 12, 1, 8, 0), tick=False)
    client.post("/kiosk/demo/setup", data={"token": KIOSK_TOKEN})
    clock.move_to(beijing(2026, 12, 1, 19, 30), tick=False)
    assert client.get("/kiosk/demo").status_code == 200
    clock.move_to(beijing(2026, 12, 2, 8, 30), tick=False)
    assert client.get("/kiosk/demo").status_code == 401


def test_staff_can_set_up_a_kiosk_for_seniors_by_typing_the_token(client, open_hall):
    make_kiosk_token(open_hall)
    response = client.post("/kiosk/demo/setup", data={"token": KIOSK_TOKEN, "seniors": "y"})
    page = client.get("/kiosk/demo").get_data(as_text=True)
    assert response.status_code == 303
    assert re.search(r'<html[^>]*class="[^"]*large-text[^"]*high-contrast', page)


def test_kiosk_issues_a_ticket_and_shows_the_slip(kiosk, open_hall, db):
    response = kiosk.post("/kiosk/demo/tickets", data={"service": "A", "senior": "y"})

    assert response.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.source == "kiosk" and ticket.priority_class == "senior"
    slip = kiosk.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="ticket-number"' in slip and "A001" in slip
    assert 'data-autoprint="true"' in slip and f'data-public-id="{ticket.public_id}"' in slip
    assert 'src="data:image/svg+xml' in slip


def test_a_seniors_kiosk_keeps_large_text_on_the_ticket_and_the_citizen_can_turn_it_off(
    client, open_hall, db
):
    make_kiosk_token(open_hall)
    client.post("/kiosk/demo/setup", data={"token": KIOSK_TOKEN, "seniors": "y"})
    slip_url = client.post("/kiosk/demo/tickets", data={"service": "A"}).headers["Location"]

    slip = client.get(slip_url).get_data(as_text=True)
    client.post("/preferences", data={"large_text": "off", "next": slip_url})
    plain = client.get(slip_url).get_data(as_text=True)

    assert re.search(r'<html[^>]*class="[^"]*large-text[^"]*high-contrast', slip)
    assert not re.search(r'<html[^>]*class="[^"]*large-text', plain)


def test_the_kiosk_idle_reset_ends_the_citizen_s_language_and_text_size(client, open_hall):
    make_kiosk_token(open_hall)
    client.post("/kiosk/demo/setup", data={"token": KIOSK_TOKEN, "seniors": "y"})
    client.post("/preferences", data={"lang": "en", "large_text": "off", "next": "/kiosk/demo"})
    chosen = client.get("/kiosk/demo").get_data(as_text=True)

    reset = client.get("/kiosk/demo?idle=1")
    start = client.get(reset.headers["Location"]).get_data(as_text=True)

    assert re.search(r'<html lang="en" class="\s*high-contrast"', chosen)
    assert reset.status_code == 303 and reset.headers["Location"].endswith("/kiosk/demo")
    assert re.search(r'<html lang="zh-CN" class="large-text high-contrast"', start)


def test_kiosk_refuses_a_service_at_its_daily_limit_and_says_why(kiosk, open_hall, db):
    make_service(open_hall, "C", daily_limit=1)
    issue(open_hall, "C", now=utcnow())

    page = kiosk.get("/kiosk/demo?lang=en").get_data(as_text=True)
    refused = kiosk.post("/kiosk/demo/tickets?lang=en", data={"service": "C"})

    assert re.search(r'id="kiosk-service-C"\s+disabled', page)
    assert refused.status_code == 422
    assert "All of today&#39;s tickets for this service have been given out." in refused.get_data(
        as_text=True
    )
    assert tickets_count(db) == 1


def test_kiosk_outside_opening_hours_issues_nothing(kiosk, open_hall, db):
    close_today(db, open_hall)

    page = kiosk.get("/kiosk/demo?lang=en").get_data(as_text=True)
    refused = kiosk.post("/kiosk/demo/tickets?lang=en", data={"service": "A"})

    assert "The hall is closed now." in page and 'id="kiosk-form"' not in page
    assert refused.status_code == 422
    assert tickets_count(db) == 0


def test_kiosk_refuses_an_inactive_service(kiosk, open_hall, db):
    db.session.scalars(select(Service).where(Service.code == "B")).one().active = False
    db.session.commit()
    refused = kiosk.post("/kiosk/demo/tickets?lang=en", data={"service": "B"})
    assert refused.status_code == 422
    assert "not offered" in refused.get_data(as_text=True)
    assert tickets_count(db) == 0


def test_kiosk_issuing_is_rate_limited_per_kiosk(app, kiosk, open_hall):
    app.config["KIOSK_LIMIT_PER_KIOSK"] = "3 per minute"
    statuses = [
        kiosk.post("/kiosk/demo/tickets", data={"service": "A"}).status_code for _ in range(4)
    ]
    assert statuses == [303, 303, 303, 429]


def test_issuing_at_the_kiosk_leaves_the_texts_to_the_notify_worker(
    kiosk, open_hall, db, monkeypatch
):
    def must_not_run(**kwargs):
        raise AssertionError("texts are queued by the notify worker, not in the request")

    monkeypatch.setattr(notifications, "enqueue_due", must_not_run)
    response = kiosk.post("/kiosk/demo/tickets", data={"service": "A"})
    assert response.status_code == 303
    assert tickets_count(db) == 1


def test_tracking_page_shows_place_then_the_counter_prominently(client, open_hall):
    issue(open_hall, "A", now=utcnow())
    mine = issue(open_hall, "A", now=utcnow() + timedelta(seconds=1))

    waiting = client.get(f"/t/{mine.public_id}?lang=en").get_data(as_text=True)
    call(open_hall, 1, now=utcnow())
    call(open_hall, 2, now=utcnow())
    called = client.get(f"/t/{mine.public_id}", headers={"HX-Request": "true"})

    assert 'id="track-ahead">1<' in waiting
    assert "<html" not in called.get_data(as_text=True)
    assert "Please go to counter 2 now" in called.get_data(as_text=True)  # English stays


def test_tracking_partial_is_204_while_nothing_changed(client, open_hall):
    mine = issue(open_hall, "A", now=utcnow())
    version = live.current_version(open_hall.id)
    response = client.get(f"/t/{mine.public_id}?since={version}", headers={"HX-Request": "true"})
    assert response.status_code == 204


def test_tracking_page_speaks_traditional_chinese_and_english(client, open_hall):
    mine = issue(open_hall, "A", now=utcnow())
    hant = client.get(f"/t/{mine.public_id}?lang=zh_Hant_HK").get_data(as_text=True)
    english = client.get(f"/t/{mine.public_id}?lang=en").get_data(as_text=True)
    assert 'lang="zh-HK"' in hant and "前面人數" in hant
    assert "People ahead" in english


def test_print_view_has_the_ticket_and_a_qr_code_of_the_tracking_url(client, open_hall):
    mine = issue(open_hall, "A", now=utcnow())
    html = client.get(f"/t/{mine.public_id}/print").get_data(as_text=True)
    assert "A001" in html and "测试大厅" in html
    assert 'class="slip__qr"' in html and "data:image/svg+xml" in html
    assert f"http://hall.test/t/{mine.public_id}" in html


def test_no_public_page_shows_a_phone_number_or_a_name(client, open_hall, login_as, db):
    clerk = login_as("counter").staff
    clerk.full_name = "张伟"
    mine = issue(open_hall, "A", now=utcnow())
    notifications.subscribe(mine, "13800138000", now=utcnow())
    db.session.get(Visit, mine.visit_id).senior = True
    queue.sign_in_to_counter(open_counter(open_hall, 1), clerk, now=utcnow())
    call(open_hall, 1, now=utcnow())
    make_kiosk_token(open_hall)
    client.post("/kiosk/demo/setup", data={"token": KIOSK_TOKEN})

    for path in (
        "/display/demo",
        "/kiosk/demo",
        f"/kiosk/demo/tickets/{mine.public_id}",
        f"/t/{mine.public_id}",
        f"/t/{mine.public_id}/print",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_nothing_personal(response.get_data(as_text=True))


def test_a_call_from_the_counter_console_is_texted_by_the_notify_worker_round(
    open_hall, login_as, db
):
    clerk = login_as("counter")
    mine = issue(open_hall, "A", now=utcnow())
    notifications.subscribe(mine, "13800138000", now=utcnow())
    queue.sign_in_to_counter(open_counter(open_hall, 1), clerk.staff, now=utcnow())

    seen: dict[int, int] = {}
    notifications.enqueue_for_changed_halls(now=utcnow(), seen=seen)

    response = clerk.post("/queue/counters/1/next", headers={"HX-Request": "true"})

    assert response.status_code == 200
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []  # not inside the request
    assert notifications.enqueue_for_changed_halls(now=utcnow(), seen=seen) == 1
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.body == "号码 A001：请现在到 1 号窗口办理。"
    # Nothing changed since that round: the next round does not even look.
    assert notifications.enqueue_for_changed_halls(now=utcnow(), seen=seen) == 0


def test_a_finished_ticket_stops_polling_and_offers_the_visit_rating(client, open_hall, db):
    mine = issue(open_hall, "A", now=utcnow())
    waiting = client.get(f"/t/{mine.public_id}").get_data(as_text=True)
    assert (
        'hx-trigger="every 1s, hall:visible from:body" data-poll-when-visible' in waiting
        and "track-rating" not in waiting
    )
    call(open_hall, 1, now=utcnow())
    ticket = db.session.get(Ticket, mine.id)
    queue.start(ticket, now=utcnow())
    queue.finish(ticket, now=utcnow())

    done = client.get(f"/t/{mine.public_id}").get_data(as_text=True)
    assert "data-poll-when-visible" not in done
    assert f'hx-get="/rate/{mine.public_id}"' in done
    rating = client.get(f"/rate/{mine.public_id}", headers={"HX-Request": "true"})
    assert rating.status_code == 200 and 'id="feedback-rating"' in rating.get_data(as_text=True)


def test_a_phone_polls_every_few_seconds_until_its_turn_is_near(client, open_hall, db):
    for _ in range(5):
        issue(open_hall, "A", now=utcnow())
    mine = issue(open_hall, "A", now=utcnow())

    def trigger() -> str:
        page = client.get(f"/t/{mine.public_id}").get_data(as_text=True)
        return re.search(r'hx-trigger="every (\d+)s', page).group(1)

    assert trigger() == "3"  # five ahead
    call(open_hall, 1, now=utcnow())
    assert trigger() == "1"  # four ahead: a call must show within 2 s


def test_display_board_shows_you_said_we_did_between_calls_when_the_hall_wants_it(
    client, open_hall
):
    html = client.get("/display/demo").get_data(as_text=True)
    assert 'hx-get="/said-and-done/demo/board"' in html
    # Until the hall turns it on and publishes something, the fragment is empty.
    assert client.get("/said-and-done/demo/board").status_code == 204


SENIOR_CARD = "440106195506010029"  # born 1955


def test_a_senior_swipes_a_card_at_the_kiosk_and_gets_priority_ticked(kiosk, open_hall, db):
    start = kiosk.get("/kiosk/demo").get_data(as_text=True)
    swiped = kiosk.post("/kiosk/demo/swipe?lang=en", data={"document_number": SENIOR_CARD})
    misread = kiosk.post("/kiosk/demo/swipe?lang=en", data={"document_number": "4401061955"})

    assert 'id="kiosk-swipe-form"' in start and 'inputmode="none"' in start
    page = swiped.get_data(as_text=True)
    assert swiped.status_code == 200 and "You are 71" in page
    assert re.search(r'<input checked id="senior"|id="senior" name="senior"[^>]*checked', page)
    assert misread.status_code == 422 and 'id="kiosk-message"' in misread.get_data(as_text=True)
    assert SENIOR_CARD not in page
    assert tickets_count(db) == 0


def test_a_card_with_a_booking_today_checks_in_at_the_kiosk_and_prints(kiosk, open_hall, db):
    from hallapp.models import AppointmentSlot
    from hallapp.services import appointments

    slot = AppointmentSlot(
        hall_id=open_hall.id,
        service_id=next(s for s in open_hall.services if s.code == "A").id,
        starts_at=utcnow() + timedelta(minutes=5),
        ends_at=utcnow() + timedelta(minutes=35),
        capacity=1,
    )
    db.session.add(slot)
    db.session.commit()
    appointments.book(open_hall, slot.id, document_number=SENIOR_CARD, actor=None, now=utcnow())

    swiped = kiosk.post("/kiosk/demo/swipe", data={"document_number": SENIOR_CARD})

    assert swiped.status_code == 303
    slip = kiosk.get(swiped.headers["Location"]).get_data(as_text=True)
    assert "A001" in slip and 'data-autoprint="true"' in slip
