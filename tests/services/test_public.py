from datetime import UTC, datetime, timedelta

import pytest

from hallapp.services import hall_now, public, queue
from hallapp.services.errors import NotFound
from tests.builders import make_service
from tests.public_builders import TEN_AM, call, issue, make_kiosk_token, open_counter


@pytest.fixture
def counters(hall):
    open_counter(hall, 1)
    open_counter(hall, 2)
    open_counter(hall, 10)
    return hall


def test_board_shows_both_calls_made_at_the_same_moment_newest_first(counters):
    hall = counters
    issue(hall, "A", now=TEN_AM)
    issue(hall, "B", now=TEN_AM)
    first = call(hall, 1, now=TEN_AM + timedelta(minutes=1))
    second = call(hall, 2, now=TEN_AM + timedelta(minutes=1))

    board = public.board(hall, now=TEN_AM + timedelta(minutes=2))

    assert [(c.label, c.counter) for c in board.now_calling] == [
        (second.label, 2),
        (first.label, 1),
    ]
    assert board.is_open


def test_board_announces_only_calls_newer_than_it_has_shown_oldest_first(counters):
    hall = counters
    issue(hall, "A", now=TEN_AM)
    issue(hall, "B", now=TEN_AM)
    call(hall, 1, now=TEN_AM)
    shown = public.board(hall, now=TEN_AM).last_event_id
    call(hall, 2, now=TEN_AM + timedelta(seconds=5))
    ticket = queue.current_ticket(open_counter(hall, 1))
    queue.recall(ticket, now=TEN_AM + timedelta(seconds=6))

    board = public.board(hall, now=TEN_AM + timedelta(seconds=7), after_event=shown)

    assert [(c.label, c.counter, c.recall) for c in board.announcements] == [
        ("B001", 2, False),
        ("A001", 1, True),
    ]
    assert board.last_event_id > shown
    assert public.board(hall, now=TEN_AM).announcements == []


def test_announcement_is_mandarin_then_the_repeats_asked_for():
    texts = public.announcement_texts("A012", 5, ("en", "yue"))
    assert texts[0] == {"lang": "zh-CN", "text": "请 A 0 1 2 号到 5 号窗口办理"}
    assert [t["lang"] for t in texts] == ["zh-CN", "en-GB", "zh-HK"]
    assert public.announcement_texts("A012", 5, ())[1:] == []


def test_board_counts_waiting_per_service_and_lists_missed_calls(counters):
    hall = counters
    issue(hall, "A", now=TEN_AM)
    issue(hall, "A", now=TEN_AM)
    issue(hall, "E", now=TEN_AM)
    missed = call(hall, 1, now=TEN_AM)
    queue.mark_no_show(missed, now=TEN_AM + timedelta(minutes=3))

    board = public.board(hall, now=TEN_AM + timedelta(minutes=4))
    enterprise = public.board(hall, now=TEN_AM + timedelta(minutes=4), room="enterprise")

    assert {s.code: n for s, n in board.waiting} == {"A": 1, "B": 0, "E": 1}
    assert board.missed == ["A001"]
    assert board.now_calling == []
    assert {s.code: n for s, n in enterprise.waiting} == {"E": 1}
    assert enterprise.missed == []


def test_board_says_when_the_hall_is_closed(hall):
    evening = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    assert not public.board(hall, now=evening).is_open
    hall.open_weekdays = "12345"
    saturday = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert not hall_now.hall_is_open(hall, saturday)


def test_ticket_state_gives_place_wait_and_then_the_counter(counters):
    hall = counters
    issue(hall, "A", now=TEN_AM)
    mine = issue(hall, "A", now=TEN_AM + timedelta(seconds=1))

    waiting = public.ticket_state(mine, now=TEN_AM)
    assert (waiting.status, waiting.ahead, waiting.counter) == ("waiting", 1, None)
    assert waiting.wait_minutes is None  # no service finished yet: nothing honest to say

    call(hall, 1, now=TEN_AM)
    call(hall, 2, now=TEN_AM)
    called = public.ticket_state(mine, now=TEN_AM)
    assert (called.status, called.ahead, called.counter) == ("called", None, 2)


def test_kiosk_tiles_say_when_a_service_has_given_out_its_daily_limit(hall):
    make_service(hall, "C", name_zh="港澳通行证", name_en="HK/Macau permit", daily_limit=1)
    issue(hall, "C", now=TEN_AM)

    tiles = {
        item.service.code: item for item in public.kiosk_tiles(hall_now.hall_now(hall, now=TEN_AM))
    }

    assert not tiles["C"].available
    assert "发完" in tiles["C"].reason
    assert tiles["A"].available


def test_kiosk_token_must_be_a_current_kiosk_token_of_this_hall(hall):
    from tests.builders import make_hall

    make_kiosk_token(hall)
    make_kiosk_token(hall, "old-kiosk-token", revoked_at=TEN_AM)
    other = make_hall("other")

    assert public.kiosk_device(hall, "kiosk-token-for-tests-0123456789", now=TEN_AM)
    assert public.kiosk_device(hall, "old-kiosk-token", now=TEN_AM) is None
    assert public.kiosk_device(hall, "guess", now=TEN_AM) is None
    assert public.kiosk_device(other, "kiosk-token-for-tests-0123456789", now=TEN_AM) is None


def test_a_malformed_or_unknown_public_id_is_not_found(hall):
    ticket = issue(hall, "A", now=TEN_AM)
    assert public.find_ticket(ticket.public_id) == ticket
    for bad in ("", "A001", "../../etc", "x" * 100, ticket.public_id[:-1] + "~"):
        with pytest.raises(NotFound):
            public.find_ticket(bad)


def test_public_id_does_not_follow_from_the_ticket_number(hall):
    tickets = [issue(hall, "A", now=TEN_AM) for _ in range(3)]
    ids = [ticket.public_id for ticket in tickets]
    assert len(set(ids)) == 3
    assert all(
        len(i) >= 16 and ticket.label not in i for i, ticket in zip(ids, tickets, strict=True)
    )


SENIOR_CARD = "440106195506010029"  # born 1 June 1955 in Guangzhou
YOUNGER_CARD = "110105199001010010"  # born 1990


def everything_stored(db) -> str:
    """Every row of every table, as text: where a full number would show if it were kept."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows += [repr(tuple(row)) for row in db.session.execute(table.select())]
    return "\n".join(rows)


def booked_today(hall, db, number):
    from hallapp.models import AppointmentSlot
    from hallapp.services import appointments

    slot = AppointmentSlot(
        hall_id=hall.id,
        service_id=next(s for s in hall.services if s.code == "B").id,
        starts_at=TEN_AM + timedelta(minutes=30),
        ends_at=TEN_AM + timedelta(minutes=60),
        capacity=2,
    )
    db.session.add(slot)
    db.session.commit()
    return appointments.book(hall, slot.id, document_number=number, actor=None, now=TEN_AM)


def test_a_card_swiped_at_the_kiosk_checks_in_today_s_booking_and_keeps_no_number(hall, db):
    booking = booked_today(hall, db, SENIOR_CARD)

    found = public.kiosk_swipe(hall, SENIOR_CARD.lower(), now=TEN_AM + timedelta(minutes=5))

    assert found.ticket is not None and found.ticket.label == "B001"
    assert found.ticket.priority_class == "appointment"
    db.session.refresh(booking)
    assert booking.state == "checked_in" and booking.ticket_id == found.ticket.id
    stored = everything_stored(db)
    assert SENIOR_CARD not in stored and "195506010" not in stored
    assert "440************029" in stored
    again = public.kiosk_swipe(hall, SENIOR_CARD, now=TEN_AM + timedelta(minutes=6))
    assert again.ticket is None  # checked in once; the second swipe books nothing more


def test_a_senior_without_a_booking_is_offered_priority_by_the_card_s_birth_date(hall, db):
    senior = public.kiosk_swipe(hall, SENIOR_CARD, now=TEN_AM)
    younger = public.kiosk_swipe(hall, YOUNGER_CARD, now=TEN_AM)

    assert (senior.ticket, senior.senior_age) == (None, 71)
    assert (younger.ticket, younger.senior_age) == (None, None)
    assert SENIOR_CARD not in everything_stored(db)


def test_a_misread_card_at_the_kiosk_says_so_and_keeps_nothing(app, hall, db):
    from hallapp.services.identity import InvalidDocumentNumber

    with pytest.raises(InvalidDocumentNumber):
        public.kiosk_swipe(hall, SENIOR_CARD[:-1] + "1", now=TEN_AM)
    with pytest.raises(InvalidDocumentNumber):
        public.kiosk_swipe(hall, "%%%", now=TEN_AM)
